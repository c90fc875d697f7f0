// matmul.comp — Backend.matmul (and linearForward with -DBIAS): tiled SGEMM.
//   C(M,N) = alpha · op(A)(M,K) · op(B)(K,N) + beta · C      (beta == 0 ignores C's old contents)
//   -DTRANS_A: A stored (K,M);  -DTRANS_B: B stored (N,K);  otherwise A (M,K), B (K,N).
//   -DBIAS (linearForward, used with TRANS_B): C = op(A)·op(B) + bias(N)  (alpha, beta unused).
// Each workgroup computes a TILE_M × TILE_N tile of C; tiles of op(A) and op(B) are staged in
// shared memory TILE_K columns at a time; each invocation keeps a REG_M × REG_N register block.
// Workgroup size and register block are specialization constants, so the host picks tiles per
// device. Loads outside the matrices read 0, so any M, N, K works.
//   -DDIRECT: no shared memory and no barriers; each invocation reads its operands straight from
//   the buffers (register blocking only) — faster on CPU implementations such as lavapipe.
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x_id = 0, local_size_y_id = 1) in;   // WG_X × WG_Y invocations
layout(constant_id = 2) const uint REG_M = 4;
layout(constant_id = 3) const uint REG_N = 4;
layout(constant_id = 4) const uint TILE_K = 16;
const uint WG_X = gl_WorkGroupSize.x;
const uint WG_Y = gl_WorkGroupSize.y;
const uint TILE_M = WG_Y * REG_M;
const uint TILE_N = WG_X * REG_N;
const uint THREADS = WG_X * WG_Y;

FLOAT_BUFFER(0, BufA, A)
FLOAT_BUFFER(1, BufB, B)
#ifdef BIAS
FLOAT_BUFFER(2, BufBias, bias)
FLOAT_BUFFER(3, BufC, C)
layout(push_constant) uniform Push { uint oA, oB, oBias, oC; uint M, N, K; float alpha, beta; } p;
#else
FLOAT_BUFFER(2, BufC, C)
layout(push_constant) uniform Push { uint oA, oB, oC; uint M, N, K; float alpha, beta; } p;
#endif

#ifndef DIRECT
shared float As[TILE_K][TILE_M];
shared float Bs[TILE_K][TILE_N];
#endif

// op(A)[i, k], 0 outside (M, K)
float loadA(uint i, uint k) {
    if (i >= p.M || k >= p.K) return 0.0;
#ifdef TRANS_A
    return A[p.oA + k * p.M + i];
#else
    return A[p.oA + i * p.K + k];
#endif
}

// op(B)[k, j], 0 outside (K, N)
float loadB(uint k, uint j) {
    if (k >= p.K || j >= p.N) return 0.0;
#ifdef TRANS_B
    return B[p.oB + j * p.K + k];
#else
    return B[p.oB + k * p.N + j];
#endif
}

void main() {
    uint tx = gl_LocalInvocationID.x, ty = gl_LocalInvocationID.y;
    uint tid = ty * WG_X + tx;
    uint row0 = gl_WorkGroupID.y * TILE_M, col0 = gl_WorkGroupID.x * TILE_N;

    float acc[REG_M][REG_N];
    for (uint r = 0; r < REG_M; r++)
        for (uint c = 0; c < REG_N; c++) acc[r][c] = 0.0;

#ifdef DIRECT
    uint rows[REG_M], cols[REG_N];
    for (uint r = 0; r < REG_M; r++) rows[r] = row0 + ty + r * WG_Y;
    for (uint c = 0; c < REG_N; c++) cols[c] = col0 + tx + c * WG_X;
    // Rows / columns outside C are clamped to the last one (their results are never stored),
    // so the inner loop has no bounds checks.
    uint aBase[REG_M], bBase[REG_N];
    for (uint r = 0; r < REG_M; r++) {
        uint i = min(rows[r], p.M - 1);
#ifdef TRANS_A
        aBase[r] = p.oA + i;
#else
        aBase[r] = p.oA + i * p.K;
#endif
    }
    for (uint c = 0; c < REG_N; c++) {
        uint j = min(cols[c], p.N - 1);
#ifdef TRANS_B
        bBase[c] = p.oB + j * p.K;
#else
        bBase[c] = p.oB + j;
#endif
    }
#ifdef TRANS_A
    const uint aStride = p.M;
#else
    const uint aStride = 1;
#endif
#ifdef TRANS_B
    const uint bStride = 1;
#else
    const uint bStride = p.N;
#endif
    for (uint k = 0; k < p.K; k++) {
        float a[REG_M];
        float b[REG_N];
        for (uint r = 0; r < REG_M; r++) a[r] = A[aBase[r] + k * aStride];
        for (uint c = 0; c < REG_N; c++) b[c] = B[bBase[c] + k * bStride];
        for (uint r = 0; r < REG_M; r++)
            for (uint c = 0; c < REG_N; c++) acc[r][c] = fma(a[r], b[c], acc[r][c]);
    }
#else
    for (uint k0 = 0; k0 < p.K; k0 += TILE_K) {
        // Stage the tiles; consecutive invocations read consecutive addresses.
        for (uint e = tid; e < TILE_K * TILE_M; e += THREADS) {
#ifdef TRANS_A
            uint kk = e / TILE_M, ii = e % TILE_M;
#else
            uint ii = e / TILE_K, kk = e % TILE_K;
#endif
            As[kk][ii] = loadA(row0 + ii, k0 + kk);
        }
        for (uint e = tid; e < TILE_K * TILE_N; e += THREADS) {
#ifdef TRANS_B
            uint jj = e / TILE_K, kk = e % TILE_K;
#else
            uint kk = e / TILE_N, jj = e % TILE_N;
#endif
            Bs[kk][jj] = loadB(k0 + kk, col0 + jj);
        }
        barrier();
        for (uint kk = 0; kk < TILE_K; kk++) {
            float a[REG_M];
            float b[REG_N];
            for (uint r = 0; r < REG_M; r++) a[r] = As[kk][ty + r * WG_Y];
            for (uint c = 0; c < REG_N; c++) b[c] = Bs[kk][tx + c * WG_X];
            for (uint r = 0; r < REG_M; r++)
                for (uint c = 0; c < REG_N; c++) acc[r][c] = fma(a[r], b[c], acc[r][c]);
        }
        barrier();
    }
#endif

    for (uint r = 0; r < REG_M; r++) {
        uint i = row0 + ty + r * WG_Y;
        if (i >= p.M) continue;
        for (uint c = 0; c < REG_N; c++) {
            uint j = col0 + tx + c * WG_X;
            if (j >= p.N) continue;
            uint at = p.oC + i * p.N + j;
#ifdef BIAS
            C[at] = acc[r][c] + bias[p.oBias + j];
#else
            float old = p.beta == 0.0 ? 0.0 : p.beta * C[at];
            C[at] = p.alpha * acc[r][c] + old;
#endif
        }
    }
}
