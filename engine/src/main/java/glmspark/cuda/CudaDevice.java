package glmspark.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * One CUDA device bound to the calling threads through its primary context: memory, copies and kernel
 * launches, all on one stream of its own (so work runs in submission order, can be captured as a CUDA graph,
 * and a copy back waits for everything before it). Not thread-safe: the engine drives it from its scheduler
 * thread.
 */
public final class CudaDevice implements AutoCloseable {

    private final CudaDriver d;
    private final int ordinal;
    private final MemorySegment ctx;
    private final String name;
    private final int ccMajor, ccMinor, multiprocessors;
    private final Arena arena = Arena.ofShared();
    private final List<Long> allocations = new ArrayList<>();
    private final List<MemorySegment> hostAllocations = new ArrayList<>();
    // kernel arguments: 32 eight-byte value slots and the pointer array cuLaunchKernel reads them through
    private final MemorySegment argValues = arena.allocate(32 * 8L, 8);
    private final MemorySegment argPointers = arena.allocate(ADDRESS, 32);
    private final MemorySegment out = arena.allocate(16, 8);
    private final MemorySegment stream;
    /**
     * CUlaunchConfig (grid, block, shared bytes, stream, attributes) with one CUlaunchAttribute: programmatic
     * stream serialisation, so a kernel may start while the one before it finishes (the kernels wait for it
     * themselves, glm4.cu's pdl_wait); on sm_90 and newer, unless GLMSPARK_CUDA_PDL=0.
     */
    private final MemorySegment launchConfig = arena.allocate(56, 8), launchAttribute = arena.allocate(72, 8);
    private final boolean pdl;
    private boolean closed;

    private CudaDevice(CudaDriver d, int ordinal) {
        this.d = d;
        this.ordinal = ordinal;
        for (int i = 0; i < 32; i++) argPointers.setAtIndex(ADDRESS, i, argValues.asSlice(i * 8L, 8));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment dev = a.allocate(JAVA_INT);
            d.check(CudaDriver.call(d.cuDeviceGet, dev, ordinal), "cuDeviceGet(" + ordinal + ")");
            int handle = dev.get(JAVA_INT, 0);
            MemorySegment pctx = a.allocate(ADDRESS);
            d.check(CudaDriver.call(d.cuDevicePrimaryCtxRetain, pctx, handle), "cuDevicePrimaryCtxRetain");
            ctx = pctx.get(ADDRESS, 0);
            bind();
            MemorySegment nm = a.allocate(256);
            d.check(CudaDriver.call(d.cuDeviceGetName, nm, 256, handle), "cuDeviceGetName");
            name = nm.getString(0);
            ccMajor = attribute(a, handle, CudaDriver.ATTR_CC_MAJOR);
            ccMinor = attribute(a, handle, CudaDriver.ATTR_CC_MINOR);
            multiprocessors = attribute(a, handle, CudaDriver.ATTR_MULTIPROCESSOR_COUNT);
            MemorySegment ps = a.allocate(ADDRESS);
            d.check(CudaDriver.call(d.cuStreamCreate, ps, 1), "cuStreamCreate"); // 1: non-blocking
            stream = ps.get(ADDRESS, 0);
        }
        pdl = ccMajor >= 9 && d.cuLaunchKernelEx != null && !"0".equals(System.getenv("GLMSPARK_CUDA_PDL"));
        launchAttribute.set(JAVA_INT, 0, 6); // CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION
        launchAttribute.set(JAVA_INT, 8, 1);
        launchConfig.set(ADDRESS, 32, stream);
        launchConfig.set(ADDRESS, 40, launchAttribute);
        launchConfig.set(JAVA_INT, 48, 1);
    }

    /** Whether kernels are launched with programmatic dependent launch. */
    public boolean programmaticLaunch() {
        return pdl;
    }

    private int attribute(Arena a, int handle, int attr) {
        MemorySegment v = a.allocate(JAVA_INT);
        d.check(CudaDriver.call(d.cuDeviceGetAttribute, v, attr, handle), "cuDeviceGetAttribute(" + attr + ")");
        return v.get(JAVA_INT, 0);
    }

    /** Device {@code ordinal} (-1: the first); a clear error when there is no driver or no such device. */
    public static CudaDevice open(int ordinal) {
        CudaDriver d = CudaDriver.get();
        int count = CudaDriver.deviceCount();
        int o = Math.max(0, ordinal);
        if (count == 0) throw new CudaException("the NVIDIA driver sees no CUDA device");
        if (o >= count)
            throw new CudaException("CUDA device " + o + " does not exist (this machine has " + count
                    + "; CUDA_VISIBLE_DEVICES renumbers them from 0)");
        return new CudaDevice(d, o);
    }

    /** True when a driver is installed and sees at least one device ({@code backend: auto} picks CUDA then). */
    public static boolean available() {
        return CudaDriver.deviceCount() > 0;
    }

    /** Makes this device's context current on the calling thread (each thread that uses it must). */
    public void bind() {
        d.check(CudaDriver.call(d.cuCtxSetCurrent, ctx), "cuCtxSetCurrent");
    }

    public String name() {
        return name;
    }

    public int ordinal() {
        return ordinal;
    }

    /** Compute capability as NVRTC names the architecture, e.g. "sm_90". */
    public String arch() {
        return "sm_" + ccMajor + ccMinor;
    }

    public int multiprocessors() {
        return multiprocessors;
    }

    /** {free, total} device memory in bytes. */
    public long[] memoryInfo() {
        d.check(CudaDriver.call(d.cuMemGetInfo, out, out.asSlice(8)), "cuMemGetInfo");
        return new long[]{out.get(JAVA_LONG, 0), out.get(JAVA_LONG, 8)};
    }

    public long alloc(long bytes) {
        int rc = CudaDriver.call(d.cuMemAlloc, out, Math.max(bytes, 4));
        if (rc != 0) {
            long[] m = memoryInfo();
            d.check(rc, "cuMemAlloc of " + bytes + " bytes (" + m[0] / (1 << 20) + " MiB free of " + m[1] / (1 << 20) + " MiB)");
        }
        long p = out.get(JAVA_LONG, 0);
        allocations.add(p);
        return p;
    }

    public void free(long p) {
        if (allocations.remove(p)) d.check(CudaDriver.call(d.cuMemFree, p), "cuMemFree");
    }

    /** Page-locked host memory: asynchronous copies from it do not wait for the CPU. */
    public MemorySegment allocHost(long bytes) {
        d.check(CudaDriver.call(d.cuMemAllocHost, out, bytes), "cuMemAllocHost of " + bytes + " bytes");
        MemorySegment s = out.get(ADDRESS, 0).reinterpret(bytes);
        hostAllocations.add(s);
        return s;
    }

    public void freeHost(MemorySegment s) {
        for (int i = 0; i < hostAllocations.size(); i++)
            if (hostAllocations.get(i).address() == s.address()) {
                hostAllocations.remove(i);
                d.check(CudaDriver.call(d.cuMemFreeHost, s), "cuMemFreeHost");
                return;
            }
    }

    /** Synchronous host-to-device copy (any host memory). */
    public void upload(long dst, MemorySegment src, long bytes) {
        try {
            d.check((int) d.cuMemcpyHtoD.invokeExact(dst, src, bytes), "cuMemcpyHtoD");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Copy from page-locked host memory, ordered after the work already submitted. */
    public void uploadAsync(long dst, MemorySegment pinnedSrc, long bytes) {
        try {
            d.check((int) d.cuMemcpyHtoDAsync.invokeExact(dst, pinnedSrc, bytes, stream), "cuMemcpyHtoDAsync");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Device-to-host copy into page-locked memory after all work submitted before it; returns when it is there. */
    public void download(MemorySegment pinnedDst, long src, long bytes) {
        try {
            d.check((int) d.cuMemcpyDtoHAsync.invokeExact(pinnedDst, src, bytes, stream), "cuMemcpyDtoHAsync");
            d.check((int) d.cuStreamSynchronize.invokeExact(stream), "cuStreamSynchronize (a kernel failed earlier if this is unexpected)");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void copyAsync(long dst, long src, long bytes) {
        try {
            d.check((int) d.cuMemcpyDtoDAsync.invokeExact(dst, src, bytes, stream), "cuMemcpyDtoDAsync");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Sets {@code count} 32-bit words at {@code dst} to {@code bits}. */
    public void fill32(long dst, int bits, long count) {
        try {
            d.check((int) d.cuMemsetD32Async.invokeExact(dst, bits, count, stream), "cuMemsetD32Async");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void synchronize() {
        d.check(CudaDriver.call(d.cuCtxSynchronize), "cuCtxSynchronize (a kernel failed earlier if this is unexpected)");
    }

    /** The stream all work goes to (cuBLAS is set to it too). */
    MemorySegment stream() {
        return stream;
    }

    /** Starts recording this thread's work on the stream into a graph instead of running it. */
    public void beginCapture() {
        d.check(CudaDriver.call(d.cuStreamBeginCapture, stream, 1), "cuStreamBeginCapture"); // 1: thread-local mode
    }

    /** Ends the recording and returns the executable graph (a handle for {@link #launchGraph}). */
    public MemorySegment endCapture() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment pg = a.allocate(ADDRESS);
            d.check(CudaDriver.call(d.cuStreamEndCapture, stream, pg), "cuStreamEndCapture");
            MemorySegment graph = pg.get(ADDRESS, 0);
            try {
                MemorySegment pe = a.allocate(ADDRESS);
                d.check(CudaDriver.call(d.cuGraphInstantiate, pe, graph, 0L), "cuGraphInstantiate");
                return pe.get(ADDRESS, 0);
            } finally {
                CudaDriver.call(d.cuGraphDestroy, graph);
            }
        }
    }

    /** Ends a recording that failed part way, dropping what it recorded. */
    public void abandonCapture() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment pg = a.allocate(ADDRESS);
            if (CudaDriver.call(d.cuStreamEndCapture, stream, pg) == 0 && !pg.get(ADDRESS, 0).equals(MemorySegment.NULL))
                CudaDriver.call(d.cuGraphDestroy, pg.get(ADDRESS, 0));
        }
    }

    public void launchGraph(MemorySegment exec) {
        try {
            d.check((int) d.cuGraphLaunch.invokeExact(exec, stream), "cuGraphLaunch");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void destroyGraph(MemorySegment exec) {
        CudaDriver.call(d.cuGraphExecDestroy, exec);
    }

    /** Loads a compiled module (cubin or PTX) and returns its functions by name. */
    public Kernel[] load(byte[] image, String... functions) {
        MemorySegment img = arena.allocate(image.length + 1L);
        img.copyFrom(MemorySegment.ofArray(image));
        img.set(JAVA_BYTE, image.length, (byte) 0);
        MemorySegment mod;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment pm = a.allocate(ADDRESS);
            d.check(CudaDriver.call(d.cuModuleLoadData, pm, img), "cuModuleLoadData");
            mod = pm.get(ADDRESS, 0);
            Kernel[] ks = new Kernel[functions.length];
            for (int i = 0; i < functions.length; i++) {
                MemorySegment pf = a.allocate(ADDRESS);
                d.check(CudaDriver.call(d.cuModuleGetFunction, pf, mod, a.allocateFrom(functions[i])),
                        "cuModuleGetFunction(" + functions[i] + ")");
                ks[i] = new Kernel(functions[i], pf.get(ADDRESS, 0));
            }
            return ks;
        }
    }

    /** A kernel of a loaded module. */
    public record Kernel(String name, MemorySegment handle) {
    }

    /** Starts a launch of {@code k}: add the arguments in order, then {@link Launch#go}. */
    public Launch launch(Kernel k) {
        launch.kernel = k;
        launch.n = 0;
        return launch;
    }

    private final Launch launch = new Launch();

    /** Kernel arguments written into the device's reusable argument slots (the token loop allocates nothing). */
    public final class Launch {
        private Kernel kernel;
        private int n;

        public Launch ptr(long p) {
            argValues.set(JAVA_LONG, 8L * n++, p);
            return this;
        }

        public Launch i32(int v) {
            argValues.set(JAVA_INT, 8L * n++, v);
            return this;
        }

        public Launch f32(float v) {
            argValues.set(JAVA_FLOAT, 8L * n++, v);
            return this;
        }

        public void go(int gx, int gy, int gz, int block, int sharedBytes) {
            try {
                int rc;
                if (pdl) {
                    MemorySegment c = launchConfig;
                    c.set(JAVA_INT, 0, gx);
                    c.set(JAVA_INT, 4, gy);
                    c.set(JAVA_INT, 8, gz);
                    c.set(JAVA_INT, 12, block);
                    c.set(JAVA_INT, 16, 1);
                    c.set(JAVA_INT, 20, 1);
                    c.set(JAVA_INT, 24, sharedBytes);
                    rc = (int) d.cuLaunchKernelEx.invokeExact(c, kernel.handle(), argPointers, MemorySegment.NULL);
                } else {
                    rc = (int) d.cuLaunchKernel.invokeExact(kernel.handle(), gx, gy, gz, block, 1, 1, sharedBytes,
                            stream, argPointers, MemorySegment.NULL);
                }
                if (rc != 0) d.check(rc, "launch of " + kernel.name() + " grid (" + gx + "," + gy + "," + gz + ") block " + block);
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new CudaException("native call failed", t);
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            bind();
            for (long p : allocations) CudaDriver.call(d.cuMemFree, p);
            for (MemorySegment s : hostAllocations) CudaDriver.call(d.cuMemFreeHost, s);
        } finally {
            allocations.clear();
            hostAllocations.clear();
            arena.close();
        }
    }

    @Override
    public String toString() {
        return "CUDA device " + ordinal + " (" + name + ", " + arch() + ", " + multiprocessors + " SMs"
                + (pdl ? ", programmatic launch" : "") + ")";
    }
}
