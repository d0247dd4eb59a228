package glmspark.job;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** conf/gpu-discovery.sh against a fake nvidia-smi: Spark's JSON, CUDA ordinals, no driver = no GPU. */
@EnabledOnOs({OS.LINUX, OS.MAC})
class GpuDiscoveryScriptTest {

    static final Path SCRIPT = Path.of("..", "conf", "gpu-discovery.sh").toAbsolutePath().normalize();

    @TempDir
    Path tmp;
    Path fakeBin;
    Path emptyBin;

    record Result(int exit, String out, String err) {
    }

    @BeforeEach
    void fakes() throws Exception {
        fakeBin = Files.createDirectories(tmp.resolve("bin"));
        emptyBin = Files.createDirectories(tmp.resolve("empty"));
        Path smi = fakeBin.resolve("nvidia-smi");
        // Answers only the query the script must make; anything else fails.
        Files.writeString(smi, """
                #!/bin/sh
                [ "$*" = "--query-gpu=index --format=csv,noheader" ] || { echo "unexpected: $*" >&2; exit 9; }
                printf '0\\n1\\n2\\n3\\n'
                """);
        Files.setPosixFilePermissions(smi, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private Result run(Path bin, Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("/bin/bash", SCRIPT.toString());
        pb.environment().clear();
        pb.environment().put("PATH", bin.toString());
        pb.environment().putAll(env);
        Path out = tmp.resolve("out"), err = tmp.resolve("err");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8).strip(), Files.readString(err, StandardCharsets.UTF_8));
    }

    @Test
    void everyGpuNvidiaSmiListsIsAnAddress() throws Exception {
        Result r = run(fakeBin, Map.of());
        assertEquals(0, r.exit(), r.err());
        assertEquals("{\"name\":\"gpu\",\"addresses\":[\"0\",\"1\",\"2\",\"3\"]}", r.out());
    }

    @Test
    void cudaVisibleDevicesRenumbersFromZero() throws Exception {
        assertEquals("{\"name\":\"gpu\",\"addresses\":[\"0\",\"1\"]}", run(fakeBin, Map.of("CUDA_VISIBLE_DEVICES", "2,3")).out());
        assertEquals("{\"name\":\"gpu\",\"addresses\":[\"0\",\"1\"]}",
                run(fakeBin, Map.of("CUDA_VISIBLE_DEVICES", "GPU-6f1e2a,GPU-77ab01")).out(), "UUIDs count like indices");
        assertEquals("{\"name\":\"gpu\",\"addresses\":[\"0\"]}", run(fakeBin, Map.of("CUDA_VISIBLE_DEVICES", "1,-1,2")).out(),
                "CUDA stops at the first invalid entry");
        Result none = run(fakeBin, Map.of("CUDA_VISIBLE_DEVICES", ""));
        assertEquals("{\"name\":\"gpu\",\"addresses\":[]}", none.out());
        assertTrue(none.err().contains("leaves no GPU visible"), none.err());
        assertEquals("{\"name\":\"gpu\",\"addresses\":[\"0\",\"1\",\"2\",\"3\"]}",
                run(fakeBin, Map.of("CUDA_VISIBLE_DEVICES", "0,1,2,3,4,5")).out(), "never more than the driver lists");
    }

    @Test
    void noNvidiaSmiMeansNoGpuAndSaysWhy() throws Exception {
        Result r = run(emptyBin, Map.of());
        assertEquals(0, r.exit());
        assertEquals("{\"name\":\"gpu\",\"addresses\":[]}", r.out());
        assertTrue(r.err().contains("nvidia-smi not found"), r.err());
    }

    @Test
    void aFailingNvidiaSmiMeansNoGpuAndSaysWhy() throws Exception {
        Path smi = fakeBin.resolve("nvidia-smi");
        Files.writeString(smi, "#!/bin/sh\necho 'NVIDIA-SMI has failed' >&2\nexit 9\n");
        Result r = run(fakeBin, Map.of());
        assertEquals("{\"name\":\"gpu\",\"addresses\":[]}", r.out());
        assertTrue(r.err().contains("nvidia-smi failed"), r.err());
    }
}
