// conv2dForward.comp — Backend.conv2dForward, direct convolution, one invocation per output:
//   x (B,C,H,W), w (O,C,KH,KW), bias (O), y (B,O,OH,OW);
//   y[b,o,i,j] = bias[o] + Σ_{c,ky,kx} w[o,c,ky,kx]·x[b,c,i·stride+ky−padH,j·stride+kx−padW]
//   (zero padding; terms in c, ky, kx order). 1-D convolutions are H = KH = 1.
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
WG_SIZE_SPEC
FLOAT_BUFFER(0, BufX, x)
FLOAT_BUFFER(1, BufW, w)
FLOAT_BUFFER(2, BufBias, bias)
FLOAT_BUFFER(3, BufY, y)
layout(push_constant) uniform Push {
    uint oX, oW, oBias, oY;
    uint B, C, H, W, O, KH, KW, OH, OW, stride, padH, padW;
} p;

void main() {
    uint n = p.B * p.O * p.OH * p.OW;
    for (uint idx = GRID_START; idx < n; idx += GRID_STRIDE) {
        uint j = idx % p.OW, t = idx / p.OW;
        uint i = t % p.OH; t /= p.OH;
        uint o = t % p.O, b = t / p.O;
        float acc = bias[p.oBias + o];
        for (uint c = 0; c < p.C; c++) {
            uint xPlane = p.oX + (b * p.C + c) * p.H * p.W;
            uint wBase = p.oW + (o * p.C + c) * p.KH * p.KW;
            for (uint ky = 0; ky < p.KH; ky++) {
                int iy = int(i * p.stride + ky) - int(p.padH);
                if (iy < 0 || iy >= int(p.H)) continue;
                for (uint kx = 0; kx < p.KW; kx++) {
                    int ix = int(j * p.stride + kx) - int(p.padW);
                    if (ix < 0 || ix >= int(p.W)) continue;
                    acc += w[wBase + ky * p.KW + kx] * x[xPlane + uint(iy) * p.W + uint(ix)];
                }
            }
        }
        y[p.oY + idx] = acc;
    }
}
