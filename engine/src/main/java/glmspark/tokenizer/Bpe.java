package glmspark.tokenizer;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The BPE model: a word (one pre-token, already byte-level mapped) is split into its characters, then pairs are
 * merged by rank, lowest first and leftmost among equal ranks, exactly as HF's {@code Word::merge_all} (a heap of
 * candidate merges, stale entries skipped when popped). Results are cached per word.
 */
final class Bpe {
    private static final int CACHE_MAX_ENTRIES = 200_000;
    private static final int CACHE_MAX_WORD_LENGTH = 256; // HF's MAX_LENGTH

    private final Map<String, Integer> vocab;
    private final LongLongMap merges; // (leftId << 32 | rightId) -> rank
    private final int[] mergeNewId; // rank -> id of the merged token
    private final boolean ignoreMerges;
    private final int unkId; // -1: characters not in the vocabulary are dropped, as HF does without unk_token
    private final boolean fuseUnk;
    private final int[] smallCharIds; // id of the single-character token for chars < its length, or -1
    private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();

    Bpe(Map<String, Integer> vocab, int[][] mergePairs, boolean ignoreMerges, int unkId, boolean fuseUnk) {
        this.vocab = vocab;
        this.ignoreMerges = ignoreMerges;
        this.unkId = unkId;
        this.fuseUnk = fuseUnk;
        this.merges = new LongLongMap(mergePairs.length * 2 + 16);
        this.mergeNewId = new int[mergePairs.length];
        for (int rank = 0; rank < mergePairs.length; rank++) {
            int[] m = mergePairs[rank]; // {left, right, merged}
            merges.put(pairKey(m[0], m[1]), rank); // a duplicate pair keeps its last rank, as HF's map collect does
            mergeNewId[rank] = m[2];
        }
        smallCharIds = new int[0x200];
        Arrays.fill(smallCharIds, -1);
        for (char c = 0; c < smallCharIds.length; c++) {
            Integer id = vocab.get(String.valueOf(c));
            if (id != null) smallCharIds[c] = id;
        }
    }

    private static long pairKey(int a, int b) {
        return ((long) a << 32) | (b & 0xFFFFFFFFL);
    }

    /** Appends the ids of {@code word} to {@code out}. */
    void tokenize(String word, IntList out) {
        tokenize(word, false, out);
    }

    /**
     * Appends the ids of {@code word}; with {@code byteLevel}, {@code word} is raw text that is first mapped to its
     * byte-level string (the cache then keys on the raw text, so a hit skips the mapping).
     */
    void tokenize(String word, boolean byteLevel, IntList out) {
        if (word.isEmpty()) return;
        int[] hit = cache.get(word);
        if (hit == null) {
            String symbols = byteLevel ? ByteLevel.encode(word) : word;
            Integer whole = ignoreMerges ? vocab.get(symbols) : null;
            hit = whole != null ? new int[] {whole} : merge(symbols);
            if (word.length() < CACHE_MAX_WORD_LENGTH) {
                if (cache.size() >= CACHE_MAX_ENTRIES) cache.clear();
                cache.put(word, hit);
            }
        }
        out.addAll(hit);
    }

    private int charId(String word, int i, int cp) {
        if (cp < smallCharIds.length) return smallCharIds[cp];
        Integer id = vocab.get(word.substring(i, i + Character.charCount(cp)));
        return id == null ? -1 : id;
    }

    private int[] merge(String word) {
        int n = word.length();
        int[] ids = new int[n];
        int count = 0;
        boolean pendingUnk = false;
        for (int i = 0; i < n; ) {
            int cp = word.codePointAt(i);
            int id = charId(word, i, cp);
            i += Character.charCount(cp);
            if (id >= 0) {
                if (pendingUnk) {
                    ids[count++] = unkId;
                    pendingUnk = false;
                }
                ids[count++] = id;
            } else if (unkId >= 0) {
                if (pendingUnk && !fuseUnk) ids[count++] = unkId;
                pendingUnk = true;
            }
        }
        if (pendingUnk) ids[count++] = unkId;

        // Doubly linked symbols; removed symbols get alive=false.
        int[] prev = new int[count];
        int[] next = new int[count];
        boolean[] removed = new boolean[count];
        for (int i = 0; i < count; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < count ? i + 1 : -1;
        }
        LongHeap heap = new LongHeap(Math.max(count, 4));
        for (int i = 0; i + 1 < count; i++) {
            long rank = merges.get(pairKey(ids[i], ids[i + 1]));
            if (rank >= 0) heap.push((rank << 32) | i);
        }
        int live = count;
        while (!heap.isEmpty()) {
            long top = heap.pop();
            int rank = (int) (top >>> 32);
            int pos = (int) top;
            if (removed[pos] || next[pos] < 0) continue;
            int right = next[pos];
            int newId = mergeNewId[rank];
            long currentRank = merges.get(pairKey(ids[pos], ids[right]));
            if (currentRank < 0 || mergeNewId[(int) currentRank] != newId) continue; // stale entry
            ids[pos] = newId;
            removed[right] = true;
            live--;
            next[pos] = next[right];
            if (next[pos] >= 0) prev[next[pos]] = pos;
            if (prev[pos] >= 0) {
                long r = merges.get(pairKey(ids[prev[pos]], newId));
                if (r >= 0) heap.push((r << 32) | prev[pos]);
            }
            if (next[pos] >= 0) {
                long r = merges.get(pairKey(newId, ids[next[pos]]));
                if (r >= 0) heap.push((r << 32) | pos);
            }
        }
        int[] result = new int[live];
        int k = 0;
        for (int i = 0; i < count; i++) if (!removed[i]) result[k++] = ids[i];
        return result;
    }

    /** Open-addressing map from long keys to non-negative long values; get returns -1 when absent. */
    static final class LongLongMap {
        private final long[] keys;
        private final long[] values;
        private final boolean[] used;
        private final int mask;

        LongLongMap(int expected) {
            int cap = Integer.highestOneBit(Math.max(16, expected * 2) - 1) << 1;
            keys = new long[cap];
            values = new long[cap];
            used = new boolean[cap];
            mask = cap - 1;
        }

        private static int mix(long k) {
            k *= 0x9E3779B97F4A7C15L;
            return (int) (k ^ (k >>> 29));
        }

        void put(long key, long value) {
            int i = mix(key) & mask;
            while (used[i] && keys[i] != key) i = (i + 1) & mask;
            used[i] = true;
            keys[i] = key;
            values[i] = value;
        }

        long get(long key) {
            int i = mix(key) & mask;
            while (used[i]) {
                if (keys[i] == key) return values[i];
                i = (i + 1) & mask;
            }
            return -1;
        }
    }

    /** Binary min-heap of longs (rank in the high half, position in the low half: ties go to the leftmost). */
    static final class LongHeap {
        private long[] a;
        private int size;

        LongHeap(int capacity) {
            a = new long[capacity];
        }

        boolean isEmpty() {
            return size == 0;
        }

        void push(long v) {
            if (size == a.length) a = Arrays.copyOf(a, size * 2);
            int i = size++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (a[parent] <= v) break;
                a[i] = a[parent];
                i = parent;
            }
            a[i] = v;
        }

        long pop() {
            long top = a[0];
            long last = a[--size];
            int i = 0;
            while (true) {
                int child = 2 * i + 1;
                if (child >= size) break;
                if (child + 1 < size && a[child + 1] < a[child]) child++;
                if (a[child] >= last) break;
                a[i] = a[child];
                i = child;
            }
            a[i] = last;
            return top;
        }
    }
}
