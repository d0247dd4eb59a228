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

// Sum over the block (blockDim.x a multiple of 32, at most 1024); every thread gets the total. Float for the
// norms, double for the sampler's weights.
template <typename T>
__device__ T block_sum(T v) {
    __shared__ T part[32];
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    __syncthreads();
    if ((threadIdx.x & 31) == 0) part[threadIdx.x >> 5] = v;
    __syncthreads();
    int warps = blockDim.x >> 5;
    v = (threadIdx.x & 31) < warps ? part[threadIdx.x & 31] : (T) 0;
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

// Programmatic dependent launch (sm_90+; the backend launches every kernel of ours with it): a kernel may start
// while the one before it is still running, so it must call pdl_wait() before it reads what that one wrote or
// writes anything, and may only load constant weights before that. pdl_launch_next() lets the next kernel's
// blocks start early (they wait in their own pdl_wait()); each kernel calls it first thing.
__device__ __forceinline__ void pdl_wait() {
#if __CUDA_ARCH__ >= 900
    asm volatile("griddepcontrol.wait;" ::: "memory");
#endif
}

__device__ __forceinline__ void pdl_launch_next() {
#if __CUDA_ARCH__ >= 900
    asm volatile("griddepcontrol.launch_dependents;" ::: "memory");
#endif
}

// x[t] = embed[tokens[t]]; grid T
extern "C" __global__ void embed(const bf16* table, const int* tokens, float* x, int H) {
    pdl_launch_next();
    pdl_wait();
    int t = blockIdx.x;
    const bf16* row = table + (size_t) tokens[t] * H;
    for (int i = threadIdx.x; i < H; i += blockDim.x) x[(size_t) t * H + i] = bf2f(row[i]);
}

// xn[t] = w * x[t] / sqrt(mean(x[t]^2) + eps) (Glm4RMSNorm: weight, not 1 + weight); grid T
extern "C" __global__ void __launch_bounds__(1024) rms_norm(const float* x, const float* w, bf16* xn, int H, float eps) {
    pdl_launch_next();
    pdl_wait();
    int t = blockIdx.x;
    const float* r = x + (size_t) t * H;
    float ss = 0.0f;
    for (int i = threadIdx.x; i < H; i += blockDim.x) ss += r[i] * r[i];
    ss = block_sum(ss);
    float inv = 1.0f / sqrtf(ss / H + eps);
    for (int i = threadIdx.x; i < H; i += blockDim.x) xn[(size_t) t * H + i] = f2bf(w[i] * (r[i] * inv));
}

// x[t] += w1 * norm(o[t]); xn[t] = w2 * norm(x[t]); grid T, H <= 8 * blockDim. The sandwich norms of a GLM-4
// layer in one pass; every thread loads its elements (weights before waiting for the previous kernel) at once.
extern "C" __global__ void __launch_bounds__(1024) norm_add_norm(const float* o, const float* w1, float* x, const float* w2, bf16* xn, int H, float eps) {
    pdl_launch_next();
    int t = blockIdx.x;
    float wa[8], wb[8], ov[8], xv[8];
#pragma unroll
    for (int k = 0; k < 8; k++) {
        int i = threadIdx.x + k * blockDim.x;
        wa[k] = i < H ? w1[i] : 0.0f;
        wb[k] = i < H ? w2[i] : 0.0f;
    }
    pdl_wait();
    const float* orow = o + (size_t) t * H;
    float* xrow = x + (size_t) t * H;
    float ss = 0.0f;
#pragma unroll
    for (int k = 0; k < 8; k++) {
        int i = threadIdx.x + k * blockDim.x;
        ov[k] = i < H ? orow[i] : 0.0f;
        xv[k] = i < H ? xrow[i] : 0.0f;
        ss += ov[k] * ov[k];
    }
    ss = block_sum(ss);
    float inv = 1.0f / sqrtf(ss / H + eps);
    float ss2 = 0.0f;
#pragma unroll
    for (int k = 0; k < 8; k++) {
        xv[k] += wa[k] * (ov[k] * inv);
        ss2 += xv[k] * xv[k];
    }
    ss2 = block_sum(ss2);
    float inv2 = 1.0f / sqrtf(ss2 / H + eps);
#pragma unroll
    for (int k = 0; k < 8; k++) {
        int i = threadIdx.x + k * blockDim.x;
        if (i < H) {
            xrow[i] = xv[k];
            xn[(size_t) t * H + i] = f2bf(wb[k] * (xv[k] * inv2));
        }
    }
}

// On one row of [q | k | v]: add the biases, rotate q and k heads (partial, interleaved pairs, YaRN-scaled
// cos/sin), then store k and v as bf16 at the row's cache slot. grid T
extern "C" __global__ void __launch_bounds__(1024) bias_rope_store(float* qkv, const float* bias, int hasBias, int qd, int kvd, int hd, int rotHalf,
                                           const float* invFreq, float attnScale, const int* positions, const int* slots,
                                           bf16* kcache, bf16* vcache) {
    pdl_launch_next();
    pdl_wait();
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

// Attention of one row over one chunk of its sequence's positions for the `group` query heads that share a KV
// head (grouped-query attention: the chunk's keys and values are read once for all of them). grid (T, kv heads,
// splits), block 128; positions go 32 at a time through shared memory (the next tile's loads in flight while
// this one is used). Scores: warp w takes heads g = w + 4j, lane = position; a running maximum m and sum l of
// exp(score - m) per head. Values: thread (g, d) over the tile. With one chunk the result goes straight into att;
// else each chunk leaves [acc..., m, l] per head in part[t][kv head][split][g] and the last chunk of a (row, kv
// head) to finish (counted in done[], which it resets) merges them: att = sum_s acc_s e^(m_s - M) / sum_s l_s
// e^(m_s - M). Needs head_dim % 8 == 0 dividing 128, group <= 32, group * head_dim <= 4096.
// dynamic shared memory: attention_shared_bytes() in CudaBackend
#define ATT_THREADS 256
#define ATT_WARPS 8
#define ATT_TILE 32
extern "C" __global__ void __launch_bounds__(ATT_THREADS, 2)
attention(const float* qkv, int qkvStride, const bf16* kcache, const bf16* vcache, const int* positions,
          const int* tableOffsets, const int* tables, int blockSize, int kvd, int hd, int group, int kvGroup, int chunk, float scale,
          float* part, int* done, bf16* att) {
    pdl_launch_next();
    pdl_wait();
    extern __shared__ float smem[];
    __shared__ int finished;
    const int t = blockIdx.x, hb = blockIdx.y, s = blockIdx.z, headBlocks = gridDim.y, splits = gridDim.z;
    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5, G = group, D = hd, D8 = hd >> 3;
    const int d = tid % D, g0 = tid / D, gStep = ATT_THREADS / D;  // D divides 256: thread (g0 + j gStep, d)
    const int n = positions[t] + 1;
    const int used = min(splits, (n + chunk - 1) / chunk);
    if (s >= used) return;  // this row is shorter than the step's longest
    const int p0 = s * chunk, p1 = min(n, p0 + chunk);
    float* qs = smem;                    // [G][D] queries, scaled
    float* es = qs + G * D;              // [G][TILE] exp(score - m) of the tile
    float* cs = es + G * ATT_TILE;       // [G] the tile's correction factor, at the end l
    float* ms = cs + G;                  // [G] m at the end
    bf16* ks = (bf16*) (ms + G);         // [TILE][D + 2] keys (padded: lanes reading different rows hit different banks)
    bf16* vs = ks + ATT_TILE * (D + 2);  // [TILE][D] values
    const float* q = qkv + (size_t) t * qkvStride + (size_t) hb * G * D;  // query heads hb * G .. hb * G + G - 1
    for (int i = tid; i < G * D; i += ATT_THREADS) qs[i] = q[i] * scale;
    const int* table = tables + tableOffsets[t];
    const size_t kvOff = (size_t) (hb * G / kvGroup) * D;
    float acc[16], mreg[4], lreg[4];
#pragma unroll
    for (int j = 0; j < 16; j++) acc[j] = 0.0f;
#pragma unroll
    for (int j = 0; j < 4; j++) {
        mreg[j] = NEG_INF;
        lreg[j] = 0.0f;
    }
    uint4 kreg[4], vreg[4];
    const uint4 zero = make_uint4(0u, 0u, 0u, 0u);
#define ATT_LOAD(base)                                                                                   \
    _Pragma("unroll") for (int u = 0; u < 4; u++) {                                                      \
        int i = tid + ATT_THREADS * u;                                                                   \
        kreg[u] = vreg[u] = zero;                                                                        \
        if (i < ATT_TILE * D8) {                                                                         \
            int p = i / D8, c = i - p * D8, pos = (base) + p;                                            \
            if (pos < p1) {                                                                              \
                size_t row = ((size_t) table[pos / blockSize] * blockSize + pos % blockSize) * kvd + kvOff + 8 * c; \
                kreg[u] = *(const uint4*) (kcache + row);                                                \
                vreg[u] = *(const uint4*) (vcache + row);                                                \
            }                                                                                            \
        }                                                                                                \
    }
    ATT_LOAD(p0)
    for (int base = p0; base < p1; base += ATT_TILE) {
        __syncthreads();  // the previous tile is used up
#pragma unroll
        for (int u = 0; u < 4; u++) {
            int i = tid + ATT_THREADS * u;
            if (i < ATT_TILE * D8) {
                int p = i / D8, c = i - p * D8;
                unsigned* kd = (unsigned*) (ks + p * (D + 2) + 8 * c);
                unsigned* vd = (unsigned*) (vs + p * D + 8 * c);
                kd[0] = kreg[u].x; kd[1] = kreg[u].y; kd[2] = kreg[u].z; kd[3] = kreg[u].w;
                vd[0] = vreg[u].x; vd[1] = vreg[u].y; vd[2] = vreg[u].z; vd[3] = vreg[u].w;
            }
        }
        __syncthreads();
        if (base + ATT_TILE < p1) ATT_LOAD(base + ATT_TILE)
        const int pos = base + lane;
        // scores of this lane's position for the warp's heads: independent sums, the key word read once for all
        float sc[4];
#pragma unroll
        for (int j = 0; j < 4; j++) sc[j] = 0.0f;
        const unsigned* krow = (const unsigned*) (ks + lane * (D + 2));
#pragma unroll 4
        for (int d2 = 0; d2 < D / 2; d2++) {
            unsigned kw = krow[d2];
            float k0 = __uint_as_float(kw << 16), k1 = __uint_as_float(kw & 0xffff0000u);
#pragma unroll
            for (int j = 0; j < 4; j++) {
                if (warp + ATT_WARPS * j < G) {
                    float2 qq = *(const float2*) (qs + (warp + ATT_WARPS * j) * D + 2 * d2);
                    sc[j] += qq.x * k0 + qq.y * k1;
                }
            }
        }
#pragma unroll
        for (int j = 0; j < 4; j++) {
            int g = warp + ATT_WARPS * j;
            if (g < G) {
                float score = pos < p1 ? sc[j] : NEG_INF;
                float cmax = score;
                for (int o = 16; o > 0; o >>= 1) cmax = fmaxf(cmax, __shfl_xor_sync(0xffffffffu, cmax, o));
                float mn = fmaxf(mreg[j], cmax);
                float e = pos < p1 ? expf(score - mn) : 0.0f;
                float esum = e;
                for (int o = 16; o > 0; o >>= 1) esum += __shfl_xor_sync(0xffffffffu, esum, o);
                float corr = expf(mreg[j] - mn);
                lreg[j] = lreg[j] * corr + esum;
                mreg[j] = mn;
                es[g * ATT_TILE + lane] = e;
                if (lane == 0) cs[g] = corr;
            }
        }
        __syncthreads();
        // values: this thread's dimension d = tid % D for heads g0 + j * (128 / D); one value read for all of them
#pragma unroll
        for (int j = 0; j < 16; j++)
            if (g0 + j * gStep < G) acc[j] *= cs[g0 + j * gStep];
#pragma unroll 4
        for (int p = 0; p < ATT_TILE; p++) {
            float v = bf2f(vs[p * D + d]);
#pragma unroll
            for (int j = 0; j < 16; j++)
                if (g0 + j * gStep < G) acc[j] += es[(g0 + j * gStep) * ATT_TILE + p] * v;
        }
    }
#undef ATT_LOAD
    __syncthreads();
#pragma unroll
    for (int j = 0; j < 4; j++) {
        int g = warp + ATT_WARPS * j;
        if (g < G && lane == 0) {
            cs[g] = lreg[j];
            ms[g] = mreg[j];
        }
    }
    __syncthreads();
    const int heads = headBlocks * G;
    bf16* o = att + ((size_t) t * heads + (size_t) hb * G) * D;  // [g][D]
    if (used == 1) {
#pragma unroll
        for (int j = 0; j < 16; j++) {
            int g = g0 + j * gStep;
            if (g < G) o[g * D + d] = f2bf(acc[j] / cs[g]);
        }
        return;
    }
    float* mine = part + ((size_t) (t * headBlocks + hb) * splits + s) * G * (D + 2);
    float* all = part + (size_t) (t * headBlocks + hb) * splits * G * (D + 2);
#pragma unroll
    for (int j = 0; j < 16; j++) {
        int g = g0 + j * gStep;
        if (g < G) mine[g * (D + 2) + d] = acc[j];
    }
    for (int g = tid; g < G; g += ATT_THREADS) {
        mine[g * (D + 2) + D] = ms[g];
        mine[g * (D + 2) + D + 1] = cs[g];
    }
    __threadfence();  // this chunk's result is visible device-wide before it counts as done
    __syncthreads();
    if (tid == 0) finished = atomicAdd(done + t * headBlocks + hb, 1);
    __syncthreads();
    if (finished != used - 1) return;
    __threadfence();
    if (tid == 0) done[t * headBlocks + hb] = 0;  // ready for the next layer and step
#pragma unroll
    for (int j = 0; j < 16; j++) {
        int g = g0 + j * gStep;
        if (g < G) {
            float M = NEG_INF;
            for (int c = 0; c < used; c++) M = fmaxf(M, __ldcg(all + ((size_t) c * G + g) * (D + 2) + D));
            float L = 0.0f, a = 0.0f;
            for (int c = 0; c < used; c++) {
                const float* b = all + ((size_t) c * G + g) * (D + 2);
                float w = expf(__ldcg(b + D) - M);
                L += w * __ldcg(b + D + 1);
                a += w * __ldcg(b + d);
            }
            o[g * D + d] = f2bf(a / L);
        }
    }
}

// act[t, i] = up * silu(gate) with [gate | up] = gu[t]; grid-stride over T * I
extern "C" __global__ void silu_mul(const float* gu, bf16* act, int I, int T) {
    pdl_launch_next();
    pdl_wait();
    size_t n = (size_t) T * I;
    for (size_t k = (size_t) blockIdx.x * blockDim.x + threadIdx.x; k < n; k += (size_t) gridDim.x * blockDim.x) {
        size_t t = k / I, i = k - t * I;
        float gate = gu[t * 2 * I + i], up = gu[t * 2 * I + I + i];
        act[k] = f2bf(up * (gate / (1.0f + expf(-gate))));
    }
}

// out[r] = xn[rows[r]] (the rows whose logits are wanted), and clears row r's argmax key; grid R
extern "C" __global__ void gather_rows(const bf16* xn, const int* rows, bf16* out, int H, unsigned long long* keys) {
    pdl_launch_next();
    pdl_wait();
    int r = blockIdx.x;
    const bf16* src = xn + (size_t) rows[r] * H;
    for (int i = threadIdx.x; i < H; i += blockDim.x) out[(size_t) r * H + i] = src[i];
    if (threadIdx.x == 0) keys[r] = 0ull;
}

// keys[r] = max over i of (value bits ordered as unsigned << 32 | ~i): the argmax of logits[r] in the high half,
// the lowest index among equal maxima (as torch.argmax) in the low half; NaN never wins. Starts from 0
// (gather_rows). grid (R, slices), block 256
extern "C" __global__ void argmax_rows(const float* logits, int V, unsigned long long* keys) {
    pdl_launch_next();
    pdl_wait();
    __shared__ unsigned long long best[256];
    int r = blockIdx.x, per = (V + gridDim.y - 1) / gridDim.y;
    int from = blockIdx.y * per, to = min(V, from + per);
    const float* row = logits + (size_t) r * V;
    unsigned long long k = 0ull;
    for (int i = from + threadIdx.x; i < to; i += blockDim.x) {
        float v = row[i];
        if (v != v) continue;
        unsigned u = __float_as_uint(v);
        unsigned ordered = (u & 0x80000000u) ? ~u : (u | 0x80000000u);
        unsigned long long c = ((unsigned long long) ordered << 32) | (unsigned) ~i;
        if (c > k) k = c;
    }
    best[threadIdx.x] = k;
    __syncthreads();
    for (int h = blockDim.x / 2; h > 0; h >>= 1) {
        if (threadIdx.x < h && best[threadIdx.x + h] > best[threadIdx.x]) best[threadIdx.x] = best[threadIdx.x + h];
        __syncthreads();
    }
    if (threadIdx.x == 0 && best[0] != 0ull) atomicMax(keys + r, best[0]);
}

// Products for a few activation rows t < T <= 4 (decode steps), bound by reading the weights once, which cuBLAS's
// general kernels do at well under the memory rate for such thin products. A warp per output row (or per pair of
// rows); each lane reads 16-byte pieces (8 bf16) of the weight rows, eight per row at a time so that enough loads
// are in flight to cover the memory latency, and keeps T float sums per row; then the warp adds them up. The
// first weight loads are issued before waiting for the previous kernel. Needs K % 8 == 0 and 16-byte aligned
// rows. block 256 (8 warps)
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

// acc[r][t] = w[r] . X[t] summed over the warp (every lane gets the totals); calls pdl_wait(). 8 / ROWS loads
// per row in flight per lane.
template <int ROWS>
__device__ __forceinline__ void warp_dots(const uint4* const (&w)[ROWS], const bf16* __restrict__ X, int K, int T,
                                          float (&acc)[ROWS][4]) {
    const int U = 8 / ROWS;
    int lane = threadIdx.x & 31, K8 = K >> 3;
#pragma unroll
    for (int r = 0; r < ROWS; r++)
#pragma unroll
        for (int t = 0; t < 4; t++) acc[r][t] = 0.0f;
    uint4 wv[ROWS][U];
    bool waited = false;
    for (int base = lane; base < K8; base += 32 * U) {
#pragma unroll
        for (int r = 0; r < ROWS; r++)
#pragma unroll
            for (int u = 0; u < U; u++) {
                int i = base + 32 * u;
                wv[r][u] = i < K8 ? __ldcs(w[r] + i) : make_uint4(0u, 0u, 0u, 0u);  // read once a step: stream past the caches
            }
        if (!waited) {  // the weights never change; the activations come from the kernel before
            pdl_wait();
            waited = true;
        }
#pragma unroll
        for (int t = 0; t < 4; t++) {
            if (t < T) {
                const uint4* x = (const uint4*) (X + (size_t) t * K);
#pragma unroll
                for (int u = 0; u < U; u++) {
                    int i = base + 32 * u;
                    if (i < K8) {
                        uint4 xv = x[i];
#pragma unroll
                        for (int r = 0; r < ROWS; r++) acc[r][t] += dot8(wv[r][u], xv);
                    }
                }
            }
        }
    }
    if (!waited) pdl_wait();
#pragma unroll
    for (int r = 0; r < ROWS; r++)
#pragma unroll
        for (int t = 0; t < 4; t++)
            for (int o = 16; o > 0; o >>= 1) acc[r][t] += __shfl_xor_sync(0xffffffffu, acc[r][t], o);
}

// Y[t * N + n] = W[n] . X[t]; grid ceil(N / 8)
extern "C" __global__ void __launch_bounds__(256, 4) gemv_bf16(const bf16* __restrict__ W, const bf16* __restrict__ X, float* __restrict__ Y,
                                     int N, int K, int T) {
    pdl_launch_next();
    int n = (blockIdx.x * blockDim.x + threadIdx.x) >> 5, lane = threadIdx.x & 31;
    if (n >= N) return;
    const uint4* const w[1] = {(const uint4*) (W + (size_t) n * K)};
    float acc[1][4];
    warp_dots<1>(w, X, K, T, acc);
#pragma unroll
    for (int t = 0; t < 4; t++)
        if (t < T && lane == 0) Y[(size_t) t * N + n] = acc[0][t];
}

// The gate/up product with SwiGLU: W = [gate; up] (2I rows); act[t * I + n] = up . x * silu(gate . x) as bf16,
// gate row n and up row n in one warp (the [gate | up] product never goes to memory). grid ceil(I / 8)
extern "C" __global__ void __launch_bounds__(256, 3) gemv_swiglu(const bf16* __restrict__ W, const bf16* __restrict__ X, bf16* __restrict__ act,
                                       int I, int K, int T) {
    pdl_launch_next();
    int n = (blockIdx.x * blockDim.x + threadIdx.x) >> 5, lane = threadIdx.x & 31;
    if (n >= I) return;
    const uint4* const w[2] = {(const uint4*) (W + (size_t) n * K), (const uint4*) (W + (size_t) (I + n) * K)};
    float acc[2][4];
    warp_dots<2>(w, X, K, T, acc);
#pragma unroll
    for (int t = 0; t < 4; t++) {
        if (t < T && lane == 0) {
            float gate = acc[0][t], up = acc[1][t];
            act[(size_t) t * I + n] = f2bf(up * (gate / (1.0f + expf(-gate))));
        }
    }
}

// The [q | k | v] product with bias_rope_store's work done on its output: a warp computes rows 2j and 2j + 1 (a
// rotary pair when they fall in the rotated part of a q or k head), adds the biases, rotates, writes the rows to
// qkv and k, v as bf16 to the cache slot. grid ceil((qd + 2 kvd) / 16)
extern "C" __global__ void __launch_bounds__(256, 3) gemv_qkv_rope(const bf16* __restrict__ W, const bf16* __restrict__ X, float* __restrict__ qkv,
                                         const float* bias, int hasBias, int qd, int kvd, int hd, int rotHalf,
                                         const float* invFreq, float attnScale, const int* positions, const int* slots,
                                         bf16* kcache, bf16* vcache, int K, int T) {
    pdl_launch_next();
    int j = (blockIdx.x * blockDim.x + threadIdx.x) >> 5, lane = threadIdx.x & 31;
    int N = qd + 2 * kvd, r = 2 * j;
    if (r >= N) return;
    const uint4* const w[2] = {(const uint4*) (W + (size_t) r * K), (const uint4*) (W + (size_t) (r + 1) * K)};
    float acc[2][4];
    warp_dots<2>(w, X, K, T, acc);
    if (lane != 0) return;
    bool rotated = r < qd + kvd && (r % hd) / 2 < rotHalf;  // q and k heads are contiguous, qd a multiple of hd
#pragma unroll
    for (int t = 0; t < 4; t++) {
        if (t >= T) break;
        float a = acc[0][t], b = acc[1][t];
        if (hasBias) {
            a += bias[r];
            b += bias[r + 1];
        }
        if (rotated) {
            float angle = (float) positions[t] * invFreq[(r % hd) / 2];
            float c = cosf(angle) * attnScale, s = sinf(angle) * attnScale;
            float ra = a * c - b * s, rb = b * c + a * s;
            a = ra;
            b = rb;
        }
        float* row = qkv + (size_t) t * N;
        row[r] = a;
        row[r + 1] = b;
        if (r >= qd) {
            size_t slot = (size_t) slots[t] * kvd;
            bf16* cache = r < qd + kvd ? kcache + slot + (r - qd) : vcache + slot + (r - qd - kvd);
            cache[0] = f2bf(a);
            cache[1] = f2bf(b);
        }
    }
}

// ---- sampling on the device: the CPU Sampler's rules (transformers' order), one block per draw ----

// One draw: from logits row `row`; greedy, or temperature, top_k (0: off), top_p (1: off), min_p (0: off), and the
// uniform u of the request's random stream (RandomStream.uniform, computed on the host). No repetition penalty.
struct Draw {
    int row, topK, greedy;
    float temperature;
    double topP, minP, u;
};

#define SAMPLE_THREADS 1024
#define SAMPLE_CAP 2048

// an unsigned whose order is the float order (-0 as +0), as Sampler.sortableBits
__device__ __forceinline__ unsigned ordered_bits(float v) {
    unsigned u = __float_as_uint(v + 0.0f);
    return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}

__device__ unsigned long long block_max_u64(unsigned long long v) {
    __shared__ unsigned long long upart[32];
    for (int o = 16; o > 0; o >>= 1) {
        unsigned long long other = __shfl_xor_sync(0xffffffffu, v, o);
        v = other > v ? other : v;
    }
    __syncthreads();
    if ((threadIdx.x & 31) == 0) upart[threadIdx.x >> 5] = v;
    __syncthreads();
    v = (threadIdx.x & 31) < (blockDim.x >> 5) ? upart[threadIdx.x & 31] : 0ull;
    for (int o = 16; o > 0; o >>= 1) {
        unsigned long long other = __shfl_xor_sync(0xffffffffu, v, o);
        v = other > v ? other : v;
    }
    return v;
}

// ascending bitonic sort of keys[0..n), n a power of two <= SAMPLE_CAP
__device__ void block_sort_u64(unsigned long long* keys, int n) {
    for (int size = 2; size <= n; size <<= 1) {
        for (int stride = size >> 1; stride > 0; stride >>= 1) {
            __syncthreads();
            for (int i = threadIdx.x; i < n / 2; i += blockDim.x) {
                int lo = 2 * i - (i & (stride - 1)), hi = lo + stride;
                bool up = (lo & size) == 0;
                unsigned long long a = keys[lo], b = keys[hi];
                if ((a > b) == up) {
                    keys[lo] = b;
                    keys[hi] = a;
                }
            }
        }
    }
    __syncthreads();
}

// ids[d] = the token of draw d, or -1 where the device leaves the draw to the CPU sampler (a NaN or all -inf row,
// or more than SAMPLE_CAP tokens to sort). The candidates are the top_k tokens (ties kept), or without top_k the
// SAMPLE_CAP highest when top_p or min_p removes every token below them; sorted ascending by (score, id), top_p
// removes from the bottom while the cumulative probability stays <= 1 - top_p (the highest always stays), min_p
// removes p < min_p * p_max; the draw walks the kept tokens in id order to u * their total weight.
// grid draws, block SAMPLE_THREADS
extern "C" __global__ void __launch_bounds__(SAMPLE_THREADS) sample_rows(const float* logits, int V, const Draw* draws, int* ids) {
    pdl_launch_next();
    pdl_wait();
    __shared__ unsigned long long keys[SAMPLE_CAP];
    __shared__ double w[SAMPLE_CAP];
    __shared__ int hist[256];
    __shared__ int count, chosenDigit, start;
    const Draw dr = draws[blockIdx.x];
    const float* row = logits + (size_t) dr.row * V;
    const int tid = threadIdx.x;
    const float t = dr.temperature;
    const bool scale = !dr.greedy && t != 1.0f;
    // the maximum (and, greedy, the lowest id holding it); NaN anywhere sends the row to the CPU, which reports it
    unsigned long long best = 0ull;
    int nan = 0;
    for (int i = tid; i < V; i += SAMPLE_THREADS) {
        float s = row[i];
        if (s != s) nan = 1;
        if (scale) s = s / t;
        unsigned long long k = ((unsigned long long) ordered_bits(s) << 32) | (unsigned) ~i;
        best = k > best ? k : best;
    }
    best = block_max_u64(best);
    nan = __syncthreads_or(nan);
    if (nan || (unsigned) (best >> 32) == ordered_bits(NEG_INF)) {
        if (tid == 0) ids[blockIdx.x] = -1;
        return;
    }
    if (dr.greedy) {
        if (tid == 0) ids[blockIdx.x] = (int) ~(unsigned) best;
        return;
    }
    const unsigned maxBits = (unsigned) (best >> 32);
    const float m = maxBits & 0x80000000u ? __uint_as_float(maxBits & 0x7fffffffu) : __uint_as_float(~maxBits);
    // theta: the ordered bits of the c-th highest score, by radix select (8 bits at a time)
    const bool topK = dr.topK > 0 && dr.topK < V;
    int c = topK ? dr.topK : (V <= SAMPLE_CAP ? V : SAMPLE_CAP);
    unsigned prefix = 0u, mask = 0u;
    for (int shift = 24; shift >= 0; shift -= 8) {
        for (int i = tid; i < 256; i += SAMPLE_THREADS) hist[i] = 0;
        __syncthreads();
        for (int i = tid; i < V; i += SAMPLE_THREADS) {
            float s = row[i];
            if (scale) s = s / t;
            unsigned u = ordered_bits(s);
            if ((u & mask) == prefix) atomicAdd(&hist[(u >> shift) & 255], 1);
        }
        __syncthreads();
        if (tid == 0) {
            int d = 255;
            for (; d > 0; d--) {
                if (c <= hist[d]) break;
                c -= hist[d];
            }
            chosenDigit = d;
        }
        __syncthreads();
        prefix |= (unsigned) chosenDigit << shift;
        mask |= 255u << shift;
    }
    const unsigned theta = prefix;
    // candidates (score >= theta) into keys; weights of everything, and of what lies below the candidates
    if (tid == 0) count = 0;
    __syncthreads();
    double total = 0.0, below = 0.0;
    float belowMax = NEG_INF;
    for (int i = tid; i < V; i += SAMPLE_THREADS) {
        float s = row[i];
        if (scale) s = s / t;
        unsigned u = ordered_bits(s);
        if (u >= theta) {
            int at = atomicAdd(&count, 1);
            if (at < SAMPLE_CAP) keys[at] = ((unsigned long long) u << 32) | (unsigned) i;
            total += exp((double) s - m);
        } else if (!topK) {  // top_k removed it: it weighs nothing
            double e = exp((double) s - m);
            total += e;
            below += e;
            belowMax = fmaxf(belowMax, s);
        }
    }
    total = block_sum(total);
    below = block_sum(below);
    __shared__ float bm[32];
    for (int o = 16; o > 0; o >>= 1) belowMax = fmaxf(belowMax, __shfl_xor_sync(0xffffffffu, belowMax, o));
    if ((tid & 31) == 0) bm[tid >> 5] = belowMax;
    __syncthreads();
    belowMax = NEG_INF;
    for (int k = 0; k < SAMPLE_THREADS / 32; k++) belowMax = fmaxf(belowMax, bm[k]);
    const int n = count;
    const double threshold = 1.0 - dr.topP;
    // without top_k, the tokens below the candidates must all go: top_p takes them (they come first in ascending
    // order) or min_p does (the highest of them is under min_p)
    bool belowGoes = topK || below == 0.0 || (dr.topP < 1.0 && below / total <= threshold)
                     || (dr.minP > 0.0 && exp((double) belowMax - m) < dr.minP);
    if (n > SAMPLE_CAP || !belowGoes) {
        if (tid == 0) ids[blockIdx.x] = -1;
        return;
    }
    int P = 1;
    while (P < n) P <<= 1;
    for (int i = n + tid; i < P; i += SAMPLE_THREADS) keys[i] = ~0ull;
    block_sort_u64(keys, P);
    for (int j = tid; j < n; j += SAMPLE_THREADS) {
        float s = row[(unsigned) keys[j]];
        if (scale) s = s / t;
        w[j] = exp((double) s - m);
    }
    __syncthreads();
    if (tid == 0) {
        int first = 0;
        if (dr.topP < 1.0) {
            double cumulative = below / total;
            for (; first < n - 1; first++) {  // the last (highest) always stays
                cumulative += w[first] / total;
                if (cumulative > threshold) break;
            }
        }
        start = first;
    }
    __syncthreads();
    // the kept candidates by id: (id << 32 | sorted position), the rest past the end
    // (weight 0: exp underflowed; never drawn, as on the CPU). SAMPLE_CAP = 2 SAMPLE_THREADS: two keys a thread
    unsigned long long k2[2];
#pragma unroll
    for (int h = 0; h < 2; h++) {
        int j = tid + h * SAMPLE_THREADS;
        bool kept = j >= start && j < n && w[j] > 0.0 && (dr.minP <= 0.0 || w[j] >= dr.minP);
        k2[h] = kept ? ((unsigned long long) (unsigned) keys[j] << 32) | (unsigned) j : ~0ull;
    }
    __syncthreads();
#pragma unroll
    for (int h = 0; h < 2; h++)
        if (tid + h * SAMPLE_THREADS < P) keys[tid + h * SAMPLE_THREADS] = k2[h];
    block_sort_u64(keys, P);
    if (tid == 0) {
        double sum = 0.0;
        int last = -1;
        for (int j = 0; j < n && keys[j] != ~0ull; j++) sum += w[(unsigned) keys[j]];
        double target = dr.u * sum, acc = 0.0;
        int pick = -1;
        for (int j = 0; j < n && keys[j] != ~0ull; j++) {
            acc += w[(unsigned) keys[j]];
            last = (int) (keys[j] >> 32);
            if (target < acc) {
                pick = last;
                break;
            }
        }
        ids[blockIdx.x] = pick >= 0 ? pick : last;  // u * total rounded up to the total: the last token
    }
}
