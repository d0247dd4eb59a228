package glmspark.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.stream.IntStream;

/** Large native buffers for weights copied at load, and page advice (Linux; plain arena memory elsewhere). */
public final class NativeMemory {

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle MMAP = find("mmap", FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
    private static final MethodHandle MUNMAP = find("munmap", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle MADVISE = find("madvise", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
    /** memmove(p, p, 0) returns p: with heap access allowed, a heap array's current address. */
    private static final MethodHandle MEMMOVE = find("memmove", FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS,
            ValueLayout.ADDRESS, ValueLayout.JAVA_LONG), Linker.Option.critical(true));
    private static final int PROT_READ_WRITE = 3, MAP_PRIVATE_ANONYMOUS = 0x22;
    public static final int MADV_DONTNEED = 4;
    private static final int MADV_HUGEPAGE = 14;

    private static final Thread OTHER_THREAD = new Thread(() -> { });

    private NativeMemory() {
    }

    /**
     * 0 until n, in parallel when other threads may read {@code source}: a segment of a confined arena (tests)
     * may only be read by its owner, and a parallel repack of one threw WrongThreadException.
     */
    public static IntStream parts(MemorySegment source, int n) {
        IntStream parts = IntStream.range(0, n);
        return source.isAccessibleBy(OTHER_THREAD) ? parts.parallel() : parts;
    }

    /**
     * {@code bytes} of zeroed, page-aligned memory, unmapped once the returned segment is unreachable. Backed by
     * transparent huge pages where the kernel allows it: Arena.allocate zeroed a fresh buffer page by page in one
     * thread (5 s of a 6.3 s repack of 1.6 GB of Q8_0 weights here); anonymous pages come zeroed from the kernel,
     * are touched first by the threads that fill them, and 2 MiB pages need 512x fewer faults.
     */
    public static MemorySegment allocateLarge(long bytes) {
        if (MMAP == null || MUNMAP == null || bytes < (1 << 21)) return Arena.ofAuto().allocate(bytes, 64);
        MemorySegment p;
        try {
            p = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, bytes, PROT_READ_WRITE, MAP_PRIVATE_ANONYMOUS, -1, 0L);
        } catch (Throwable e) {
            throw new IllegalStateException("mmap", e);
        }
        if (p.address() == -1L) throw new OutOfMemoryError("mmap of " + bytes + " bytes failed");
        madvise(p.address(), bytes, MADV_HUGEPAGE);
        long address = p.address();
        return MemorySegment.ofAddress(address).reinterpret(bytes, Arena.ofAuto(), s -> {
            try {
                int rc = (int) MUNMAP.invokeExact(MemorySegment.ofAddress(address), bytes);
            } catch (Throwable ignored) {
                // the process keeps the mapping; nothing else to do in a cleaner
            }
        });
    }

    /** madvise on [address, address + bytes); false where it failed or is missing. */
    public static boolean madvise(long address, long bytes, int advice) {
        if (MADVISE == null) return false;
        try {
            return (int) MADVISE.invokeExact(MemorySegment.ofAddress(address), bytes, advice) == 0;
        } catch (Throwable e) {
            return false;
        }
    }

    /** Floats in a 64-byte line: the most {@link #alignedIndex} returns is one less, so scratch arrays carry this many extra. */
    public static final int LINE_FLOATS = 64 / Float.BYTES;

    /**
     * The first index (0-15) of {@code a} whose element starts a 64-byte line, now (0 where unknown). A heap
     * float[]'s data starts 16 bytes past an 8-byte boundary, so 512-bit loads from index 0 straddle two cache
     * lines; kernels that index their scratch from here load whole lines (12 % on the quantised prefill tile).
     * The collector may move the array later: then loads are split again, results are the same.
     */
    public static int alignedIndex(float[] a) {
        if (MEMMOVE == null) return 0;
        try {
            MemorySegment s = MemorySegment.ofArray(a);
            long address = ((MemorySegment) MEMMOVE.invokeExact(s, s, 0L)).address();
            return (int) ((64 - address % 64) % 64 / Float.BYTES);
        } catch (Throwable e) {
            return 0;
        }
    }

    private static MethodHandle find(String name, FunctionDescriptor d, Linker.Option... options) {
        try {
            return LINKER.defaultLookup().find(name).map(f -> LINKER.downcallHandle(f, d, options)).orElse(null);
        } catch (RuntimeException e) {
            return null;
        }
    }
}
