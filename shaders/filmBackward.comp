// filmBackward.comp — Backend.filmBackward: x, dy, dx (B,C,S), scale, dScale, dShift (B,C).
// One invocation per row (b, c), s in order: dScale = Σ_s dy·x, dShift = Σ_s dy,
// dx = dy·(1 + scale); all overwritten (dx may alias dy: each element is read before it is written).
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
WG_SIZE_SPEC
FLOAT_BUFFER(0, BufX, x)
FLOAT_BUFFER(1, BufScale, scale)
FLOAT_BUFFER(2, BufDy, dy)
FLOAT_BUFFER(3, BufDx, dx)
FLOAT_BUFFER(4, BufDScale, dScale)
FLOAT_BUFFER(5, BufDShift, dShift)
layout(push_constant) uniform Push { uint oX, oScale, oDy, oDx, oDScale, oDShift; uint rows, S; } p;

void main() {
    for (uint r = GRID_START; r < p.rows; r += GRID_STRIDE) {
        float a = 1.0 + scale[p.oScale + r];
        float ss = 0.0, sh = 0.0;
        for (uint s = 0; s < p.S; s++) {
            uint i = r * p.S + s;
            float d = dy[p.oDy + i];
            ss += d * x[p.oX + i];
            sh += d;
            dx[p.oDx + i] = d * a;
        }
        dScale[p.oDScale + r] = ss;
        dShift[p.oDShift + r] = sh;
    }
}
