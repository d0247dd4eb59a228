package glmspark.cuda;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The kernels compile with NVRTC (no GPU needed: only the CUDA toolkit's libnvrtc); skipped without it. */
class NvrtcTest {

    static Nvrtc nvrtcOrSkip() {
        try {
            return Nvrtc.load();
        } catch (CudaException e) {
            assumeTrue(false, "no NVRTC on this machine: " + e.getMessage());
            return null;
        }
    }

    @Test
    void kernelsCompileToAnElfCubinForHopper(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Nvrtc nvrtc = nvrtcOrSkip();
        String src = new String(CudaBackend.class.getResourceAsStream("/glmspark/cuda/glm4.cu").readAllBytes());
        byte[] cubin = nvrtc.compileNow("glm4.cu", src, new String[]{"--gpu-architecture=sm_80", "-default-device"});
        assertTrue(cubin.length > 1000, "cubin of " + cubin.length + " bytes");
        assertEquals(0x7f, cubin[0]);
        assertEquals('E', cubin[1]);
        assertEquals('L', cubin[2]);
        assertEquals('F', cubin[3]);
    }

    @Test
    void aCompileErrorCarriesNvrtcsLog() {
        Nvrtc nvrtc = nvrtcOrSkip();
        CudaException e = assertThrows(CudaException.class,
                () -> nvrtc.compileNow("bad.cu", "extern \"C\" __global__ void f() { undeclared = 1; }", new String[]{"--gpu-architecture=sm_80"}));
        assertTrue(e.getMessage().contains("bad.cu") && e.getMessage().contains("undeclared"), e.getMessage());
    }

    @Test
    void withoutADriverCudaIsUnavailableAndSaysWhy() {
        assumeTrue(!CudaDevice.available(), "this machine has a CUDA device");
        CudaException e = assertThrows(CudaException.class, () -> CudaDevice.open(0));
        assertTrue(e.getMessage().contains("driver") || e.getMessage().contains("device"), e.getMessage());
    }
}
