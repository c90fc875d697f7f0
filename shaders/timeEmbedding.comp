// timeEmbedding.comp — Backend.timeEmbedding: t (B), freq (half), out (B, 2·half),
//   out[b,i] = sin(scale·t[b]·freq_i), out[b,half+i] = cos(...), freq_i = exp(-ln(10000)·i/half)
// computed on the host (ReferenceMath.timeFrequency, the CPU's floats) and bound as a buffer.
// sin/cos are portableSinCos (common.glsl): arguments reach ~1000 rad (scale 1000), far outside
// the [-pi, pi] where Vulkan bounds the driver's sin/cos, so the driver's are not used.
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
WG_SIZE_SPEC
FLOAT_BUFFER(0, BufT, t)
FLOAT_BUFFER(1, BufFreq, freq)
FLOAT_BUFFER(2, BufOut, outv)
layout(push_constant) uniform Push { uint oT, oFreq, oOut; uint batch, half_; float scale; } p;

void main() {
    uint n = p.batch * p.half_;
    for (uint idx = GRID_START; idx < n; idx += GRID_STRIDE) {
        uint b = idx / p.half_, i = idx % p.half_;
        precise float arg = p.scale * t[p.oT + b] * freq[p.oFreq + i];
        vec2 sc = portableSinCos(arg);
        uint row = p.oOut + b * 2u * p.half_;
        outv[row + i] = sc.x;
        outv[row + p.half_ + i] = sc.y;
    }
}
