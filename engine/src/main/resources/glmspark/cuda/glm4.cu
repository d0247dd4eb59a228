// GLM-4 step kernels for glmspark.cuda.CudaBackend, compiled at run time by NVRTC for the device found.
// Activations: x (residual) float32; inputs of matrix products bf16 (xn, att, act); products float32 (cuBLAS).
// bf16 is handled as raw 16-bit patterns so no CUDA header is needed.

typedef unsigned short bf16;

#define NEG_INF __int_as_float(0xff800000)

__device__ __forceinline__ float bf2f(bf16 h) { return __uint_as_float(((unsigned) h) << 16); }

// round to nearest even, as torch's float -> bfloat16
__device__ __forceinline__ bf16 f2bf(float f) {
    unsigned u = __float_as_uint(f);
    if ((u & 0x7f800000u) == 0x7f800000u && (u & 0x007fffffu)) return (bf16) ((u >> 16) | 0x40);
    u += 0x7fffu + ((u >> 16) & 1u);
    return (bf16) (u >> 16);
}

// Sum over the block (blockDim.x a multiple of 32, at most 1024); every thread gets the total.
__device__ float block_sum(float v) {
    __shared__ float part[32];
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    __syncthreads();
    if ((threadIdx.x & 31) == 0) part[threadIdx.x >> 5] = v;
    __syncthreads();
    int warps = blockDim.x >> 5;
    v = (threadIdx.x & 31) < warps ? part[threadIdx.x & 31] : 0.0f;
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

// x[t] = embed[tokens[t]]; grid T
extern "C" __global__ void embed(const bf16* table, const int* tokens, float* x, int H) {
    int t = blockIdx.x;
    const bf16* row = table + (size_t) tokens[t] * H;
    for (int i = threadIdx.x; i < H; i += blockDim.x) x[(size_t) t * H + i] = bf2f(row[i]);
}

// xn[t] = w * x[t] / sqrt(mean(x[t]^2) + eps) (Glm4RMSNorm: weight, not 1 + weight); grid T
extern "C" __global__ void rms_norm(const float* x, const float* w, bf16* xn, int H, float eps) {
    int t = blockIdx.x;
    const float* r = x + (size_t) t * H;
    float ss = 0.0f;
    for (int i = threadIdx.x; i < H; i += blockDim.x) ss += r[i] * r[i];
    ss = block_sum(ss);
    float inv = 1.0f / sqrtf(ss / H + eps);
    for (int i = threadIdx.x; i < H; i += blockDim.x) xn[(size_t) t * H + i] = f2bf(w[i] * (r[i] * inv));
}

// x[t] += w1 * norm(o[t]); xn[t] = w2 * norm(x[t]); grid T. The sandwich norms of a GLM-4 layer in one pass.
extern "C" __global__ void norm_add_norm(const float* o, const float* w1, float* x, const float* w2, bf16* xn, int H, float eps) {
    int t = blockIdx.x;
    const float* orow = o + (size_t) t * H;
    float* xrow = x + (size_t) t * H;
    float ss = 0.0f;
    for (int i = threadIdx.x; i < H; i += blockDim.x) ss += orow[i] * orow[i];
    ss = block_sum(ss);
    float inv = 1.0f / sqrtf(ss / H + eps);
    float ss2 = 0.0f;
    for (int i = threadIdx.x; i < H; i += blockDim.x) {
        float v = xrow[i] + w1[i] * (orow[i] * inv);
        xrow[i] = v;
        ss2 += v * v;
    }
    ss2 = block_sum(ss2);
    float inv2 = 1.0f / sqrtf(ss2 / H + eps);
    for (int i = threadIdx.x; i < H; i += blockDim.x) xn[(size_t) t * H + i] = f2bf(w2[i] * (xrow[i] * inv2));
}

// On one row of [q | k | v]: add the biases, rotate q and k heads (partial, interleaved pairs, YaRN-scaled
// cos/sin), then store k and v as bf16 at the row's cache slot. grid T
extern "C" __global__ void bias_rope_store(float* qkv, const float* bias, int hasBias, int qd, int kvd, int hd, int rotHalf,
                                           const float* invFreq, float attnScale, const int* positions, const int* slots,
                                           bf16* kcache, bf16* vcache) {
    int t = blockIdx.x, W = qd + 2 * kvd;
    float* row = qkv + (size_t) t * W;
    if (hasBias)
        for (int i = threadIdx.x; i < W; i += blockDim.x) row[i] += bias[i];
    __syncthreads();
    float pos = (float) positions[t];
    int heads = (qd + kvd) / hd;  // the query heads, then the key heads, are contiguous
    for (int idx = threadIdx.x; idx < heads * rotHalf; idx += blockDim.x) {
        int h = idx / rotHalf, i = idx - h * rotHalf;
        float angle = pos * invFreq[i];
        float c = cosf(angle) * attnScale, s = sinf(angle) * attnScale;
        float* p = row + h * hd + 2 * i;
        float a = p[0], b = p[1];
        p[0] = a * c - b * s;
        p[1] = b * c + a * s;
    }
    __syncthreads();
    size_t slot = (size_t) slots[t] * kvd;
    for (int i = threadIdx.x; i < kvd; i += blockDim.x) {
        kcache[slot + i] = f2bf(row[qd + i]);
        vcache[slot + i] = f2bf(row[qd + kvd + i]);
    }
}

// Attention of one query head of one row over one chunk of its sequence's positions (flash-decoding split), a
// warp per (row, head, chunk). Positions go 32 at a time: each lane scores one position (q . k over the whole
// head, its key row read in 16-byte pieces, all loads independent), the warp updates the running maximum m and
// sum l of exp(score - m), then lanes, each holding head dimensions d = lane + 32 j, add the 32 weighted value
// rows. Writes part[(t, head, split)] = [acc..., m, l], or with a single chunk the result itself into att.
// Needs head_dim % 8 == 0, <= 256.
// grid (T, heads, splits), block 32
extern "C" __global__ void attention_partial(const float* qkv, int qkvStride, const bf16* kcache, const bf16* vcache,
                                             const int* positions, const int* tableOffsets, const int* tables, int blockSize,
                                             int kvd, int hd, int group, int chunk, float scale, float* part, bf16* att) {
    __shared__ float qs[256];
    int t = blockIdx.x, h = blockIdx.y, s = blockIdx.z, lane = threadIdx.x;
    int heads = gridDim.y, splits = gridDim.z;
    int n = positions[t] + 1;
    int p0 = s * chunk, p1 = min(n, p0 + chunk);
    const float* q = qkv + (size_t) t * qkvStride + h * hd;
    for (int d = lane; d < hd; d += 32) qs[d] = q[d] * scale;
    __syncwarp();
    int kvOff = (h / group) * hd;
    float acc[8];
#pragma unroll
    for (int j = 0; j < 8; j++) acc[j] = 0.0f;
    float m = NEG_INF, l = 0.0f;
    const int* table = tables + tableOffsets[t];
    for (int base = p0; base < p1; base += 32) {
        int p = base + lane;
        float score = NEG_INF;
        size_t row = 0;
        if (p < p1) {
            row = ((size_t) table[p / blockSize] * blockSize + p % blockSize) * kvd + kvOff;
            const uint4* k = (const uint4*) (kcache + row);
            float dot = 0.0f;
            uint4 kv[32];
#pragma unroll
            for (int i = 0; i < 32; i++)  // issue all of the key row's loads before using any
                if (i < hd / 8) kv[i] = k[i];
#pragma unroll
            for (int i = 0; i < 32; i++) {
                if (i < hd / 8) {
                    const float* qq = qs + 8 * i;
                    dot += qq[0] * __uint_as_float(kv[i].x << 16) + qq[1] * __uint_as_float(kv[i].x & 0xffff0000u);
                    dot += qq[2] * __uint_as_float(kv[i].y << 16) + qq[3] * __uint_as_float(kv[i].y & 0xffff0000u);
                    dot += qq[4] * __uint_as_float(kv[i].z << 16) + qq[5] * __uint_as_float(kv[i].z & 0xffff0000u);
                    dot += qq[6] * __uint_as_float(kv[i].w << 16) + qq[7] * __uint_as_float(kv[i].w & 0xffff0000u);
                }
            }
            score = dot;
        }
        float cmax = score;
        for (int o = 16; o > 0; o >>= 1) cmax = fmaxf(cmax, __shfl_xor_sync(0xffffffffu, cmax, o));
        float mn = fmaxf(m, cmax);
        float e = p < p1 ? expf(score - mn) : 0.0f;
        float esum = e;
        for (int o = 16; o > 0; o >>= 1) esum += __shfl_xor_sync(0xffffffffu, esum, o);
        float corr = expf(m - mn);
        l = l * corr + esum;
        m = mn;
#pragma unroll
        for (int j = 0; j < 8; j++) acc[j] *= corr;
        int count = min(32, p1 - base);
#pragma unroll 8
        for (int i = 0; i < count; i++) {
            float ei = __shfl_sync(0xffffffffu, e, i);
            size_t ri = __shfl_sync(0xffffffffu, row, i);
            const bf16* vr = vcache + ri;
#pragma unroll
            for (int j = 0; j < 8; j++) {
                int d = lane + 32 * j;
                if (d < hd) acc[j] += ei * bf2f(vr[d]);
            }
        }
    }
    if (splits == 1) {
        bf16* o = att + (size_t) t * heads * hd + h * hd;
#pragma unroll
        for (int j = 0; j < 8; j++) {
            int d = lane + 32 * j;
            if (d < hd) o[d] = f2bf(acc[j] / l);
        }
        return;
    }
    float* out = part + (((size_t) t * heads + h) * splits + s) * (hd + 2);
#pragma unroll
    for (int j = 0; j < 8; j++) {
        int d = lane + 32 * j;
        if (d < hd) out[d] = acc[j];
    }
    if (lane == 0) {
        out[hd] = m;
        out[hd + 1] = l;
    }
}

// Merges the chunks of attention_partial: att[t, head] = sum_s acc_s e^(m_s - M) / sum_s l_s e^(m_s - M).
// grid (T, heads), block >= hd
extern "C" __global__ void attention_combine(const float* part, int splits, int hd, int chunk, const int* positions, bf16* att) {
    int t = blockIdx.x, h = blockIdx.y, heads = gridDim.y, d = threadIdx.x;
    if (d >= hd) return;
    int n = positions[t] + 1;
    int used = min(splits, (n + chunk - 1) / chunk);
    const float* base = part + ((size_t) t * heads + h) * splits * (hd + 2);
    float M = NEG_INF;
    for (int s = 0; s < used; s++) M = fmaxf(M, base[s * (hd + 2) + hd]);
    float L = 0.0f, acc = 0.0f;
    for (int s = 0; s < used; s++) {
        const float* b = base + s * (hd + 2);
        float w = expf(b[hd] - M);
        L += w * b[hd + 1];
        acc += w * b[d];
    }
    att[(size_t) t * heads * hd + h * hd + d] = f2bf(acc / L);
}

// act[t, i] = up * silu(gate) with [gate | up] = gu[t]; grid-stride over T * I
extern "C" __global__ void silu_mul(const float* gu, bf16* act, int I, int T) {
    size_t n = (size_t) T * I;
    for (size_t k = (size_t) blockIdx.x * blockDim.x + threadIdx.x; k < n; k += (size_t) gridDim.x * blockDim.x) {
        size_t t = k / I, i = k - t * I;
        float gate = gu[t * 2 * I + i], up = gu[t * 2 * I + I + i];
        act[k] = f2bf(up * (gate / (1.0f + expf(-gate))));
    }
}

// out[r] = xn[rows[r]] (the rows whose logits are wanted); grid R
extern "C" __global__ void gather_rows(const bf16* xn, const int* rows, bf16* out, int H) {
    int r = blockIdx.x;
    const bf16* src = xn + (size_t) rows[r] * H;
    for (int i = threadIdx.x; i < H; i += blockDim.x) out[(size_t) r * H + i] = src[i];
}

// ids[r] = argmax of logits[r] (lowest index among equal maxima, as torch.argmax); grid R, block 1024
extern "C" __global__ void argmax_rows(const float* logits, int V, int* ids) {
    __shared__ float bestV[1024];
    __shared__ int bestI[1024];
    int r = blockIdx.x;
    const float* row = logits + (size_t) r * V;
    float bv = NEG_INF;
    int bi = 0x7fffffff;
    for (int i = threadIdx.x; i < V; i += blockDim.x) {
        float v = row[i];
        if (v > bv || (v == bv && i < bi)) { bv = v; bi = i; }
    }
    bestV[threadIdx.x] = bv;
    bestI[threadIdx.x] = bi;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) {
            float ov = bestV[threadIdx.x + s];
            int oi = bestI[threadIdx.x + s];
            if (ov > bestV[threadIdx.x] || (ov == bestV[threadIdx.x] && oi < bestI[threadIdx.x])) {
                bestV[threadIdx.x] = ov;
                bestI[threadIdx.x] = oi;
            }
        }
        __syncthreads();
    }
    if (threadIdx.x == 0) ids[r] = bestI[0] == 0x7fffffff ? 0 : bestI[0];
}

// y[t * N + n] = W[n] . x[t] for a few rows t < T <= 4 (decode): bound by reading W once, which cuBLAS's
// general kernels do at well under the memory rate for such thin products. A warp per output row n; each lane
// reads 16-byte pieces (8 bf16) of the weight row, eight at a time so that enough loads are in flight to cover
// the memory latency, keeps T float sums, then the warp adds them up. Needs K % 8 == 0 and 16-byte aligned
// rows. grid ceil(N / 8), block 256
__device__ __forceinline__ float dot8(uint4 a, uint4 b) {
    float s = __uint_as_float(a.x << 16) * __uint_as_float(b.x << 16);
    s += __uint_as_float(a.x & 0xffff0000u) * __uint_as_float(b.x & 0xffff0000u);
    s += __uint_as_float(a.y << 16) * __uint_as_float(b.y << 16);
    s += __uint_as_float(a.y & 0xffff0000u) * __uint_as_float(b.y & 0xffff0000u);
    s += __uint_as_float(a.z << 16) * __uint_as_float(b.z << 16);
    s += __uint_as_float(a.z & 0xffff0000u) * __uint_as_float(b.z & 0xffff0000u);
    s += __uint_as_float(a.w << 16) * __uint_as_float(b.w << 16);
    s += __uint_as_float(a.w & 0xffff0000u) * __uint_as_float(b.w & 0xffff0000u);
    return s;
}

extern "C" __global__ void gemv_bf16(const bf16* __restrict__ W, const bf16* __restrict__ X, float* __restrict__ Y,
                                     int N, int K, int T) {
    int n = (blockIdx.x * blockDim.x + threadIdx.x) >> 5, lane = threadIdx.x & 31;
    if (n >= N) return;
    const uint4* w = (const uint4*) (W + (size_t) n * K);
    int K8 = K >> 3;
    float acc[4];
#pragma unroll
    for (int t = 0; t < 4; t++) acc[t] = 0.0f;
    for (int base = lane; base < K8; base += 256) {
        uint4 wv[8];
#pragma unroll
        for (int u = 0; u < 8; u++) {
            int i = base + 32 * u;
            wv[u] = i < K8 ? __ldcs(w + i) : make_uint4(0u, 0u, 0u, 0u);  // read once per step: stream past the caches
        }
#pragma unroll
        for (int t = 0; t < 4; t++) {
            if (t < T) {
                const uint4* x = (const uint4*) (X + (size_t) t * K);
#pragma unroll
                for (int u = 0; u < 8; u++) {
                    int i = base + 32 * u;
                    if (i < K8) acc[t] += dot8(wv[u], x[i]);
                }
            }
        }
    }
#pragma unroll
    for (int t = 0; t < 4; t++) {
        if (t < T) {
            float a = acc[t];
            for (int o = 16; o > 0; o >>= 1) a += __shfl_xor_sync(0xffffffffu, a, o);
            if (lane == 0) Y[(size_t) t * N + n] = a;
        }
    }
}
