// conv2dBackward.comp — Backend.conv2dBackward, direct sums (deterministic, no atomics), shapes
// as in conv2dForward.comp; dy (B,O,OH,OW). One variant per gradient:
//   -DINPUT_GRAD   w, dy → dx (B,C,H,W) overwritten, one invocation per input element:
//                  dx[b,c,iy,ix] = Σ_{o,ky,kx} w[o,c,ky,kx]·dy[b,o,i,j] over i·stride+ky−padH = iy, j·stride+kx−padW = ix
//   -DWEIGHT_GRAD  x, dy → dW (O,C,KH,KW) +=, one invocation per weight: Σ_{b,i,j} dy·x
//   -DBIAS_GRAD    dy → dBias (O) +=, one invocation per output channel: Σ_{b,i,j} dy
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
WG_SIZE_SPEC
#define CONV_PARAMS uint B, C, H, W, O, KH, KW, OH, OW, stride, padH, padW;
#if defined(BIAS_GRAD)
FLOAT_BUFFER(0, BufDy, dy)
FLOAT_BUFFER(1, BufOut, outv)
layout(push_constant) uniform Push { uint oDy, oOut; CONV_PARAMS } p;
#elif defined(INPUT_GRAD) || defined(WEIGHT_GRAD)
FLOAT_BUFFER(0, BufIn, inv)      // w (INPUT_GRAD) or x (WEIGHT_GRAD)
FLOAT_BUFFER(1, BufDy, dy)
FLOAT_BUFFER(2, BufOut, outv)
layout(push_constant) uniform Push { uint oIn, oDy, oOut; CONV_PARAMS } p;
#else
#error "define one of INPUT_GRAD, WEIGHT_GRAD, BIAS_GRAD"
#endif

void main() {
#if defined(INPUT_GRAD)
    uint n = p.B * p.C * p.H * p.W;
    for (uint idx = GRID_START; idx < n; idx += GRID_STRIDE) {
        uint ix = idx % p.W, t = idx / p.W;
        uint iy = t % p.H; t /= p.H;
        uint c = t % p.C, b = t / p.C;
        float acc = 0.0;
        for (uint o = 0; o < p.O; o++) {
            uint dyPlane = p.oDy + (b * p.O + o) * p.OH * p.OW;
            uint wBase = p.oIn + (o * p.C + c) * p.KH * p.KW;
            for (uint ky = 0; ky < p.KH; ky++) {
                int ni = int(iy + p.padH) - int(ky);              // i·stride
                if (ni < 0 || ni % int(p.stride) != 0) continue;
                uint i = uint(ni) / p.stride;
                if (i >= p.OH) continue;
                for (uint kx = 0; kx < p.KW; kx++) {
                    int nj = int(ix + p.padW) - int(kx);
                    if (nj < 0 || nj % int(p.stride) != 0) continue;
                    uint j = uint(nj) / p.stride;
                    if (j >= p.OW) continue;
                    acc += inv[wBase + ky * p.KW + kx] * dy[dyPlane + i * p.OW + j];
                }
            }
        }
        outv[p.oOut + idx] = acc;
    }
#elif defined(WEIGHT_GRAD)
    uint n = p.O * p.C * p.KH * p.KW;
    for (uint idx = GRID_START; idx < n; idx += GRID_STRIDE) {
        uint kx = idx % p.KW, t = idx / p.KW;
        uint ky = t % p.KH; t /= p.KH;
        uint c = t % p.C, o = t / p.C;
        float acc = 0.0;
        for (uint b = 0; b < p.B; b++) {
            uint dyPlane = p.oDy + (b * p.O + o) * p.OH * p.OW;
            uint xPlane = p.oIn + (b * p.C + c) * p.H * p.W;
            for (uint i = 0; i < p.OH; i++) {
                int iy = int(i * p.stride + ky) - int(p.padH);
                if (iy < 0 || iy >= int(p.H)) continue;
                for (uint j = 0; j < p.OW; j++) {
                    int ix = int(j * p.stride + kx) - int(p.padW);
                    if (ix < 0 || ix >= int(p.W)) continue;
                    acc += dy[dyPlane + i * p.OW + j] * inv[xPlane + uint(iy) * p.W + uint(ix)];
                }
            }
        }
        outv[p.oOut + idx] += acc;
    }
#else
    uint plane = p.OH * p.OW;
    for (uint o = GRID_START; o < p.O; o += GRID_STRIDE) {
        float acc = 0.0;
        for (uint b = 0; b < p.B; b++) {
            uint base = p.oDy + (b * p.O + o) * plane;
            for (uint q = 0; q < plane; q++) acc += dy[base + q];
        }
        outv[p.oOut + o] += acc;
    }
#endif
}
