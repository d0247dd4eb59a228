package glmspark.cuda;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * NVRTC, CUDA's run-time compiler: our kernels ship as CUDA C in the jar and are compiled for the device found,
 * with no native build step. Results are cached on disk by a hash of the source, options and NVRTC version
 * (~/.cache/glm-spark/cuda, or GLMSPARK_CUDA_CACHE), so only the first start on a machine pays the compile.
 */
public final class Nvrtc {

    private final NativeLibrary lib;
    private final MethodHandle create, compile, logSize, log, cubinSize, cubin, destroy, errorString, version;

    private Nvrtc(NativeLibrary lib) {
        this.lib = lib;
        create = lib.fn("nvrtcCreateProgram", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
        compile = lib.fn("nvrtcCompileProgram", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
        logSize = lib.fn("nvrtcGetProgramLogSize", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        log = lib.fn("nvrtcGetProgramLog", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        cubinSize = lib.fn("nvrtcGetCUBINSize", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        cubin = lib.fn("nvrtcGetCUBIN", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        destroy = lib.fn("nvrtcDestroyProgram", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        errorString = lib.fn("nvrtcGetErrorString", FunctionDescriptor.of(ADDRESS, JAVA_INT));
        version = lib.fn("nvrtcVersion", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    }

    /** NVRTC from the CUDA toolkit (13, then 12, then any), or a clear error. */
    public static Nvrtc load() {
        NativeLibrary lib = NativeLibrary.open("libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so");
        if (lib == null)
            throw new CudaException("NVRTC (libnvrtc.so) not found: install the CUDA toolkit or set CUDA_HOME (looked in "
                    + NativeLibrary.toolkitDirs() + " and the loader's path)");
        NativeLibrary.preloadBeside(lib, "libnvrtc-builtins.so.13.0", "libnvrtc-builtins.so.12.9", "libnvrtc-builtins.so");
        return new Nvrtc(lib);
    }

    public String version() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ma = a.allocate(JAVA_INT), mi = a.allocate(JAVA_INT);
            check(CudaDriver.call(version, ma, mi), "nvrtcVersion");
            return ma.get(JAVA_INT, 0) + "." + mi.get(JAVA_INT, 0);
        }
    }

    /** Compiles {@code source} to a cubin for {@code arch} (e.g. sm_90), from the cache when it was done before. */
    public byte[] compile(String name, String source, String arch) {
        String[] options = {"--gpu-architecture=" + arch, "-default-device", "--std=c++17", "-lineinfo"};
        Path cached = cacheDir().resolve(hash(source, String.join(" ", options), version(), lib.name()) + "-" + arch + ".cubin");
        try {
            if (Files.isRegularFile(cached)) return Files.readAllBytes(cached);
        } catch (IOException ignored) {
            // recompile
        }
        byte[] bin = compileNow(name, source, options);
        try {
            Files.createDirectories(cached.getParent());
            Path tmp = Files.createTempFile(cached.getParent(), "cubin", ".tmp");
            Files.write(tmp, bin);
            Files.move(tmp, cached, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException ignored) {
            // an unwritable cache only costs a compile next time
        }
        return bin;
    }

    byte[] compileNow(String name, String source, String[] options) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment prog = a.allocate(ADDRESS);
            check(CudaDriver.call(create, prog, a.allocateFrom(source), a.allocateFrom(name), 0, MemorySegment.NULL,
                    MemorySegment.NULL), "nvrtcCreateProgram");
            MemorySegment p = prog.get(ADDRESS, 0);
            try {
                MemorySegment opts = a.allocate(ADDRESS, options.length);
                for (int i = 0; i < options.length; i++) opts.setAtIndex(ADDRESS, i, a.allocateFrom(options[i]));
                int rc = CudaDriver.call(compile, p, options.length, opts);
                if (rc != 0) throw new CudaException("NVRTC could not compile " + name + " (" + errorName(rc) + "):\n" + programLog(a, p));
                MemorySegment size = a.allocate(JAVA_LONG);
                check(CudaDriver.call(cubinSize, p, size), "nvrtcGetCUBINSize");
                MemorySegment bin = a.allocate(size.get(JAVA_LONG, 0));
                check(CudaDriver.call(cubin, p, bin), "nvrtcGetCUBIN");
                return bin.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
            } finally {
                CudaDriver.call(destroy, prog);
            }
        }
    }

    private String programLog(Arena a, MemorySegment p) {
        MemorySegment size = a.allocate(JAVA_LONG);
        if (CudaDriver.call(logSize, p, size) != 0) return "";
        MemorySegment text = a.allocate(size.get(JAVA_LONG, 0) + 1);
        if (CudaDriver.call(log, p, text) != 0) return "";
        return text.getString(0);
    }

    private void check(int rc, String what) {
        if (rc != 0) throw new CudaException(what + " failed: " + errorName(rc));
    }

    private String errorName(int rc) {
        try {
            MemorySegment s = (MemorySegment) errorString.invokeExact(rc);
            return s.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "NVRTC error " + rc;
        }
    }

    static Path cacheDir() {
        String env = System.getenv("GLMSPARK_CUDA_CACHE");
        if (env != null && !env.isBlank()) return Path.of(env);
        return Path.of(System.getProperty("user.home"), ".cache", "glm-spark", "cuda");
    }

    private static String hash(String... parts) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (String s : parts) {
                md.update(s.getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0);
            }
            return HexFormat.of().formatHex(md.digest(), 0, 12);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
