// gaussianNoise.comp — Backend.gaussianNoise: Philox4x32-10 + Box–Muller, the layout of
// Philox.swift: element i uses block j = counterBase + i/4, lane i % 4; key = seed (lo, hi),
// counter = (j lo, j hi, 0, 0); lanes (0,1) from words (w0,w1), lanes (2,3) from (w2,w3).
// -DRAW_WORDS (test/debug): element i receives raw word i % 4 of block j, bits unchanged.
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
WG_SIZE_SPEC
#ifdef RAW_WORDS
layout(std430, binding = 0) buffer BufOut { uint outv[]; };
#else
FLOAT_BUFFER(0, BufOut, outv)
#endif
layout(push_constant) uniform Push { uint oOut; uint n; uint seedLo, seedHi, baseLo, baseHi; } p;

void main() {
    uint blocks = (p.n + 3u) / 4u;
    for (uint j = GRID_START; j < blocks; j += GRID_STRIDE) {
        uint carry;
        uint lo = uaddCarry(p.baseLo, j, carry);
        uvec4 w = philox4x32_10(uvec4(lo, p.baseHi + carry, 0u, 0u), uvec2(p.seedLo, p.seedHi));
#ifdef RAW_WORDS
        uvec4 lanes = w;
#else
        vec4 lanes = vec4(boxMuller(w.x, w.y), boxMuller(w.z, w.w));
#endif
        uint base = 4u * j;
        for (uint l = 0u; l < 4u; l++)
            if (base + l < p.n) outv[p.oOut + base + l] = lanes[l];
    }
}
