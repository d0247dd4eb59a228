package glmspark.quant;

import glmspark.format.DType;
import glmspark.tensor.NativeMemory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The ggml block layouts, dequantised and (for Q8_0 and Q4_K) quantised. Blocks are read from a byte array (a copy
 * of one row's blocks) at an offset. Arithmetic follows ggml's reference C: float32 throughout, products and sums
 * in the same order, so dequantised values and quantised bytes are identical to llama.cpp's.
 */
public final class Quants {

    private Quants() {
    }

    static float f16(byte[] b, int o) {
        return Float.float16ToFloat((short) ((b[o] & 0xFF) | (b[o + 1] << 8)));
    }

    static void putF16(byte[] b, int o, float v) {
        short h = Float.floatToFloat16(v);
        b[o] = (byte) h;
        b[o + 1] = (byte) (h >> 8);
    }

    /** Dequantises {@code n} elements (whole blocks) starting at byte {@code off} of {@code src} into {@code dst[dOff...]}. */
    public static void dequantize(DType type, byte[] src, int off, float[] dst, int dOff, int n) {
        int blocks = n / type.blockSize;
        switch (type) {
            case Q8_0 -> {
                for (int b = 0; b < blocks; b++, off += 34, dOff += 32) q8_0(src, off, dst, dOff);
            }
            case Q4_0 -> {
                for (int b = 0; b < blocks; b++, off += 18, dOff += 32) q4_0(src, off, dst, dOff);
            }
            case Q5_0 -> {
                for (int b = 0; b < blocks; b++, off += 22, dOff += 32) q5_0(src, off, dst, dOff);
            }
            case Q4_K -> {
                for (int b = 0; b < blocks; b++, off += 144, dOff += 256) q4_K(src, off, dst, dOff);
            }
            case Q5_K -> {
                for (int b = 0; b < blocks; b++, off += 176, dOff += 256) q5_K(src, off, dst, dOff);
            }
            case Q6_K -> {
                for (int b = 0; b < blocks; b++, off += 210, dOff += 256) q6_K(src, off, dst, dOff);
            }
            case F32 -> {
                for (int i = 0; i < n; i++, off += 4)
                    dst[dOff + i] = Float.intBitsToFloat((src[off] & 0xFF) | (src[off + 1] & 0xFF) << 8 | (src[off + 2] & 0xFF) << 16 | src[off + 3] << 24);
            }
            case F16 -> {
                for (int i = 0; i < n; i++, off += 2) dst[dOff + i] = f16(src, off);
            }
            case BF16 -> {
                for (int i = 0; i < n; i++, off += 2) dst[dOff + i] = Float.intBitsToFloat(((src[off] & 0xFF) | (src[off + 1] & 0xFF) << 8) << 16);
            }
        }
    }

    static void q8_0(byte[] s, int o, float[] y, int yo) {
        float d = f16(s, o);
        for (int j = 0; j < 32; j++) y[yo + j] = s[o + 2 + j] * d;
    }

    static void q4_0(byte[] s, int o, float[] y, int yo) {
        float d = f16(s, o);
        for (int j = 0; j < 16; j++) {
            int q = s[o + 2 + j] & 0xFF;
            y[yo + j] = ((q & 0xF) - 8) * d;
            y[yo + j + 16] = ((q >> 4) - 8) * d;
        }
    }

    static void q5_0(byte[] s, int o, float[] y, int yo) {
        float d = f16(s, o);
        int qh = (s[o + 2] & 0xFF) | (s[o + 3] & 0xFF) << 8 | (s[o + 4] & 0xFF) << 16 | (s[o + 5] & 0xFF) << 24;
        for (int j = 0; j < 16; j++) {
            int q = s[o + 6 + j] & 0xFF;
            int h0 = ((qh >>> j) << 4) & 0x10;
            int h1 = (qh >>> (j + 12)) & 0x10;
            y[yo + j] = (((q & 0xF) | h0) - 16) * d;
            y[yo + j + 16] = (((q >> 4) | h1) - 16) * d;
        }
    }

    /** ggml's 6-bit scale and min of sub-block j from the 12 packed bytes at {@code q}. */
    static int scale(byte[] s, int q, int j) {
        return j < 4 ? s[q + j] & 63 : (s[q + j + 4] & 0xF) | (((s[q + j - 4] & 0xFF) >> 6) << 4);
    }

    static int min(byte[] s, int q, int j) {
        return j < 4 ? s[q + j + 4] & 63 : ((s[q + j + 4] & 0xFF) >> 4) | (((s[q + j] & 0xFF) >> 6) << 4);
    }

    static void q4_K(byte[] s, int o, float[] y, int yo) {
        float d = f16(s, o), dmin = f16(s, o + 2);
        int sc = o + 4, q = o + 16;
        for (int is = 0; is < 8; is += 2, q += 32, yo += 64) {
            float d1 = d * scale(s, sc, is), m1 = dmin * min(s, sc, is);
            float d2 = d * scale(s, sc, is + 1), m2 = dmin * min(s, sc, is + 1);
            for (int l = 0; l < 32; l++) y[yo + l] = d1 * (s[q + l] & 0xF) - m1;
            for (int l = 0; l < 32; l++) y[yo + 32 + l] = d2 * ((s[q + l] & 0xFF) >> 4) - m2;
        }
    }

    static void q5_K(byte[] s, int o, float[] y, int yo) {
        float d = f16(s, o), dmin = f16(s, o + 2);
        int sc = o + 4, qh = o + 16, ql = o + 48;
        int u1 = 1, u2 = 2;
        for (int is = 0; is < 8; is += 2, ql += 32, yo += 64, u1 <<= 2, u2 <<= 2) {
            float d1 = d * scale(s, sc, is), m1 = dmin * min(s, sc, is);
            float d2 = d * scale(s, sc, is + 1), m2 = dmin * min(s, sc, is + 1);
            for (int l = 0; l < 32; l++) y[yo + l] = d1 * ((s[ql + l] & 0xF) + ((s[qh + l] & u1) != 0 ? 16 : 0)) - m1;
            for (int l = 0; l < 32; l++) y[yo + 32 + l] = d2 * (((s[ql + l] & 0xFF) >> 4) + ((s[qh + l] & u2) != 0 ? 16 : 0)) - m2;
        }
    }

    static void q6_K(byte[] s, int o, float[] y, int yo) {
        float d = f16(s, o + 208);
        int ql = o, qh = o + 128, sc = o + 192;
        for (int n = 0; n < 256; n += 128, ql += 64, qh += 32, sc += 8, yo += 128) {
            for (int l = 0; l < 32; l++) {
                int is = l / 16;
                int h = s[qh + l] & 0xFF;
                int q1 = ((s[ql + l] & 0xF) | ((h & 3) << 4)) - 32;
                int q2 = ((s[ql + l + 32] & 0xF) | (((h >> 2) & 3) << 4)) - 32;
                int q3 = (((s[ql + l] & 0xFF) >> 4) | (((h >> 4) & 3) << 4)) - 32;
                int q4 = (((s[ql + l + 32] & 0xFF) >> 4) | (((h >> 6) & 3) << 4)) - 32;
                y[yo + l] = d * s[sc + is] * q1;
                y[yo + l + 32] = d * s[sc + is + 2] * q2;
                y[yo + l + 64] = d * s[sc + is + 4] * q3;
                y[yo + l + 96] = d * s[sc + is + 6] * q4;
            }
        }
    }

    /** Columns per scale in {@link #subBlocks}: 16 for Q6_K, 32 for the others. */
    static int subBlockColumns(DType type) {
        return type == DType.Q6_K ? 16 : 32;
    }

    /** Row j's sub-block g (columns [g S, g S + S), S = {@link #subBlockColumns}): quants q[qo, qo + S), scale, min. */
    interface SubBlockSink {
        void put(int j, int g, int[] q, int qo, float scale, float min);
    }

    /**
     * Hands every sub-block of ggml rows (rows x cols of {@code type}) to {@code sink}, parts of {@code rowsPerPart}
     * rows on as many threads as the segment may be read from (the repacking at load).
     */
    static void forEachSubBlock(DType type, MemorySegment data, int rows, int cols, int rowsPerPart, SubBlockSink sink) {
        long rowBytes = type.rowBytes(cols);
        int bs = type.blockSize, S = subBlockColumns(type), perBlock = bs / S;
        NativeMemory.parts(data, (rows + rowsPerPart - 1) / rowsPerPart).forEach(part -> {
            byte[] raw = new byte[type.blockBytes];
            int[] q = new int[bs];
            float[] scale = new float[perBlock], min = new float[perBlock];
            for (int j = part * rowsPerPart; j < Math.min(rows, part * rowsPerPart + rowsPerPart); j++)
                for (int c0 = 0; c0 < cols; c0 += bs) {
                    MemorySegment.copy(data, ValueLayout.JAVA_BYTE, j * rowBytes + (long) c0 / bs * type.blockBytes, raw, 0, raw.length);
                    subBlocks(type, raw, q, scale, min);
                    for (int g = 0; g < perBlock; g++) sink.put(j, c0 / S + g, q, g * S, scale[g], min[g]);
                }
        });
    }

    /**
     * One block as integer quants and per-sub-block scale and min (sub-blocks of 32, Q6_K's of 16): weight i is
     * {@code scale[i / P] * q[i] - min[i / P]} with the same float scale and min as {@link #dequantize} uses.
     */
    static void subBlocks(DType type, byte[] s, int[] q, float[] scale, float[] min) {
        switch (type) {
            case Q8_0 -> {
                scale[0] = f16(s, 0);
                for (int j = 0; j < 32; j++) q[j] = s[2 + j];
            }
            case Q4_0 -> {
                scale[0] = f16(s, 0);
                for (int j = 0; j < 16; j++) {
                    q[j] = (s[2 + j] & 0xF) - 8;
                    q[j + 16] = ((s[2 + j] & 0xFF) >> 4) - 8;
                }
            }
            case Q5_0 -> {
                scale[0] = f16(s, 0);
                int qh = (s[2] & 0xFF) | (s[3] & 0xFF) << 8 | (s[4] & 0xFF) << 16 | (s[5] & 0xFF) << 24;
                for (int j = 0; j < 16; j++) {
                    int b = s[6 + j] & 0xFF;
                    q[j] = ((b & 0xF) | (((qh >>> j) << 4) & 0x10)) - 16;
                    q[j + 16] = ((b >> 4) | ((qh >>> (j + 12)) & 0x10)) - 16;
                }
            }
            case Q4_K, Q5_K -> {
                float d = f16(s, 0), dmin = f16(s, 2);
                boolean five = type == DType.Q5_K;
                int ql = five ? 48 : 16;
                for (int is = 0; is < 8; is++) {
                    scale[is] = d * scale(s, 4, is);
                    min[is] = dmin * min(s, 4, is);
                    for (int l = 0; l < 32; l++) {
                        int b = s[ql + 32 * (is / 2) + l] & 0xFF;
                        int v = is % 2 == 0 ? b & 0xF : b >> 4;
                        if (five && (s[16 + l] & (1 << is)) != 0) v += 16;
                        q[32 * is + l] = v;
                    }
                }
            }
            case Q6_K -> {
                float d = f16(s, 208);
                for (int i = 0; i < 16; i++) scale[i] = d * s[192 + i];
                for (int n = 0; n < 2; n++)
                    for (int l = 0; l < 32; l++) {
                        int lo0 = s[64 * n + l] & 0xFF, lo1 = s[64 * n + l + 32] & 0xFF, h = s[128 + 32 * n + l] & 0xFF;
                        int e = 128 * n + l;
                        q[e] = ((lo0 & 0xF) | ((h & 3) << 4)) - 32;
                        q[e + 32] = ((lo1 & 0xF) | (((h >> 2) & 3) << 4)) - 32;
                        q[e + 64] = ((lo0 >> 4) | (((h >> 4) & 3) << 4)) - 32;
                        q[e + 96] = ((lo1 >> 4) | (((h >> 6) & 3) << 4)) - 32;
                    }
            }
            default -> throw new IllegalArgumentException(type + " is not a block type");
        }
    }

    // ---- quantisation (ggml's reference algorithms, no importance matrix) ----

    /** Quantises {@code n} floats (a multiple of the block size) from {@code x[xo...]} into {@code out[o...]}. */
    public static void quantize(DType type, float[] x, int xo, int n, byte[] out, int o) {
        switch (type) {
            case Q8_0 -> {
                for (int b = 0; b < n / 32; b++) quantizeQ8_0(x, xo + 32 * b, out, o + 34 * b);
            }
            case Q4_K -> {
                for (int b = 0; b < n / 256; b++) quantizeQ4_K(x, xo + 256 * b, out, o + 144 * b);
            }
            case Q6_K -> {
                for (int b = 0; b < n / 256; b++) quantizeQ6_K(x, xo + 256 * b, out, o + 210 * b);
            }
            case Q5_0 -> {
                for (int b = 0; b < n / 32; b++) quantizeQ5_0(x, xo + 32 * b, out, o + 22 * b);
            }
            case F16 -> {
                for (int i = 0; i < n; i++) putF16(out, o + 2 * i, x[xo + i]);
            }
            case F32 -> {
                for (int i = 0; i < n; i++) {
                    int v = Float.floatToRawIntBits(x[xo + i]);
                    out[o + 4 * i] = (byte) v;
                    out[o + 4 * i + 1] = (byte) (v >> 8);
                    out[o + 4 * i + 2] = (byte) (v >> 16);
                    out[o + 4 * i + 3] = (byte) (v >> 24);
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    int h = bf16(x[xo + i]);
                    out[o + 2 * i] = (byte) h;
                    out[o + 2 * i + 1] = (byte) (h >> 8);
                }
            }
            default -> throw new IllegalArgumentException("quantisation to " + type + " is not implemented");
        }
    }

    /** float32 to bfloat16 bits, round to nearest even; NaN stays a quiet NaN (as ggml_compute_fp32_to_bf16). */
    static int bf16(float f) {
        int u = Float.floatToRawIntBits(f);
        if ((u & 0x7fffffff) > 0x7f800000) return ((u >>> 16) | 64) & 0xFFFF;
        return ((u + (0x7fff + ((u >>> 16) & 1))) >>> 16) & 0xFFFF;
    }

    /** C's roundf: halves away from zero (exact in double for any float). */
    static float roundf(float v) {
        double a = Math.floor(Math.abs((double) v) + 0.5);
        return (float) Math.copySign(a, v);
    }

    static void quantizeQ8_0(float[] x, int xo, byte[] out, int o) {
        float amax = 0;
        for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[xo + j]));
        float d = amax / 127;
        float id = d != 0 ? 1.0f / d : 0.0f;
        putF16(out, o, d);
        for (int j = 0; j < 32; j++) out[o + 2 + j] = (byte) (int) roundf(x[xo + j] * id);
    }

    /** ggml's nearest_int: the float magic-number rounding (ties to even). */
    static int nearestInt(float f) {
        float v = f + 12582912.f;
        return (Float.floatToRawIntBits(v) & 0x007fffff) - 0x00400000;
    }

    /** make_qkx2_quants for 32 values: an affine (scale, min) fit searched over 21 candidate scales. */
    static float qkx2(float[] x, int xo, float[] w, int[] L, int lo, int nmax, float[] theMin, int[] aux,
                      float rmin, float rdelta, int nstep) {
        int n = 32;
        float min = x[xo], max = x[xo];
        float sumW = w[0], sumX = sumW * x[xo];
        for (int i = 1; i < n; i++) {
            if (x[xo + i] < min) min = x[xo + i];
            if (x[xo + i] > max) max = x[xo + i];
            float wi = w[i];
            sumW += wi;
            sumX += wi * x[xo + i];
        }
        if (min > 0) min = 0;
        if (max == min) {
            for (int i = 0; i < n; i++) L[lo + i] = 0;
            theMin[0] = -min;
            return 0.f;
        }
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < n; i++) {
            int l = nearestInt(iscale * (x[xo + i] - min));
            L[lo + i] = Math.max(0, Math.min(nmax, l));
            float diff = scale * L[lo + i] + min - x[xo + i];
            diff = diff * diff;
            bestError += w[i] * diff;
        }
        for (int is = 0; is <= nstep; is++) {
            iscale = (rmin + rdelta * is + nmax) / (max - min);
            float sumL = 0, sumL2 = 0, sumXL = 0;
            for (int i = 0; i < n; i++) {
                int l = nearestInt(iscale * (x[xo + i] - min));
                l = Math.max(0, Math.min(nmax, l));
                aux[i] = l;
                float wi = w[i];
                sumL += wi * l;
                sumL2 += wi * l * l;
                sumXL += wi * l * x[xo + i];
            }
            float D = sumW * sumL2 - sumL * sumL;
            if (D > 0) {
                float thisScale = (sumW * sumXL - sumX * sumL) / D;
                float thisMin = (sumL2 * sumX - sumL * sumXL) / D;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXL / sumL2;
                }
                float curError = 0;
                for (int i = 0; i < n; i++) {
                    float diff = thisScale * aux[i] + thisMin - x[xo + i];
                    diff = diff * diff;
                    curError += w[i] * diff;
                }
                if (curError < bestError) {
                    for (int i = 0; i < n; i++) L[lo + i] = aux[i];
                    bestError = curError;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        theMin[0] = -min;
        return scale;
    }

    static void quantizeQ4_K(float[] x, int xo, byte[] out, int o) {
        int[] L = new int[256];
        int[] aux = new int[32];
        float[] w = new float[32];
        float[] mins = new float[8], scales = new float[8], m = new float[1];
        float maxScale = 0, maxMin = 0;
        for (int j = 0; j < 8; j++) {
            float sumX2 = 0;
            for (int l = 0; l < 32; l++) sumX2 += x[xo + 32 * j + l] * x[xo + 32 * j + l];
            float avX = (float) Math.sqrt(sumX2 / 32);
            for (int l = 0; l < 32; l++) w[l] = avX + Math.abs(x[xo + 32 * j + l]);
            scales[j] = qkx2(x, xo + 32 * j, w, L, 32 * j, 15, m, aux, -1.f, 0.1f, 20);
            mins[j] = m[0];
            if (scales[j] > maxScale) maxScale = scales[j];
            if (mins[j] > maxMin) maxMin = mins[j];
        }
        float invScale = maxScale > 0 ? 63.f / maxScale : 0.f;
        float invMin = maxMin > 0 ? 63.f / maxMin : 0.f;
        int sc = o + 4;
        for (int i = 0; i < 12; i++) out[sc + i] = 0;
        for (int j = 0; j < 8; j++) {
            int ls = Math.min(63, nearestInt(invScale * scales[j]) & 0xFF);
            int lm = Math.min(63, nearestInt(invMin * mins[j]) & 0xFF);
            if (j < 4) {
                out[sc + j] = (byte) ls;
                out[sc + j + 4] = (byte) lm;
            } else {
                out[sc + j + 4] = (byte) ((ls & 0xF) | ((lm & 0xF) << 4));
                out[sc + j - 4] |= (byte) ((ls >> 4) << 6);
                out[sc + j] |= (byte) ((lm >> 4) << 6);
            }
        }
        putF16(out, o, maxScale / 63.f);
        putF16(out, o + 2, maxMin / 63.f);
        float d0 = f16(out, o), dmin0 = f16(out, o + 2);
        for (int j = 0; j < 8; j++) {
            float d = d0 * scale(out, sc, j);
            if (d == 0) continue;
            float dm = dmin0 * min(out, sc, j);
            for (int ii = 0; ii < 32; ii++) {
                int l = nearestInt((x[xo + 32 * j + ii] + dm) / d);
                L[32 * j + ii] = Math.max(0, Math.min(15, l));
            }
        }
        int q = o + 16;
        for (int j = 0; j < 256; j += 64, q += 32)
            for (int l = 0; l < 32; l++) out[q + l] = (byte) (L[j + l] | (L[j + l + 32] << 4));
    }

    /** quantize_row_q5_0_ref: d = (value of largest magnitude) / -16, 5-bit codes truncated from x/d + 16.5. */
    static void quantizeQ5_0(float[] x, int xo, byte[] out, int o) {
        float amax = 0, max = 0;
        for (int j = 0; j < 32; j++) {
            float v = x[xo + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        float d = max / -16;
        float id = d != 0 ? 1.0f / d : 0.0f;
        putF16(out, o, d);
        int qh = 0;
        for (int j = 0; j < 16; j++) {
            float x0 = x[xo + j] * id, x1 = x[xo + 16 + j] * id;
            // C: MIN(31, (int8_t)(x + 16.5f)) stored as uint8_t
            int xi0 = Math.min(31, (byte) (int) (x0 + 16.5f)) & 0xFF;
            int xi1 = Math.min(31, (byte) (int) (x1 + 16.5f)) & 0xFF;
            out[o + 6 + j] = (byte) ((xi0 & 0xF) | ((xi1 & 0xF) << 4));
            qh |= ((xi0 & 0x10) >>> 4) << j;
            qh |= ((xi1 & 0x10) >>> 4) << (j + 16);
        }
        out[o + 2] = (byte) qh;
        out[o + 3] = (byte) (qh >>> 8);
        out[o + 4] = (byte) (qh >>> 16);
        out[o + 5] = (byte) (qh >>> 24);
    }

    static final float GROUP_MAX_EPS = 1e-15f;

    /**
     * make_qx_quants with rmse_type 1 and no importance weights, for 16 values: a symmetric scale fit (weights x^2)
     * searched over 18 candidate scales around -nmax/max. Codes (l + nmax) go to L[lo...].
     */
    static float qx(float[] x, int xo, int n, int nmax, int[] L, int lo) {
        float max = 0, amax = 0;
        for (int i = 0; i < n; i++) {
            float ax = Math.abs(x[xo + i]);
            if (ax > amax) {
                amax = ax;
                max = x[xo + i];
            }
        }
        if (amax < GROUP_MAX_EPS) {
            for (int i = 0; i < n; i++) L[lo + i] = 0;
            return 0.f;
        }
        float iscale = -nmax / max;
        float sumlx = 0, suml2 = 0;
        for (int i = 0; i < n; i++) {
            float xi = x[xo + i];
            int l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * xi)));
            L[lo + i] = l + nmax;
            float w = xi * xi;
            sumlx += w * xi * l;
            suml2 += w * l * l;
        }
        float scale = suml2 != 0 ? sumlx / suml2 : 0.0f;
        float best = scale * sumlx;
        for (int is = -9; is <= 9; is++) {
            if (is == 0) continue;
            iscale = -(nmax + 0.1f * is) / max;
            sumlx = suml2 = 0;
            for (int i = 0; i < n; i++) {
                float xi = x[xo + i];
                int l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * xi)));
                float w = xi * xi;
                sumlx += w * xi * l;
                suml2 += w * l * l;
            }
            if (suml2 > 0 && sumlx * sumlx > best * suml2) {
                for (int i = 0; i < n; i++)
                    L[lo + i] = nmax + Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * x[xo + i])));
                scale = sumlx / suml2;
                best = scale * sumlx;
            }
        }
        return scale;
    }

    /** quantize_row_q6_K_ref: 16 sub-blocks of 16 with int8 scales under one f16 super-scale, 6-bit codes. */
    static void quantizeQ6_K(float[] x, int xo, byte[] out, int o) {
        int[] L = new int[256];
        float[] scales = new float[16];
        float maxScale = 0, maxAbsScale = 0;
        for (int ib = 0; ib < 16; ib++) {
            float scale = qx(x, xo + 16 * ib, 16, 32, L, 16 * ib);
            scales[ib] = scale;
            float abs = Math.abs(scale);
            if (abs > maxAbsScale) {
                maxAbsScale = abs;
                maxScale = scale;
            }
        }
        if (maxAbsScale < GROUP_MAX_EPS) {
            for (int i = 0; i < 210; i++) out[o + i] = 0;
            putF16(out, o + 208, 0.f);
            return;
        }
        int ql = o, qh = o + 128, sc = o + 192;
        float iscale = -128.f / maxScale;
        putF16(out, o + 208, 1 / iscale);
        for (int ib = 0; ib < 16; ib++) out[sc + ib] = (byte) Math.min(127, nearestInt(iscale * scales[ib]));
        float d0 = f16(out, o + 208);
        for (int j = 0; j < 16; j++) {
            float d = d0 * out[sc + j];
            if (d == 0) continue;
            for (int ii = 0; ii < 16; ii++) {
                int l = nearestInt(x[xo + 16 * j + ii] / d);
                L[16 * j + ii] = Math.max(-32, Math.min(31, l)) + 32;
            }
        }
        for (int j = 0; j < 256; j += 128, ql += 64, qh += 32)
            for (int l = 0; l < 32; l++) {
                int q1 = L[j + l] & 0xF, q2 = L[j + l + 32] & 0xF, q3 = L[j + l + 64] & 0xF, q4 = L[j + l + 96] & 0xF;
                out[ql + l] = (byte) (q1 | (q3 << 4));
                out[ql + l + 32] = (byte) (q2 | (q4 << 4));
                out[qh + l] = (byte) ((L[j + l] >> 4) | ((L[j + l + 32] >> 4) << 2) | ((L[j + l + 64] >> 4) << 4) | ((L[j + l + 96] >> 4) << 6));
            }
    }
}
