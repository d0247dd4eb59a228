package glmspark.format;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.channels.FileChannel;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/** Read-only memory mappings of model files, seen as plain native segments. */
public final class FileMapping {

    /** Start address -> end address of every live mapping made here. */
    private static final ConcurrentSkipListMap<Long, Long> LIVE = new ConcurrentSkipListMap<>();
    private static final long PAGE = 4096;
    private static final int MADV_DONTNEED = 4;
    private static final MethodHandle MADVISE = madvise();

    private FileMapping() {
    }

    /**
     * The first {@code size} bytes of the file, mapped read-only in {@code arena} (which must outlive every use).
     *
     * <p>Why not the mapped segment itself: the kernels read weights with Vector API loads, and the JDK code they
     * inline profiles the segment's class at shared call sites. A mapped segment next to arena-allocated ones (the
     * widened or quantised-at-load weights) makes that profile bimorphic, and the bf16 loads ran 1.7x slower in
     * one thread (measured on this project's bench model). The same memory as a native segment of the same arena
     * keeps one segment class everywhere and keeps the arena's liveness checks. Writes through it would fault: the
     * pages are mapped read-only.
     */
    static MemorySegment readOnly(FileChannel ch, long size, Arena arena) throws IOException {
        MemorySegment mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
        long start = mapped.address();
        LIVE.put(start, start + size);
        return MemorySegment.ofAddress(start).reinterpret(size, arena, s -> LIVE.remove(start));
    }

    /**
     * Drops this process's pages of {@code part} of a mapping made by {@link #readOnly} (madvise DONTNEED on the
     * whole pages inside it), for weights that were copied elsewhere at load: otherwise the file's pages read by
     * the copy stay counted in the resident memory beside the copy. A later read faults them back in from the
     * file. Does nothing for memory that is not such a mapping (it would be zeroed) or where madvise is missing.
     */
    public static void releasePages(MemorySegment part) {
        long from = part.address(), to = from + part.byteSize();
        Map.Entry<Long, Long> m = LIVE.floorEntry(from);
        if (MADVISE == null || m == null || to > m.getValue()) return;
        long a = (from + PAGE - 1) / PAGE * PAGE, b = to / PAGE * PAGE;
        if (a >= b) return;
        try {
            int rc = (int) MADVISE.invokeExact(MemorySegment.ofAddress(a), b - a, MADV_DONTNEED);
            if (rc != 0) System.getLogger(FileMapping.class.getName()).log(System.Logger.Level.DEBUG, "madvise failed: " + rc);
        } catch (Throwable e) {
            throw new IllegalStateException("madvise", e);
        }
    }

    private static MethodHandle madvise() {
        try {
            Linker linker = Linker.nativeLinker();
            return linker.defaultLookup().find("madvise").map(f -> linker.downcallHandle(f,
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT))).orElse(null);
        } catch (RuntimeException e) {
            return null;
        }
    }
}
