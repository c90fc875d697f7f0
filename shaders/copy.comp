// copy.comp — Backend.copy: dst[i] = src[i] (non-overlapping ranges).
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
WG_SIZE_SPEC
FLOAT_BUFFER(0, BufSrc, src)
FLOAT_BUFFER(1, BufDst, dst)
layout(push_constant) uniform Push { uint oSrc, oDst; uint n; } p;

void main() {
    for (uint i = GRID_START; i < p.n; i += GRID_STRIDE) dst[p.oDst + i] = src[p.oSrc + i];
}
