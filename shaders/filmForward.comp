// filmForward.comp — Backend.filmForward: x, y (B,C,S), scale, shift (B,C) broadcast over S:
//   y = x·(1 + scale[b,c]) + shift[b,c]   (y may alias x)
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
WG_SIZE_SPEC
FLOAT_BUFFER(0, BufX, x)
FLOAT_BUFFER(1, BufScale, scale)
FLOAT_BUFFER(2, BufShift, shift)
FLOAT_BUFFER(3, BufY, y)
layout(push_constant) uniform Push { uint oX, oScale, oShift, oY; uint rows, S; } p;

void main() {
    uint n = p.rows * p.S;
    for (uint i = GRID_START; i < n; i += GRID_STRIDE) {
        uint r = i / p.S;
        y[p.oY + i] = x[p.oX + i] * (1.0 + scale[p.oScale + r]) + shift[p.oShift + r];
    }
}
