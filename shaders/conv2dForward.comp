// conv2dForward.comp — the two passes of Backend.conv2dForward around a matmul (matmul.comp):
//   x (B,C,H,W), w (O,C,KH,KW), bias (O), y (B,O,OH,OW), per chunk of `items` batch items,
//   K = C·KH·KW, N = OH·OW:
//   -DIM2COL   x → col (K, items·N): col[(c·KH + ky)·KW + kx, item·N + i·OW + j]
//              = x[item, c, i·stride + ky − padH, j·stride + kx − padW], 0 in the zero padding
//   (then the host's matmul: tmp (O, items·N) = w (O, K) · col)
//   -DSCATTER  tmp (O, items·N), bias → y (items, O, N): y[item, o, p] = tmp[o, item·N + p] + bias[o]
// 1-D convolutions are H = KH = 1.
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
WG_SIZE_SPEC
#define CONV_PARAMS uint B, C, H, W, O, KH, KW, OH, OW, stride, padH, padW, items;
#if defined(IM2COL)
FLOAT_BUFFER(0, BufX, x)
FLOAT_BUFFER(1, BufCol, col)
layout(push_constant) uniform Push { uint oX, oCol; CONV_PARAMS } p;
#elif defined(SCATTER)
FLOAT_BUFFER(0, BufTmp, tmp)
FLOAT_BUFFER(1, BufBias, bias)
FLOAT_BUFFER(2, BufY, y)
layout(push_constant) uniform Push { uint oTmp, oBias, oY; CONV_PARAMS } p;
#else
#error "define IM2COL or SCATTER"
#endif

void main() {
    uint N = p.OH * p.OW;
#if defined(IM2COL)
    uint n = p.C * p.KH * p.KW * p.items * N;
    for (uint idx = GRID_START; idx < n; idx += GRID_STRIDE) {
        uint q = idx % N, t = idx / N;                  // idx = (r·items + item)·N + q
        uint item = t % p.items, r = t / p.items;
        uint c = r / (p.KH * p.KW), ky = (r / p.KW) % p.KH, kx = r % p.KW;
        int iy = int((q / p.OW) * p.stride + ky) - int(p.padH);
        int ix = int((q % p.OW) * p.stride + kx) - int(p.padW);
        float v = 0.0;
        if (iy >= 0 && iy < int(p.H) && ix >= 0 && ix < int(p.W)) {
            v = x[p.oX + ((item * p.C + c) * p.H + uint(iy)) * p.W + uint(ix)];
        }
        col[p.oCol + idx] = v;
    }
#else
    uint n = p.items * p.O * N;
    for (uint idx = GRID_START; idx < n; idx += GRID_STRIDE) {
        uint q = idx % N, t = idx / N;                  // idx = (item·O + o)·N + q
        uint o = t % p.O, item = t / p.O;
        y[p.oY + idx] = tmp[p.oTmp + o * p.items * N + item * N + q] + bias[p.oBias + o];
    }
#endif
}
