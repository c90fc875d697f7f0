// timeEmbedding.comp — Backend.timeEmbedding: t (B), out (B, 2·half),
//   freq_i = exp(-ln(10000)·i/half), out[b,i] = sin(scale·t[b]·freq_i), out[b,half+i] = cos(...).
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
WG_SIZE_SPEC
FLOAT_BUFFER(0, BufT, t)
FLOAT_BUFFER(1, BufOut, outv)
layout(push_constant) uniform Push { uint oT, oOut; uint batch, half_; float scale; } p;

void main() {
    uint n = p.batch * p.half_;
    float lnBase = log(10000.0);
    for (uint idx = GRID_START; idx < n; idx += GRID_STRIDE) {
        uint b = idx / p.half_, i = idx % p.half_;
        float freq = exp(-lnBase * float(i) / float(max(p.half_, 1u)));
        float arg = p.scale * t[p.oT + b] * freq;
        uint row = p.oOut + b * 2u * p.half_;
        outv[row + i] = sin(arg);
        outv[row + p.half_ + i] = cos(arg);
    }
}
