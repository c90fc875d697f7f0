// axpbypcz.comp — Backend.axpbypcz: out = a·x + b·y + c·z (out may alias any input).
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
WG_SIZE_SPEC
FLOAT_BUFFER(0, BufX, x)
FLOAT_BUFFER(1, BufY, y)
FLOAT_BUFFER(2, BufZ, z)
FLOAT_BUFFER(3, BufOut, outv)
layout(push_constant) uniform Push { uint oX, oY, oZ, oOut; uint n; float a, b, c; } p;

void main() {
    for (uint i = GRID_START; i < p.n; i += GRID_STRIDE)
        outv[p.oOut + i] = p.a * x[p.oX + i] + p.b * y[p.oY + i] + p.c * z[p.oZ + i];
}
