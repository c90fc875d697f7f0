// axpby.comp — Backend.axpby: out = a·x + b·y (out may alias x or y).
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
WG_SIZE_SPEC
FLOAT_BUFFER(0, BufX, x)
FLOAT_BUFFER(1, BufY, y)
FLOAT_BUFFER(2, BufOut, outv)
layout(push_constant) uniform Push { uint oX, oY, oOut; uint n; float a, b; } p;

void main() {
    for (uint i = GRID_START; i < p.n; i += GRID_STRIDE)
        outv[p.oOut + i] = p.a * x[p.oX + i] + p.b * y[p.oY + i];
}
