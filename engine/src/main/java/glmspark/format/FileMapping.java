package glmspark.format;

import glmspark.tensor.NativeMemory;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/** Read-only memory mappings of model files, seen as plain native segments. */
public final class FileMapping {

    /** Start address -> end address of every live mapping made here. */
    private static final ConcurrentSkipListMap<Long, Long> LIVE = new ConcurrentSkipListMap<>();
    private static final long PAGE = 4096;

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
        if (m == null || to > m.getValue()) return;
        long a = (from + PAGE - 1) / PAGE * PAGE, b = to / PAGE * PAGE;
        if (a < b) NativeMemory.madvise(a, b - a, NativeMemory.MADV_DONTNEED);
    }
}
