package glmspark.exec;

import glmspark.generate.EngineOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The GPU address of a task, the holder binding it once per JVM, and the engine options carrying it. */
class TaskGpuTest {

    @AfterEach
    void close() {
        EngineHolder.clear();
    }

    @Test
    void theFirstAssignedAddressIsTheDevice() {
        assertEquals(3, TaskGpu.device(new String[]{"3"}));
        assertEquals(1, TaskGpu.device(new String[]{"1", "0"}));
        assertEquals(-1, TaskGpu.device(new String[0]));
        assertEquals(-1, TaskGpu.device((String[]) null));
        assertEquals(-1, TaskGpu.device((org.apache.spark.TaskContext) null), "outside a task: no GPU");
    }

    @Test
    void anAddressThatIsNotAnOrdinalIsAnErrorNamingIt() {
        var e = assertThrows(IllegalArgumentException.class, () -> TaskGpu.device(new String[]{"GPU-5d3c"}));
        assertTrue(e.getMessage().contains("'GPU-5d3c'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TaskGpu.device(new String[]{"-2"}));
    }

    @Test
    void engineOptionsCarryTheDeviceWhateverTheBackend() {
        for (String backend : List.of("cpu", "cuda", "auto")) {
            GeneratorSpec spec = new GeneratorSpec("/m", backend, 4, 256, 8, false, null, 0).withDevice(3);
            EngineOptions o = EngineRowGenerator.Factory.options(spec, Path.of("/local/m"));
            assertEquals(3, o.device());
            assertEquals(backend, o.backend());
            assertEquals(Path.of("/local/m"), o.model());
            assertEquals(4, o.threads());
            assertEquals(256, o.maxBatchTokens());
            assertEquals(8, o.maxSequences());
        }
        GeneratorSpec none = new GeneratorSpec("/m", "cuda", 0, 0, 0, false, null, 0);
        assertEquals(-1, EngineRowGenerator.Factory.options(none, Path.of("/m")).device(), "no GPU assigned: the first");
    }

    @Test
    void theFirstTaskBindsTheDeviceAndLaterTasksShareThatEngine() {
        GeneratorSpec spec = new GeneratorSpec("/m", "cuda", 1, 0, 0, false, null, 0);
        String factory = DeviceEchoGenerator.Factory.class.getName();
        int before = EngineHolder.loads();
        RowGenerator first = EngineHolder.get(factory, spec, 2);
        // Another address in the same JVM (a misconfiguration: several GPUs per executor) is logged, not reopened.
        RowGenerator second = EngineHolder.get(factory, spec, 5);
        RowGenerator third = EngineHolder.get(factory, spec, -1);
        assertSame(first, second);
        assertSame(first, third);
        assertEquals(before + 1, EngineHolder.loads());
        GeneratorSpec bound = EngineHolder.opened().get(factory + "|" + spec);
        assertEquals(2, bound.device());
        assertEquals(spec.withDevice(2), bound);
    }
}
