// upsampleNearestForward.comp — Backend.upsampleNearestForward: x (B·C, H, W) →
//   y (B·C, H·FH, W·FW), y[q,i,j] = x[q, i/FH, j/FW]   (FH = FW = 2: images; FH = 1: sequences)
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
WG_SIZE_SPEC
FLOAT_BUFFER(0, BufX, x)
FLOAT_BUFFER(1, BufY, y)
layout(push_constant) uniform Push { uint oX, oY; uint planes, H, W, FH, FW; } p;

void main() {
    uint oh = p.H * p.FH, ow = p.W * p.FW;
    uint n = p.planes * oh * ow;
    for (uint idx = GRID_START; idx < n; idx += GRID_STRIDE) {
        uint j = idx % ow, t = idx / ow;
        uint i = t % oh, q = t / oh;
        y[p.oY + idx] = x[p.oX + (q * p.H + i / p.FH) * p.W + j / p.FW];
    }
}
