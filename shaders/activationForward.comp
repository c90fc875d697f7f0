// activationForward.comp — Backend.activationForward: y = act(x), act from -DSILU/-DGELU/-DRELU.
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "activation.glsl"
WG_SIZE_SPEC
FLOAT_BUFFER(0, BufX, x)
FLOAT_BUFFER(1, BufY, y)
layout(push_constant) uniform Push { uint oX, oY; uint n; } p;

void main() {
    for (uint i = GRID_START; i < p.n; i += GRID_STRIDE) y[p.oY + i] = act(x[p.oX + i]);
}
