// conv2dBackward.comp — the passes of Backend.conv2dBackward around two matmuls (matmul.comp),
// shapes as in conv2dForward.comp, dy (B,O,OH,OW), per chunk of `items` batch items:
//   -DGATHER     dy (items, O, N) → dyS (O, items·N), the layout of the forward's tmp
//   (then dW (O,K) += dyS · colᵀ and dcol (K, items·N) = wᵀ · dyS, col from conv2dForward -DIM2COL)
//   -DCOL2IM     dcol → dx (items, C, H, W) overwritten, one invocation per input element summing
//                the taps that read it (deterministic, no atomics):
//                dx[item,c,iy,ix] = Σ_{ky,kx} dcol[(c·KH+ky)·KW+kx, item·N + i·OW + j]
//                over i·stride = iy + padH − ky, j·stride = ix + padW − kx inside the output
//   -DBIAS_GRAD  dy → dBias (O) +=, one invocation per output channel over the whole batch
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
WG_SIZE_SPEC
#define CONV_PARAMS uint B, C, H, W, O, KH, KW, OH, OW, stride, padH, padW, items;
FLOAT_BUFFER(0, BufIn, inv)
FLOAT_BUFFER(1, BufOut, outv)
layout(push_constant) uniform Push { uint oIn, oOut; CONV_PARAMS } p;
#if !defined(GATHER) && !defined(COL2IM) && !defined(BIAS_GRAD)
#error "define one of GATHER, COL2IM, BIAS_GRAD"
#endif

void main() {
    uint N = p.OH * p.OW;
#if defined(GATHER)
    uint n = p.items * p.O * N;
    for (uint idx = GRID_START; idx < n; idx += GRID_STRIDE) {
        uint q = idx % N, t = idx / N;                  // idx = (o·items + item)·N + q
        uint item = t % p.items, o = t / p.items;
        outv[p.oOut + idx] = inv[p.oIn + (item * p.O + o) * N + q];
    }
#elif defined(COL2IM)
    uint n = p.items * p.C * p.H * p.W;
    uint ld = p.items * N;
    for (uint idx = GRID_START; idx < n; idx += GRID_STRIDE) {
        uint ix = idx % p.W, t = idx / p.W;
        uint iy = t % p.H; t /= p.H;
        uint c = t % p.C, item = t / p.C;
        float acc = 0.0;
        for (uint ky = 0; ky < p.KH; ky++) {
            int ni = int(iy + p.padH) - int(ky);
            if (ni < 0 || ni % int(p.stride) != 0) continue;
            uint i = uint(ni) / p.stride;
            if (i >= p.OH) continue;
            for (uint kx = 0; kx < p.KW; kx++) {
                int nj = int(ix + p.padW) - int(kx);
                if (nj < 0 || nj % int(p.stride) != 0) continue;
                uint j = uint(nj) / p.stride;
                if (j >= p.OW) continue;
                acc += inv[p.oIn + ((c * p.KH + ky) * p.KW + kx) * ld + item * N + i * p.OW + j];
            }
        }
        outv[p.oOut + idx] = acc;
    }
#else
    for (uint o = GRID_START; o < p.O; o += GRID_STRIDE) {
        float acc = 0.0;
        for (uint b = 0; b < p.B; b++) {
            uint base = p.oIn + (b * p.O + o) * N;
            for (uint q = 0; q < N; q++) acc += inv[base + q];
        }
        outv[p.oOut + o] += acc;
    }
#endif
}
