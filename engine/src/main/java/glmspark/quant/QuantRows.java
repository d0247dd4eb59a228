package glmspark.quant;

import glmspark.cpu.Lanes;
import glmspark.format.DType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Dequantisation of whole blocks straight from a mapped segment into a float array: Q4_K, Q6_K and Q5_0 with code
 * for 16-lane vectors (AVX-512), Q8_0, Q4_0 and the others of these on any lane count (the {@code ...L} methods:
 * AVX2's 8, NEON's 4; without AVX-512 nothing is repacked and every matmul dequantises here), Q5_K through
 * {@link Quants}' scalar code. Values are the
 * scalar code's bit for bit: the same float products in the same order (e.g. Q4_K's {@code d1 * q - m1} is a
 * multiply then a subtract, never an fma).
 */
final class QuantRows {

    private static final VectorSpecies<Float> F = QuantMatrix.F;
    static final boolean V16 = F.length() == 16;
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    private static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ThreadLocal<byte[]> RAW = ThreadLocal.withInitial(() -> new byte[0]);

    private QuantRows() {
    }

    /** {@code n} elements (whole blocks) of the blocks at byte {@code src} into {@code w[wo ...]}. */
    static void dequantize(DType type, MemorySegment seg, long src, int n, float[] w, int wo) {
        // Q4_K, Q6_K and Q5_0 have 16-lane code for AVX-512; the ...L methods take any lane count
        switch (type) {
            case Q8_0 -> {
                for (int i = 0; i < n / 32; i++) q8_0L(seg, src + 34L * i, w, wo + 32 * i);
                return;
            }
            case Q4_0 -> {
                for (int i = 0; i < n / 32; i++) q4_0L(seg, src + 18L * i, w, wo + 32 * i);
                return;
            }
            case Q5_0 -> {
                for (int i = 0; i < n / 32; i++)
                    if (V16) q5_0(seg, src + 22L * i, w, wo + 32 * i);
                    else q5_0L(seg, src + 22L * i, w, wo + 32 * i);
                return;
            }
            case Q4_K -> {
                for (int i = 0; i < n / 256; i++)
                    if (V16) q4_K(seg, src + 144L * i, w, wo + 256 * i);
                    else q4_KL(seg, src + 144L * i, w, wo + 256 * i);
                return;
            }
            case Q6_K -> {
                for (int i = 0; i < n / 256; i++)
                    if (V16) q6_K(seg, src + 210L * i, w, wo + 256 * i);
                    else q6_KL(seg, src + 210L * i, w, wo + 256 * i);
                return;
            }
            default -> {
            }
        }
        int bytes = n / type.blockSize * type.blockBytes;
        byte[] raw = RAW.get();
        if (raw.length < bytes) RAW.set(raw = new byte[bytes]);
        MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, src, raw, 0, bytes);
        Quants.dequantize(type, raw, 0, w, wo, n);
    }

    static float f16(MemorySegment seg, long o) {
        return Float.float16ToFloat(seg.get(F16, o));
    }

    private static ByteVector bytes(MemorySegment seg, long o) {
        return ByteVector.fromMemorySegment(B, seg, o, ByteOrder.LITTLE_ENDIAN);
    }

    /** 16 bytes as unsigned int lanes: bit work happens in int lanes (AVX-512 has no byte shifts). */
    private static IntVector u8s(MemorySegment seg, long o) {
        return ((IntVector) bytes(seg, o).convertShape(VectorOperators.B2I, I, 0)).and(0xFF);
    }

    private static FloatVector floats(IntVector q) {
        return (FloatVector) q.convertShape(VectorOperators.I2F, F, 0);
    }

    static void q4_K(MemorySegment seg, long o, float[] y, int yo) {
        float d = f16(seg, o), dmin = f16(seg, o + 2);
        // int loop counters only: C2 leaves loops with long induction variables unoptimised
        long s = o + 4;
        for (int is = 0; is < 8; is += 2) {
            long q = o + 16 + 16 * is;
            int yb = yo + 32 * is;
            float d1 = d * scale(seg, s, is), m1 = dmin * min(seg, s, is);
            float d2 = d * scale(seg, s, is + 1), m2 = dmin * min(seg, s, is + 1);
            for (int h = 0; h < 32; h += 16) {
                IntVector v = u8s(seg, q + h);
                floats(v.and(0xF)).fma(d1, -m1).intoArray(y, yb + h);
                floats(v.lanewise(VectorOperators.LSHR, 4)).fma(d2, -m2).intoArray(y, yb + 32 + h);
            }
        }
    }

    private static int u8(MemorySegment seg, long o) {
        return seg.get(ValueLayout.JAVA_BYTE, o) & 0xFF;
    }

    /** Quants.scale / Quants.min read from the segment: 6-bit scale and min of sub-block j. */
    private static int scale(MemorySegment seg, long q, int j) {
        return j < 4 ? u8(seg, q + j) & 63 : (u8(seg, q + j + 4) & 0xF) | ((u8(seg, q + j - 4) >> 6) << 4);
    }

    private static int min(MemorySegment seg, long q, int j) {
        return j < 4 ? u8(seg, q + j + 4) & 63 : (u8(seg, q + j + 4) >> 4) | ((u8(seg, q + j) >> 6) << 4);
    }

    private static final VectorSpecies<Byte> B64 = ByteVector.SPECIES_512;
    private static final VectorSpecies<Short> S32 = ShortVector.SPECIES_512;
    /** Lane i of 64 takes byte i mod 32: one half-block's 32 qh bytes twice. */
    private static final VectorShuffle<Byte> TWICE = VectorShuffle.fromOp(B64, i -> i & 31);
    /** 16-bit shift counts: bytes 0-31 by the first, bytes 32-63 by the second. */
    private static final ShortVector SHL_4_2 = ShortVector.fromArray(S32, counts(4, 2), 0);
    private static final ShortVector SHR_0_2 = ShortVector.fromArray(S32, counts(0, 2), 0);

    private static short[] counts(int first, int second) {
        short[] c = new short[32];
        for (int i = 0; i < 32; i++) c[i] = (short) (i < 16 ? first : second);
        return c;
    }

    /**
     * Q6_K on 64-byte vectors. Per half block (128 weights): the 64 ql bytes give the low nibbles of weights 0-63
     * (AND 0xF) and of 64-127 (16-bit shift right by 4, then AND: the bits shifted in from the next byte are
     * masked off); the 32 qh bytes, duplicated, give the two high bits of each: (h << 4, h << 2) & 0x30 for
     * weights 0-63 and (h, h >> 2) & 0x30 for 64-127. The 16 weights of vector p share scale 8 * half + p.
     */
    static void q6_K(MemorySegment seg, long o, float[] y, int yo) {
        float d = f16(seg, o + 208);
        for (int half = 0; half < 2; half++) {
            long ql = o + 64 * half, qh = o + 128 + 32 * half, sc = o + 192 + 8 * half;
            int yb = yo + 128 * half;
            ByteVector l = ByteVector.fromMemorySegment(B64, seg, ql, ByteOrder.LITTLE_ENDIAN);
            ByteVector h = qh + 64 <= seg.byteSize()
                    ? ByteVector.fromMemorySegment(B64, seg, qh, ByteOrder.LITTLE_ENDIAN).rearrange(TWICE)
                    : ByteVector.fromArray(B64, tail32(seg, qh), 0).rearrange(TWICE);
            ShortVector hs = h.reinterpretAsShorts();
            ByteVector lo = l.and((byte) 0xF)
                    .or(hs.lanewise(VectorOperators.LSHL, SHL_4_2).reinterpretAsBytes().and((byte) 0x30)).sub((byte) 32);
            ByteVector hi = l.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0xF)
                    .or(hs.lanewise(VectorOperators.LSHR, SHR_0_2).reinterpretAsBytes().and((byte) 0x30)).sub((byte) 32);
            for (int p = 0; p < 4; p++) {
                ((FloatVector) lo.convertShape(VectorOperators.B2F, F, p)).mul(d * seg.get(ValueLayout.JAVA_BYTE, sc + p)).intoArray(y, yb + 16 * p);
                ((FloatVector) hi.convertShape(VectorOperators.B2F, F, p)).mul(d * seg.get(ValueLayout.JAVA_BYTE, sc + 4 + p)).intoArray(y, yb + 64 + 16 * p);
            }
        }
    }

    /** The 32 bytes at {@code o} in a 64-byte array (a 64-byte load there would run past the segment's end). */
    private static byte[] tail32(MemorySegment seg, long o) {
        byte[] b = new byte[64];
        MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, o, b, 0, 32);
        return b;
    }

    private static final IntVector IOTA = IntVector.fromArray(I, new int[]{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, 0);

    static void q5_0(MemorySegment seg, long o, float[] y, int yo) {
        float d = f16(seg, o);
        int qh = seg.get(U32, o + 2);
        IntVector q = (IntVector) bytes(seg, o + 6).convertShape(VectorOperators.B2I, I, 0);
        IntVector h = IntVector.broadcast(I, qh);
        IntVector h0 = h.lanewise(VectorOperators.LSHR, IOTA).and(1).lanewise(VectorOperators.LSHL, 4);
        IntVector h1 = h.lanewise(VectorOperators.LSHR, IOTA.add(16)).and(1).lanewise(VectorOperators.LSHL, 4);
        IntVector lo = q.and(0xF).or(h0).sub(16), hi = q.lanewise(VectorOperators.LSHR, 4).and(0xF).or(h1).sub(16);
        ((FloatVector) lo.convertShape(VectorOperators.I2F, F, 0)).mul(d).intoArray(y, yo);
        ((FloatVector) hi.convertShape(VectorOperators.I2F, F, 0)).mul(d).intoArray(y, yo + 16);
    }

    // Any lane count L = F.length(): bytes load max(8, L) at a time (there is no 4-byte vector) and widen one
    // L-lane part at a time into int or float lanes of F's shape.
    static final VectorSpecies<Integer> IL = Lanes.I;
    static final VectorSpecies<Byte> BL = VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, 8 * F.length())));
    private static final int L = F.length();
    static final IntVector IOTA_L = IntVector.fromArray(IL, new int[]{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, 0);

    /** Bytes [k, k + L) of the run at {@code o} (k a multiple of L, the run a multiple of 8 bytes), still bytes. */
    private static ByteVector bytesL(MemorySegment seg, long o, int k) {
        return ByteVector.fromMemorySegment(BL, seg, o + k - k % BL.length(), ByteOrder.LITTLE_ENDIAN);
    }

    private static int partL(int k) {
        return k % BL.length() / L;
    }

    /** Bytes [k, k + L) of the run at {@code o} as unsigned int lanes. */
    private static IntVector u8L(MemorySegment seg, long o, int k) {
        return ((IntVector) bytesL(seg, o, k).convertShape(VectorOperators.B2I, IL, partL(k))).and(0xFF);
    }

    private static FloatVector floatsL(IntVector q) {
        return (FloatVector) q.convertShape(VectorOperators.I2F, F, 0);
    }

    // One L-lane weight vector, k a multiple of L inside the block, Quants' scalar value bit for bit: the
    // dequantisation below uses them, QuantDot's Q8_0 and Q4_0 kernels too (its Q4_K and Q6_K ones write the
    // same arithmetic inline, within C2's inlining budget).

    /** Quants.q8_0: q * d, weights [k, k + L) of the block at o. */
    static FloatVector q8_0W(MemorySegment seg, long o, int k, float d) {
        return ((FloatVector) bytesL(seg, o + 2, k).convertShape(VectorOperators.B2F, F, partL(k))).mul(d);
    }

    /** Quants.q4_0: (nibble - 8) * d; weights [k, k + L) of the low (k < 16) or high nibbles. */
    static FloatVector q4_0W(MemorySegment seg, long o, int k, float d) {
        IntVector q = u8L(seg, o + 2, k & 15);
        return floatsL((k < 16 ? q.and(0xF) : q.lanewise(VectorOperators.LSHR, 4)).sub(8)).mul(d);
    }

    /** Quants.q5_0: ((nibble | fifth bit << 4) - 16) * d, h the block's 32 fifth bits in every lane. */
    static FloatVector q5_0W(MemorySegment seg, long o, int k, IntVector h, float d) {
        IntVector q = u8L(seg, o + 6, k & 15);
        IntVector b = h.lanewise(VectorOperators.LSHR, IOTA_L.add(k)).and(1).lanewise(VectorOperators.LSHL, 4);
        return floatsL((k < 16 ? q.and(0xF) : q.lanewise(VectorOperators.LSHR, 4)).or(b).sub(16)).mul(d);
    }

    static IntVector q5_0High(MemorySegment seg, long o) {
        return IntVector.broadcast(IL, seg.get(U32, o + 2));
    }

    /**
     * Quants.q4_K: d1 * nibble - m1, the 32 bytes at q, low or high nibbles. One fma: d1 (an fp16 times a 6-bit
     * scale, at most 17 significant bits) times a nibble is exact in a float, so the reference's multiply rounds
     * nothing and its subtract rounds once, as the fma does: the same value, one instruction fewer (Q4_K decode on
     * one core of the AVX2 EPYC 1.05-1.07x, session 17).
     */
    static FloatVector q4_KW(MemorySegment seg, long q, int k, boolean high, float d1, float m1) {
        IntVector v = u8L(seg, q, k);
        return floatsL(high ? v.lanewise(VectorOperators.LSHR, 4) : v.and(0xF)).fma(d1, -m1);
    }

    /** Quants.q4_K's d1 of sub-block is (d = the block's d). */
    static float q4_KScale(MemorySegment seg, long o, int is) {
        return f16(seg, o) * scale(seg, o + 4, is);
    }

    static float q4_KMin(MemorySegment seg, long o, int is) {
        return f16(seg, o + 2) * min(seg, o + 4, is);
    }

    /** Lanes 0-3 of 8. */
    private static final VectorMask<Integer> LOW4 = VectorMask.fromLong(IL, 0xF);

    /** 1 in even lanes, 1/16 in odd ones (16 entries: F may have 16 lanes). */
    private static final FloatVector ODD_SIXTEENTH = FloatVector.fromArray(F, new float[]{1, 0.0625f, 1, 0.0625f, 1, 0.0625f, 1, 0.0625f,
            1, 0.0625f, 1, 0.0625f, 1, 0.0625f, 1, 0.0625f}, 0);

    /**
     * On 8 lanes, for QuantDot.q4_KTri: the Q4_K block at o's 8 scales d * sc into y[yo ...], divided by 16 for the
     * odd sub-blocks (whose high nibbles q4_KTri keeps in place, 16 times their value), and its 8 mins negated,
     * -(dmin * m), into y[yo + 8 ...]: {@link #q4_KScale} and {@link #q4_KMin}'s values scaled by powers of two, so
     * exactly, from three 8-byte loads instead of byte by byte (and no per-sub-block multiply left to q4_KTri).
     * With s = the 12 scale bytes at o + 4: sc = s[j] & 63 and m = s[j + 4] & 63 for j < 4, else sc = (s[j + 4] & 15)
     * | (s[j - 4] >> 6) << 4 and m = s[j + 4] >> 4 | (s[j] >> 6) << 4.
     */
    static void q4_KScales8(MemorySegment seg, long o, float[] y, int yo) {
        // lane j: s[j], s[j + 4], s[j - 4]; written out: a helper returning a vector, when C2's budget leaves it
        // out of line, boxes it (70 MB a token)
        IntVector a = ((IntVector) ByteVector.fromMemorySegment(BL, seg, o + 4, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2I, IL, 0)).and(0xFF);
        IntVector b = ((IntVector) ByteVector.fromMemorySegment(BL, seg, o + 8, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2I, IL, 0)).and(0xFF);
        IntVector c = ((IntVector) ByteVector.fromMemorySegment(BL, seg, o, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2I, IL, 0)).and(0xFF);
        IntVector sc = b.and(0xF).or(c.lanewise(VectorOperators.LSHR, 6).lanewise(VectorOperators.LSHL, 4)).blend(a.and(63), LOW4);
        IntVector m = b.lanewise(VectorOperators.LSHR, 4).or(a.lanewise(VectorOperators.LSHR, 6).lanewise(VectorOperators.LSHL, 4)).blend(b.and(63), LOW4);
        ((FloatVector) sc.convertShape(VectorOperators.I2F, F, 0)).mul(f16(seg, o)).mul(ODD_SIXTEENTH).intoArray(y, yo);
        ((FloatVector) m.convertShape(VectorOperators.I2F, F, 0)).mul(-f16(seg, o + 2)).intoArray(y, yo + 8);
    }

    /**
     * Quants.q6_K: (d * sc) * q; quarter p (0-3) of the half block at ql/qh: 4 bits from ql (p odd: the next 32
     * bytes; p >= 2: the high nibbles), 2 bits from qh at 2 p, minus 32.
     */
    private static FloatVector q6_KW(MemorySegment seg, long ql, long qh, int k, int p, float scale) {
        IntVector a = u8L(seg, ql + 32 * (p & 1), k), h = u8L(seg, qh, k);
        IntVector q = (p < 2 ? a.and(0xF) : a.lanewise(VectorOperators.LSHR, 4))
                .or(h.lanewise(VectorOperators.LSHR, 2 * p).and(3).lanewise(VectorOperators.LSHL, 4)).sub(32);
        return floatsL(q).mul(scale);
    }

    /** Quants.q6_K's d * sc of the 16 weights from k of quarter p of half {@code half}; d = {@link #q6_KD}. */
    private static float q6_KScale(MemorySegment seg, long o, float d, int half, int p, int k) {
        return d * seg.get(ValueLayout.JAVA_BYTE, o + 192 + 8 * half + 2 * p + k / 16);
    }

    /** The Q6_K block's d. */
    private static float q6_KD(MemorySegment seg, long o) {
        return f16(seg, o + 208);
    }

    static void q8_0L(MemorySegment seg, long o, float[] y, int yo) {
        float d = f16(seg, o);
        for (int k = 0; k < 32; k += L) q8_0W(seg, o, k, d).intoArray(y, yo + k);
    }

    static void q4_0L(MemorySegment seg, long o, float[] y, int yo) {
        float d = f16(seg, o);
        for (int k = 0; k < 32; k += L) q4_0W(seg, o, k, d).intoArray(y, yo + k);
    }

    static void q5_0L(MemorySegment seg, long o, float[] y, int yo) {
        float d = f16(seg, o);
        IntVector h = q5_0High(seg, o);
        for (int k = 0; k < 32; k += L) q5_0W(seg, o, k, h, d).intoArray(y, yo + k);
    }

    static void q4_KL(MemorySegment seg, long o, float[] y, int yo) {
        for (int is = 0; is < 8; is++) {
            float d1 = q4_KScale(seg, o, is), m1 = q4_KMin(seg, o, is);
            long q = o + 16 + 32 * (is / 2);
            for (int k = 0; k < 32; k += L) q4_KW(seg, q, k, (is & 1) != 0, d1, m1).intoArray(y, yo + 32 * is + k);
        }
    }

    static void q6_KL(MemorySegment seg, long o, float[] y, int yo) {
        float d = q6_KD(seg, o);
        for (int half = 0; half < 2; half++)
            for (int p = 0; p < 4; p++)
                for (int k = 0; k < 32; k += L)
                    q6_KW(seg, o + 64 * half, o + 128 + 32 * half, k, p, q6_KScale(seg, o, d, half, p, k)).intoArray(y, yo + 128 * half + 32 * p + k);
    }
}
