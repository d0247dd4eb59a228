package glmspark.quant;

import glmspark.cpu.Lanes;
import glmspark.format.DType;
import glmspark.tensor.NativeMemory;
import glmspark.tensor.RepackedMatrix;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A block-quantised matrix repacked once at load for the AVX-512 kernels, with the scales factored out of the
 * inner loop. Q8_0 takes {@link PackedQ8_0} instead (16 rows per vector, 1.3-2x faster prefill and batched
 * decode); this form still supports it, and serves every other type.
 *
 * <p>Every ggml type is sub-blocks of weights {@code scale * q - min} with an integer q and one scale (and, for
 * Q4_K/Q5_K, one min) per sub-block of 32 (Q6_K: 16). Here a lane's sub-block is P weights: 32 for Q4_K, 16 for
 * the others (a 32-weight block is two lanes with the same scale; in one-thread decode measurements P = 16 ran
 * 1.3-1.5x faster than P = 32 for int8 quants, and slower for Q4_K, whose mins and scales then double). A column
 * group of G = 16 P columns holds 16 sub-blocks, one per vector lane: lane l takes sub-block l, position p of the
 * lane runs over its weights. So a row's product with x is, lane by lane, {@code scale * sum_p q[p] x[p] - min *
 * sum_p x[p]}: the inner loop is convert-and-fma per 16 weights (no multiply by the scale), the scale one fma
 * per column group. The activations are permuted the same way once per call ({@link #permute}).
 *
 * <p>Layout: rows in groups of 4; per row group and column group one record: the quants position by position,
 * each position the 4 rows' 16 lanes, then the 4 rows' 16 scales as float32 and (Q4_K, Q5_K) their 16 mins; a
 * 4-row decode product reads one forward stream. Q4_K keeps 4-bit quants (two positions a byte); the other
 * types hold int8 (Q8_0, Q4_0, Q5_0, Q5_K, Q6_K). Padding rows and columns are zero. Bytes per weight: Q4_K 0.75,
 * Q8_0/Q4_0/Q5_0/Q6_K 1.25, Q5_K 1.5 (in the file: 0.5625; 1.0625, 0.5625, 0.6875, 0.8203; 0.6875). Speed
 * over size: the in-register unpacking of 5- and 6-bit quants cost ~10 vector ops per 16 weights.
 *
 * <p>Arithmetic, the same for every T, token tile and row split: per row, token and column group, one vector
 * {@code s = fma(q[p], x[p], s)} over p from zero; then {@code t = fma(s, scale, t)} and
 * {@code m = fma(min, xsum, m)} over the column groups in order; the output is the lane sum of {@code t - m}.
 * It differs from a dot product over the dequantised weights by rounding only (QuantMatrixTest bounds it).
 */
final class PackedBlocks implements RepackedMatrix {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
    private static final int L = 16;
    /** Columns unpacked per chunk for the token tiles: 4 rows x 1024 floats = 16 KiB (L1). */
    private static final int K_CHUNK = 1024;
    private static final int ACTIVATION_BLOCK_BYTES = QuantMatrix.ACTIVATION_BLOCK_BYTES;

    private static final ThreadLocal<float[]> XP = ThreadLocal.withInitial(() -> new float[0]);
    private static final ThreadLocal<float[]> XS = ThreadLocal.withInitial(() -> new float[0]);
    private static final ThreadLocal<float[]> W = ThreadLocal.withInitial(() -> new float[4 * K_CHUNK + L]);
    private static final ThreadLocal<float[]> WS = ThreadLocal.withInitial(() -> new float[0]);
    private static final ThreadLocal<float[]> ACC = ThreadLocal.withInitial(() -> new float[0]);
    private static final ThreadLocal<float[]> OUT = ThreadLocal.withInitial(() -> new float[4]);
    private static final ThreadLocal<float[]> SUMS = ThreadLocal.withInitial(() -> new float[4 * L]);

    private final MemorySegment mem;
    private final int rows, cols;
    /** Sub-block length, column group length (16 P), column groups per row. */
    private final int P, G, groups;
    private final boolean nibbles, mins;
    /** Bytes of a record's quants (its scales and mins follow), and of the whole record. */
    private final int quantBytes, record;

    /** The layout for {@code type}, its memory allocated (zeroed: padding stays 0) but not yet filled. */
    private PackedBlocks(DType type, int rows, int cols) {
        this.rows = rows;
        this.cols = cols;
        this.P = type == DType.Q4_K ? 32 : 16;
        this.G = L * P;
        this.groups = (cols + G - 1) / G;
        this.nibbles = type == DType.Q4_K;
        this.mins = type == DType.Q4_K || type == DType.Q5_K;
        this.quantBytes = (nibbles ? 2 : 4) * G;
        this.record = quantBytes + (mins ? 2 : 1) * 4 * L * Float.BYTES;
        this.mem = NativeMemory.allocateLarge((long) (rows + 3) / 4 * groups * record);
    }

    /** Repacks {@code rows} rows of {@code cols} weights of {@code type} (row groups in parallel). */
    static PackedBlocks pack(DType type, MemorySegment src, int rows, int cols) {
        PackedBlocks m = new PackedBlocks(type, rows, cols);
        long groupBytes = (long) m.groups * m.record;
        NativeMemory.parts(src, (rows + 3) / 4).forEach(j -> {
            byte[] out = new byte[(int) groupBytes];
            m.packRowGroup(type, src, j, out);
            MemorySegment.copy(out, 0, m.mem, ValueLayout.JAVA_BYTE, j * groupBytes, out.length);
        });
        return m;
    }

    private void packRowGroup(DType type, MemorySegment src, int j, byte[] out) {
        ByteBuffer o = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        long rowBytes = type.rowBytes(cols);
        int bs = type.blockSize;
        byte[] raw = new byte[type.blockBytes];
        int[] q = new int[bs];
        int natural = type == DType.Q6_K ? 16 : 32;
        float[] scale = new float[bs / natural], min = new float[bs / natural];
        for (int r = 0; r < 4 && 4 * j + r < rows; r++) {
            long row = (4L * j + r) * rowBytes;
            for (int c0 = 0; c0 < cols; c0 += bs) {
                MemorySegment.copy(src, ValueLayout.JAVA_BYTE, row + (long) c0 / bs * type.blockBytes, raw, 0, raw.length);
                Quants.subBlocks(type, raw, q, scale, min);
                for (int sb = 0; sb < bs / P; sb++) {
                    int c = c0 + sb * P, g = c / G, l = c % G / P;
                    int rec = g * record;
                    o.putFloat(rec + quantBytes + (r * L + l) * 4, scale[sb * P / natural]);
                    if (mins) o.putFloat(rec + quantBytes + (4 * L + r * L + l) * 4, min[sb * P / natural]);
                    for (int p = 0; p < P; p++) {
                        int v = q[sb * P + p];
                        if (nibbles) out[rec + (p / 2 * 4 + r) * L + l] |= (byte) (p % 2 == 0 ? v : v << 4);
                        else out[rec + (p * 4 + r) * L + l] = (byte) v;
                    }
                }
            }
        }
    }

    @Override
    public long bytes() {
        return mem.byteSize();
    }

    @Override
    public void matmul(float[] x, int T, float[] y, int yStride, int rowFrom, int rowTo) {
        int Kp = groups * G;
        int tb = T == 1 ? 1 : Math.max(4, ACTIVATION_BLOCK_BYTES / (Kp * Float.BYTES) / 4 * 4);
        float[] xp = XP.get(), xs = XS.get();
        if (xp.length < Math.min(T, tb) * Kp + L) XP.set(xp = new float[Math.min(T, tb) * Kp + L]);
        if (xs.length < Math.min(T, tb) * groups * L) XS.set(xs = new float[Math.min(T, tb) * groups * L]);
        float[] out = OUT.get(), w = W.get();
        // scratch indexed from a 64-byte line (see NativeMemory.alignedIndex)
        int xb = NativeMemory.alignedIndex(xp), wb = NativeMemory.alignedIndex(w);
        for (int t0 = 0; t0 < T; t0 += tb) {
            int n = Math.min(tb, T - t0);
            permute(x, t0, n, xp, xb, xs);
            for (int j = rowFrom / 4; 4 * j < rowTo; j++) {
                int r0 = Math.max(rowFrom - 4 * j, 0), r1 = Math.min(rowTo - 4 * j, 4);
                if (n == 1) {
                    dot4(j, xp, xb, xs, out);
                    for (int r = r0; r < r1; r++) y[t0 * yStride + 4 * j + r] = out[r];
                } else {
                    tiles(j, n, xp, xb, w, wb, xs, y, t0, yStride, r0, r1);
                }
            }
        }
    }

    /**
     * xp[xb + t * Kp + g * G + p * 16 + l] = x[t0 + t][g * G + l * P + p] (zero past the row), and for types with mins
     * xs[t][g * 16 + l] = the sum over p of those, in order of p.
     */
    private void permute(float[] x, int t0, int n, float[] xp, int xb, float[] xs) {
        int Kp = groups * G;
        for (int t = 0; t < n; t++) {
            int xo = (t0 + t) * cols, po = xb + t * Kp;
            for (int g = 0; g < groups; g++)
                for (int l = 0; l < L; l++) {
                    int c = g * G + l * P, o = po + g * G + l;
                    int end = Math.min(P, cols - c);
                    int p = 0;
                    for (; p < end; p++) xp[o + p * L] = x[xo + c + p];
                    for (; p < P; p++) xp[o + p * L] = 0;
                }
            if (mins)
                for (int g = 0; g < groups; g++) {
                    FloatVector s = FloatVector.zero(F);
                    for (int p = 0; p < G; p += L) s = s.add(FloatVector.fromArray(F, xp, po + g * G + p));
                    s.intoArray(xs, (t * groups + g) * L);
                }
        }
    }

    private static FloatVector int8(MemorySegment m, long o) {
        return (FloatVector) ByteVector.fromMemorySegment(B, m, o, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0);
    }

    private static IntVector nibblePairs(MemorySegment m, long o) {
        return (IntVector) ByteVector.fromMemorySegment(B, m, o, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
    }

    /** The record's scales (i = row) or mins (i = 4 + row). */
    private FloatVector scales(long rec, int i) {
        return FloatVector.fromMemorySegment(F, mem, rec + quantBytes + (long) i * L * Float.BYTES, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Decode: the 4 rows of row group j against one permuted activation row, in registers. The mins' chain and
     * the lane sums run apart ({@link #finish}): in one method C2 reached its inlining node limit and boxed
     * vectors.
     */
    private void dot4(int j, float[] xp, int xb, float[] xs, float[] out) {
        float[] s = SUMS.get();
        if (nibbles) dot4Nibbles(j, xp, xb, s);
        else dot4Int8(j, xp, xb, s);
        finish(j, xs, s, out);
    }

    /** s[r * 16 ...] = the totals of the 4 rows of row group j (int8 quants). */
    private void dot4Int8(int j, float[] xp, int xb, float[] s) {
        long rec = (long) j * groups * record;
        FloatVector t0 = FloatVector.zero(F), t1 = t0, t2 = t0, t3 = t0;
        for (int g = 0; g < groups; g++, rec += record) {
            FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
            long q = rec;
            // int induction variables, the segment offset base + an int: C2 then hoists the bounds checks
            for (int p = 0, o = 0, xo = xb + g * G; p < P; p++, o += 4 * L, xo += L) {
                FloatVector xv = FloatVector.fromArray(F, xp, xo);
                s0 = int8(mem, q + o).fma(xv, s0);
                s1 = int8(mem, q + o + L).fma(xv, s1);
                s2 = int8(mem, q + o + 2 * L).fma(xv, s2);
                s3 = int8(mem, q + o + 3 * L).fma(xv, s3);
            }
            t0 = s0.fma(scales(rec, 0), t0);
            t1 = s1.fma(scales(rec, 1), t1);
            t2 = s2.fma(scales(rec, 2), t2);
            t3 = s3.fma(scales(rec, 3), t3);
        }
        t0.intoArray(s, 0);
        t1.intoArray(s, L);
        t2.intoArray(s, 2 * L);
        t3.intoArray(s, 3 * L);
    }

    /**
     * As {@link #dot4Int8} for 4-bit quants (Q4_K): two positions per byte, the low nibble first. The shared
     * scale and store lines stay written out in both: vectors handed to a helper that C2 does not inline are boxed.
     */
    private void dot4Nibbles(int j, float[] xp, int xb, float[] s) {
        long rec = (long) j * groups * record;
        FloatVector t0 = FloatVector.zero(F), t1 = t0, t2 = t0, t3 = t0;
        for (int g = 0; g < groups; g++, rec += record) {
            FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
            long q = rec;
            for (int p = 0, o = 0, xo = xb + g * G; p < P; p += 2, o += 4 * L, xo += 2 * L) {
                FloatVector xa = FloatVector.fromArray(F, xp, xo), xc = FloatVector.fromArray(F, xp, xo + L);
                IntVector v0 = nibblePairs(mem, q + o), v1 = nibblePairs(mem, q + o + L);
                IntVector v2 = nibblePairs(mem, q + o + 2 * L), v3 = nibblePairs(mem, q + o + 3 * L);
                s0 = low(v0).fma(xa, s0);
                s1 = low(v1).fma(xa, s1);
                s2 = low(v2).fma(xa, s2);
                s3 = low(v3).fma(xa, s3);
                s0 = high(v0).fma(xc, s0);
                s1 = high(v1).fma(xc, s1);
                s2 = high(v2).fma(xc, s2);
                s3 = high(v3).fma(xc, s3);
            }
            t0 = s0.fma(scales(rec, 0), t0);
            t1 = s1.fma(scales(rec, 1), t1);
            t2 = s2.fma(scales(rec, 2), t2);
            t3 = s3.fma(scales(rec, 3), t3);
        }
        t0.intoArray(s, 0);
        t1.intoArray(s, L);
        t2.intoArray(s, 2 * L);
        t3.intoArray(s, 3 * L);
    }

    /** out[r] = lane sum of (totals t[r * 16 ...] - the mins' chain of row r), or of the totals without mins. */
    private void finish(int j, float[] xs, float[] t, float[] out) {
        for (int r = 0; r < 4; r++) {
            if (mins) {
                FloatVector m = FloatVector.zero(F);
                long rec = (long) j * groups * record;
                for (int g = 0; g < groups; g++, rec += record) m = scales(rec, 4 + r).fma(FloatVector.fromArray(F, xs, g * L), m);
                FloatVector.fromArray(F, t, r * L).sub(m).intoArray(t, r * L);
            }
            out[r] = Lanes.sum(t, r * L, L);
        }
    }

    private static FloatVector low(IntVector v) {
        return (FloatVector) v.and(15).convert(VectorOperators.I2F, 0);
    }

    private static FloatVector high(IntVector v) {
        return (FloatVector) v.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0);
    }

    /**
     * Several activation rows: per chunk of column groups the 4 rows' quants are unpacked to floats once (L1
     * scratch) and meet the token block 4 tokens at a time ({@link #tile4x4}), then one token at a time.
     */
    private void tiles(int j, int n, float[] xp, int xb, float[] w, int wb, float[] xs, float[] y, int t0, int yStride, int r0, int r1) {
        int Kp = groups * G, chunk = Math.max(1, K_CHUNK / G);
        float[] ws = WS.get(), acc = ACC.get();
        if (ws.length < chunk * 2 * 4 * L) WS.set(ws = new float[chunk * 2 * 4 * L]);
        if (acc.length < n * 2 * 4 * L) ACC.set(acc = new float[n * 2 * 4 * L]);
        Arrays.fill(acc, 0, n * 2 * 4 * L, 0f);
        for (int g0 = 0; g0 < groups; g0 += chunk) {
            int g1 = Math.min(groups, g0 + chunk);
            unpack4(j, g0, g1, w, wb, ws);
            int t = 0;
            for (; t + 4 <= n; t += 4) tile4x4(w, wb, ws, xp, xb + t * Kp, Kp, g0, g1, acc, t * 4 * L);
            for (; t < n; t++) tile4x1(w, wb, ws, xp, xb + t * Kp, g0, g1, acc, t * 4 * L);
            if (mins)
                for (t = 0; t < n; t++)
                    for (int r = 0; r < 4; r++) {
                        int a = (n + t) * 4 * L + r * L;
                        FloatVector m = FloatVector.fromArray(F, acc, a);
                        for (int g = g0; g < g1; g++)
                            m = FloatVector.fromArray(F, ws, (g - g0) * 8 * L + (4 + r) * L).fma(FloatVector.fromArray(F, xs, (t * groups + g) * L), m);
                        m.intoArray(acc, a);
                    }
        }
        for (int t = 0; t < n; t++)
            for (int r = r0; r < r1; r++) {
                FloatVector tv = FloatVector.fromArray(F, acc, t * 4 * L + r * L);
                FloatVector mv = FloatVector.fromArray(F, acc, (n + t) * 4 * L + r * L);
                tv.sub(mv).intoArray(acc, t * 4 * L + r * L);
                y[(t0 + t) * yStride + 4 * j + r] = Lanes.sum(acc, t * 4 * L + r * L, L);
            }
    }

    /** The quants of column groups [g0, g1) of row group j as floats into w[wb + r * K_CHUNK ...], scales and mins into ws. */
    private void unpack4(int j, int g0, int g1, float[] w, int wb, float[] ws) {
        long rec = ((long) j * groups + g0) * record;
        // the next chunk's records (this row group's, else the next one's first) come in during the tiles
        long next = ((long) j * groups + g1) * record;
        NativeMemory.touchLines(mem, next, next + (g1 - g0) * (long) record);
        for (int g = g0; g < g1; g++, rec += record) {
            int wo = wb + (g - g0) * G, so = (g - g0) * 8 * L;
            for (int i = 0; i < (mins ? 8 : 4); i++) scales(rec, i).intoArray(ws, so + i * L);
            long q = rec;
            if (nibbles) {
                for (int p = 0; p < P; p += 2, q += 4 * L)
                    for (int r = 0; r < 4; r++) {
                        IntVector v = nibblePairs(mem, q + r * L);
                        low(v).intoArray(w, r * K_CHUNK + wo + p * L);
                        high(v).intoArray(w, r * K_CHUNK + wo + (p + 1) * L);
                    }
            } else {
                for (int p = 0; p < P; p++, q += 4 * L)
                    for (int r = 0; r < 4; r++) int8(mem, q + r * L).intoArray(w, r * K_CHUNK + wo + p * L);
            }
        }
    }

    /** 4 rows x 4 tokens over column groups [g0, g1): totals (and their order) as {@link #dot4}. */
    private void tile4x4(float[] w, int wb, float[] ws, float[] xp, int xo, int Kp, int g0, int g1, float[] acc, int a) {
        for (int g = g0; g < g1; g++) {
            int wo = wb + (g - g0) * G, xg = xo + g * G;
            FloatVector z = FloatVector.zero(F);
            FloatVector s00 = z, s01 = z, s02 = z, s03 = z, s10 = z, s11 = z, s12 = z, s13 = z;
            FloatVector s20 = z, s21 = z, s22 = z, s23 = z, s30 = z, s31 = z, s32 = z, s33 = z;
            for (int p = 0; p < G; p += L) {
                FloatVector w0 = FloatVector.fromArray(F, w, wo + p);
                FloatVector w1 = FloatVector.fromArray(F, w, K_CHUNK + wo + p);
                FloatVector w2 = FloatVector.fromArray(F, w, 2 * K_CHUNK + wo + p);
                FloatVector w3 = FloatVector.fromArray(F, w, 3 * K_CHUNK + wo + p);
                FloatVector x0 = FloatVector.fromArray(F, xp, xg + p);
                FloatVector x1 = FloatVector.fromArray(F, xp, xg + Kp + p);
                FloatVector x2 = FloatVector.fromArray(F, xp, xg + 2 * Kp + p);
                FloatVector x3 = FloatVector.fromArray(F, xp, xg + 3 * Kp + p);
                s00 = w0.fma(x0, s00);
                s01 = w1.fma(x0, s01);
                s02 = w2.fma(x0, s02);
                s03 = w3.fma(x0, s03);
                s10 = w0.fma(x1, s10);
                s11 = w1.fma(x1, s11);
                s12 = w2.fma(x1, s12);
                s13 = w3.fma(x1, s13);
                s20 = w0.fma(x2, s20);
                s21 = w1.fma(x2, s21);
                s22 = w2.fma(x2, s22);
                s23 = w3.fma(x2, s23);
                s30 = w0.fma(x3, s30);
                s31 = w1.fma(x3, s31);
                s32 = w2.fma(x3, s32);
                s33 = w3.fma(x3, s33);
            }
            int so = (g - g0) * 8 * L;
            FloatVector c0 = FloatVector.fromArray(F, ws, so), c1 = FloatVector.fromArray(F, ws, so + L);
            FloatVector c2 = FloatVector.fromArray(F, ws, so + 2 * L), c3 = FloatVector.fromArray(F, ws, so + 3 * L);
            // written out: a helper taking vectors is not inlined here (too much stack) and boxes them
            s00.fma(c0, FloatVector.fromArray(F, acc, a)).intoArray(acc, a);
            s01.fma(c1, FloatVector.fromArray(F, acc, a + L)).intoArray(acc, a + L);
            s02.fma(c2, FloatVector.fromArray(F, acc, a + 2 * L)).intoArray(acc, a + 2 * L);
            s03.fma(c3, FloatVector.fromArray(F, acc, a + 3 * L)).intoArray(acc, a + 3 * L);
            s10.fma(c0, FloatVector.fromArray(F, acc, a + 4 * L)).intoArray(acc, a + 4 * L);
            s11.fma(c1, FloatVector.fromArray(F, acc, a + 5 * L)).intoArray(acc, a + 5 * L);
            s12.fma(c2, FloatVector.fromArray(F, acc, a + 6 * L)).intoArray(acc, a + 6 * L);
            s13.fma(c3, FloatVector.fromArray(F, acc, a + 7 * L)).intoArray(acc, a + 7 * L);
            s20.fma(c0, FloatVector.fromArray(F, acc, a + 8 * L)).intoArray(acc, a + 8 * L);
            s21.fma(c1, FloatVector.fromArray(F, acc, a + 9 * L)).intoArray(acc, a + 9 * L);
            s22.fma(c2, FloatVector.fromArray(F, acc, a + 10 * L)).intoArray(acc, a + 10 * L);
            s23.fma(c3, FloatVector.fromArray(F, acc, a + 11 * L)).intoArray(acc, a + 11 * L);
            s30.fma(c0, FloatVector.fromArray(F, acc, a + 12 * L)).intoArray(acc, a + 12 * L);
            s31.fma(c1, FloatVector.fromArray(F, acc, a + 13 * L)).intoArray(acc, a + 13 * L);
            s32.fma(c2, FloatVector.fromArray(F, acc, a + 14 * L)).intoArray(acc, a + 14 * L);
            s33.fma(c3, FloatVector.fromArray(F, acc, a + 15 * L)).intoArray(acc, a + 15 * L);
        }
    }

    /** 4 rows x 1 token over column groups [g0, g1). */
    private void tile4x1(float[] w, int wb, float[] ws, float[] xp, int xo, int g0, int g1, float[] acc, int a) {
        for (int g = g0; g < g1; g++) {
            int wo = wb + (g - g0) * G, xg = xo + g * G;
            FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
            for (int p = 0; p < G; p += L) {
                FloatVector xv = FloatVector.fromArray(F, xp, xg + p);
                s0 = FloatVector.fromArray(F, w, wo + p).fma(xv, s0);
                s1 = FloatVector.fromArray(F, w, K_CHUNK + wo + p).fma(xv, s1);
                s2 = FloatVector.fromArray(F, w, 2 * K_CHUNK + wo + p).fma(xv, s2);
                s3 = FloatVector.fromArray(F, w, 3 * K_CHUNK + wo + p).fma(xv, s3);
            }
            int so = (g - g0) * 8 * L;
            s0.fma(FloatVector.fromArray(F, ws, so), FloatVector.fromArray(F, acc, a)).intoArray(acc, a);
            s1.fma(FloatVector.fromArray(F, ws, so + L), FloatVector.fromArray(F, acc, a + L)).intoArray(acc, a + L);
            s2.fma(FloatVector.fromArray(F, ws, so + 2 * L), FloatVector.fromArray(F, acc, a + 2 * L)).intoArray(acc, a + 2 * L);
            s3.fma(FloatVector.fromArray(F, ws, so + 3 * L), FloatVector.fromArray(F, acc, a + 3 * L)).intoArray(acc, a + 3 * L);
        }
    }
}
