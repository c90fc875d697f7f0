// fill.comp — Backend.fill (also zero-initialises new buffers): out[i] = value.
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
WG_SIZE_SPEC
FLOAT_BUFFER(0, BufOut, outv)
layout(push_constant) uniform Push { uint oOut; uint n; float value; } p;

void main() {
    for (uint i = GRID_START; i < p.n; i += GRID_STRIDE) outv[p.oOut + i] = p.value;
}
