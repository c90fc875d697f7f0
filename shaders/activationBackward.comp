// activationBackward.comp — Backend.activationBackward: dx = dy ⊙ act'(x) (dx may alias dy).
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "activation.glsl"
WG_SIZE_SPEC
FLOAT_BUFFER(0, BufX, x)
FLOAT_BUFFER(1, BufDy, dy)
FLOAT_BUFFER(2, BufDx, dx)
layout(push_constant) uniform Push { uint oX, oDy, oDx; uint n; } p;

void main() {
    for (uint i = GRID_START; i < p.n; i += GRID_STRIDE)
        dx[p.oDx + i] = dy[p.oDy + i] * actDerivative(x[p.oX + i]);
}
