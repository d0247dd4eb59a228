package glmspark.model;

import java.util.Arrays;

/**
 * Keys and values of every layer, in fixed-size blocks of positions. A sequence owns a list of blocks;
 * blocks are allocated on demand up to a memory budget and returned to a free list when sequences end.
 * {@link #fork} lets the n samples of one prompt share the prompt's blocks: a shared block is copied before
 * it is written (copy on write), so samples diverge without recomputing the prefill.
 *
 * <p>The blocks live on the Java heap, or, for a device backend, in a {@link BlockStore} of its own: then this
 * class keeps only the bookkeeping (which blocks a sequence owns) and the backend reads block ids from it.
 */
public final class KvCache implements AutoCloseable {

    /** Device storage of the blocks: the cache asks it to copy a shared block before a sequence writes it. */
    public interface BlockStore {
        void copy(int fromBlock, int toBlock);

        void close();
    }

    private final int layers;
    private final int kvDim;
    private final int blockSize;
    private final int maxBlocks;
    /** [layer][block] -> blockSize * kvDim floats, allocated on first use. */
    private final float[][][] keys;
    private final float[][][] values;
    private final BlockStore store;
    private final int[] refCount;
    private final int[] freeList;
    private int freeCount;
    private int allocatedBlocks;

    /** Blocks of float32 keys and values on the heap, as many as {@code budgetBytes} holds. */
    public KvCache(int layers, int kvDim, int blockSize, long budgetBytes) {
        this(layers, kvDim, blockSize,
                (int) Math.max(1, Math.min(Integer.MAX_VALUE - 8, budgetBytes / bytesPerBlock(layers, kvDim, blockSize))), null);
    }

    /** {@code maxBlocks} blocks kept by {@code store} (null: on the heap). */
    public KvCache(int layers, int kvDim, int blockSize, int maxBlocks, BlockStore store) {
        this.layers = layers;
        this.kvDim = kvDim;
        this.blockSize = blockSize;
        this.maxBlocks = maxBlocks;
        this.store = store;
        this.refCount = new int[maxBlocks];
        this.freeList = new int[maxBlocks];
        if (store != null) {
            keys = values = null;
            return;
        }
        this.keys = new float[layers][][];
        this.values = new float[layers][][];
        int initial = Math.min(maxBlocks, 64);
        for (int l = 0; l < layers; l++) {
            keys[l] = new float[initial][];
            values[l] = new float[initial][];
        }
    }

    public static long bytesPerBlock(int layers, int kvDim, int blockSize) {
        return 2L * layers * blockSize * kvDim * Float.BYTES;
    }

    /** The device store of the blocks, null when they live on the heap. */
    public BlockStore store() {
        return store;
    }

    public int layers() {
        return layers;
    }

    public int blockSize() {
        return blockSize;
    }

    public int maxBlocks() {
        return maxBlocks;
    }

    public synchronized int freeBlocks() {
        return maxBlocks - allocatedBlocks + freeCount;
    }

    /** Bytes of key/value blocks allocated so far (blocks on the free list included: they stay allocated). */
    public synchronized long allocatedBytes() {
        return allocatedBlocks * bytesPerBlock(layers, kvDim, blockSize);
    }

    /** Blocks needed to hold {@code positions} positions. */
    public int blocksFor(int positions) {
        return (positions + blockSize - 1) / blockSize;
    }

    /** One sequence's view of the cache: its blocks and how many positions are filled. */
    public final class Sequence {
        private int[] blocks = new int[4];
        private int blockCount;
        private int length;

        public int length() {
            return length;
        }

        /** Marks positions [length, newLength) as written (after a forward step stored them). */
        public void advance(int newLength) {
            if (newLength > blockCount * blockSize) throw new IllegalStateException("advance past reserved blocks");
            length = newLength;
        }

        /** Sets the filled length back (to re-run a position whose logits are needed again). */
        public void truncate(int newLength) {
            if (newLength > length) throw new IllegalArgumentException("truncate beyond length");
            length = newLength;
        }

        int block(int pos) {
            return blocks[pos / blockSize];
        }

        /** The id of this sequence's {@code i}-th block (positions i*blockSize ...). */
        public int blockAt(int i) {
            return blocks[i];
        }

        public int blockCount() {
            return blockCount;
        }
    }

    public Sequence newSequence() {
        return new Sequence();
    }

    /**
     * Makes room for positions [s.length, newLength): allocates blocks and copies any shared block that will
     * be written. Returns false (changing nothing) when the budget does not allow it.
     */
    public synchronized boolean reserve(Sequence s, int newLength) {
        int needBlocks = blocksFor(newLength);
        int copyBlock = -1;
        if (s.length < s.blockCount * blockSize && s.length < newLength) {
            int b = s.blocks[s.length / blockSize];
            if (refCount[b] > 1) copyBlock = s.length / blockSize;
        }
        int fresh = Math.max(0, needBlocks - s.blockCount) + (copyBlock >= 0 ? 1 : 0);
        if (fresh > freeBlocks()) return false;
        if (copyBlock >= 0) {
            int old = s.blocks[copyBlock];
            int nb = allocate();
            if (store != null) store.copy(old, nb);
            else for (int l = 0; l < layers; l++) {
                System.arraycopy(keys[l][old], 0, keys[l][nb], 0, blockSize * kvDim);
                System.arraycopy(values[l][old], 0, values[l][nb], 0, blockSize * kvDim);
            }
            refCount[old]--;
            s.blocks[copyBlock] = nb;
        }
        while (s.blockCount < needBlocks) {
            if (s.blockCount == s.blocks.length) s.blocks = Arrays.copyOf(s.blocks, s.blocks.length * 2);
            s.blocks[s.blockCount++] = allocate();
        }
        return true;
    }

    /** A new sequence sharing all of {@code s}'s positions (and blocks). */
    public synchronized Sequence fork(Sequence s) {
        Sequence f = new Sequence();
        f.blocks = Arrays.copyOf(s.blocks, Math.max(4, s.blocks.length));
        f.blockCount = s.blockCount;
        f.length = s.length;
        for (int i = 0; i < s.blockCount; i++) refCount[s.blocks[i]]++;
        return f;
    }

    public synchronized void release(Sequence s) {
        for (int i = 0; i < s.blockCount; i++) {
            int b = s.blocks[i];
            if (--refCount[b] == 0) freeList[freeCount++] = b;
        }
        s.blockCount = 0;
        s.length = 0;
    }

    private int allocate() {
        int b;
        if (freeCount > 0) b = freeList[--freeCount];
        else {
            b = allocatedBlocks++;
            if (store == null) for (int l = 0; l < layers; l++) {
                if (b >= keys[l].length) {
                    int cap = Math.min(maxBlocks, Math.max(b + 1, keys[l].length * 2));
                    keys[l] = Arrays.copyOf(keys[l], cap);
                    values[l] = Arrays.copyOf(values[l], cap);
                }
                keys[l][b] = new float[blockSize * kvDim];
                values[l][b] = new float[blockSize * kvDim];
            }
        }
        refCount[b] = 1;
        return b;
    }

    @Override
    public void close() {
        if (store != null) store.close();
    }

    /** The key block array holding position {@code pos} of {@code s} in {@code layer}; offset is {@link #offset}. */
    float[] keyBlock(int layer, Sequence s, int pos) {
        return keys[layer][s.block(pos)];
    }

    float[] valueBlock(int layer, Sequence s, int pos) {
        return values[layer][s.block(pos)];
    }

    int offset(int pos) {
        return (pos % blockSize) * kvDim;
    }
}
