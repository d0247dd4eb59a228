package glmspark.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The CUDA driver API (libcuda.so.1, installed with the NVIDIA driver) through FFM: only the calls the engine
 * makes. Device pointers are plain longs. Every call's result is checked; a failure names the call and the
 * driver's error name.
 */
final class CudaDriver {

    static final int ATTR_MULTIPROCESSOR_COUNT = 16;
    static final int ATTR_CC_MAJOR = 75;
    static final int ATTR_CC_MINOR = 76;

    private static volatile CudaDriver instance;
    private static volatile String unavailable;

    final MethodHandle cuInit, cuDeviceGetCount, cuDeviceGet, cuDeviceGetAttribute, cuDeviceGetName,
            cuDevicePrimaryCtxRetain, cuCtxSetCurrent, cuMemGetInfo, cuMemAlloc, cuMemFree, cuMemAllocHost, cuMemFreeHost,
            cuMemcpyHtoD, cuMemcpyHtoDAsync, cuMemcpyDtoDAsync, cuMemsetD32Async, cuModuleLoadData,
            cuModuleGetFunction, cuLaunchKernel, cuCtxSynchronize, cuGetErrorName, cuStreamCreate,
            cuStreamSynchronize, cuMemcpyDtoHAsync, cuStreamBeginCapture, cuStreamEndCapture, cuGraphInstantiate, cuGraphLaunch,
            cuGraphDestroy, cuGraphExecDestroy;
    /** cuLaunchKernelEx (CUDA 11.8+), null on older drivers: launches with attributes (programmatic dependent launch). */
    final MethodHandle cuLaunchKernelEx;

    private CudaDriver(NativeLibrary lib) {
        FunctionDescriptor i_i = FunctionDescriptor.of(JAVA_INT, JAVA_INT);
        FunctionDescriptor i_a = FunctionDescriptor.of(JAVA_INT, ADDRESS);
        cuInit = lib.fn("cuInit", i_i);
        cuDeviceGetCount = lib.fn("cuDeviceGetCount", i_a);
        cuDeviceGet = lib.fn("cuDeviceGet", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        cuDeviceGetAttribute = lib.fn("cuDeviceGetAttribute", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        cuDeviceGetName = lib.fn("cuDeviceGetName", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        // cuDevicePrimaryCtxRetain + cuCtxSetCurrent: cuCtxCreate's signature changed in CUDA 13
        cuDevicePrimaryCtxRetain = lib.fn("cuDevicePrimaryCtxRetain", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        cuCtxSetCurrent = lib.fn("cuCtxSetCurrent", i_a);
        cuCtxSynchronize = lib.fn("cuCtxSynchronize", FunctionDescriptor.of(JAVA_INT));
        cuMemGetInfo = lib.fn("cuMemGetInfo_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        cuMemAlloc = lib.fn("cuMemAlloc_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
        cuMemFree = lib.fn("cuMemFree_v2", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
        cuMemAllocHost = lib.fn("cuMemAllocHost_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
        cuMemFreeHost = lib.fn("cuMemFreeHost", i_a);
        cuMemcpyHtoD = lib.fn("cuMemcpyHtoD_v2", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, JAVA_LONG));
        cuMemcpyHtoDAsync = lib.fn("cuMemcpyHtoDAsync_v2", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS));
        cuMemcpyDtoDAsync = lib.fn("cuMemcpyDtoDAsync_v2", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS));
        cuMemsetD32Async = lib.fn("cuMemsetD32Async", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG, ADDRESS));
        cuModuleLoadData = lib.fn("cuModuleLoadData", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        cuModuleGetFunction = lib.fn("cuModuleGetFunction", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        cuLaunchKernel = lib.fn("cuLaunchKernel", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT,
                JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        cuLaunchKernelEx = lib.has("cuLaunchKernelEx")
                ? lib.fn("cuLaunchKernelEx", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS)) : null;
        cuGetErrorName = lib.fn("cuGetErrorName", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
        cuStreamCreate = lib.fn("cuStreamCreate", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        cuStreamSynchronize = lib.fn("cuStreamSynchronize", i_a);
        cuMemcpyDtoHAsync = lib.fn("cuMemcpyDtoHAsync_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS));
        cuStreamBeginCapture = lib.fn("cuStreamBeginCapture_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        cuStreamEndCapture = lib.fn("cuStreamEndCapture", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        cuGraphInstantiate = lib.fn("cuGraphInstantiateWithFlags", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
        cuGraphLaunch = lib.fn("cuGraphLaunch", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        cuGraphDestroy = lib.fn("cuGraphDestroy", i_a);
        cuGraphExecDestroy = lib.fn("cuGraphExecDestroy", i_a);
    }

    /** The initialised driver, or a {@link CudaException} saying why there is none. */
    static CudaDriver get() {
        CudaDriver d = instance;
        if (d != null) return d;
        synchronized (CudaDriver.class) {
            if (instance != null) return instance;
            if (unavailable != null) throw new CudaException(unavailable);
            NativeLibrary lib = NativeLibrary.open("libcuda.so.1", "libcuda.so");
            if (lib == null) {
                unavailable = "no NVIDIA driver: libcuda.so.1 is not on this machine's library path";
                throw new CudaException(unavailable);
            }
            try {
                d = new CudaDriver(lib);
                d.check(call(d.cuInit, 0), "cuInit");
            } catch (CudaException e) {
                unavailable = "the NVIDIA driver did not initialise: " + e.getMessage();
                throw new CudaException(unavailable);
            }
            instance = d;
            return d;
        }
    }

    /** Devices the driver sees (0 when there is no driver or it fails). */
    static int deviceCount() {
        try {
            CudaDriver d = get();
            try (Arena a = Arena.ofConfined()) {
                MemorySegment n = a.allocate(JAVA_INT);
                d.check(call(d.cuDeviceGetCount, n), "cuDeviceGetCount");
                return n.get(JAVA_INT, 0);
            }
        } catch (CudaException e) {
            return 0;
        }
    }

    static int call(MethodHandle h, Object... args) {
        try {
            return (int) h.invokeWithArguments(args);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new CudaException("native call failed", t);
        }
    }

    void check(int rc, String what) {
        if (rc == 0) return;
        String name = "CUDA error " + rc;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(ADDRESS);
            if ((int) cuGetErrorName.invokeExact(rc, p) == 0)
                name = p.get(ADDRESS, 0).reinterpret(256).getString(0) + " (" + rc + ")";
        } catch (Throwable ignored) {
            // keep the number
        }
        throw new CudaException(what + " failed: " + name);
    }
}
