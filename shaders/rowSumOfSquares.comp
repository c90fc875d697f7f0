// rowSumOfSquares.comp — Backend.rowSumOfSquares: out[r] = Σ_c x[r,c]²  for x (R,C), out (R).
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
WG_SIZE_SPEC
FLOAT_BUFFER(0, BufX, x)
FLOAT_BUFFER(1, BufOut, outv)
layout(push_constant) uniform Push { uint oX, oOut; uint rows, cols; } p;

void main() {
    for (uint r = GRID_START; r < p.rows; r += GRID_STRIDE) {
        float s = 0.0;
        for (uint c = 0; c < p.cols; c++) { float v = x[p.oX + r * p.cols + c]; s += v * v; }
        outv[p.oOut + r] = s;
    }
}
