// upsampleNearestBackward.comp — Backend.upsampleNearestBackward: dy (B·C, H·FH, W·FW) →
//   dx (B·C, H, W) overwritten, dx[q,i,j] = Σ_{a<FH, c<FW} dy[q, i·FH + a, j·FW + c] (in that order)
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
WG_SIZE_SPEC
FLOAT_BUFFER(0, BufDy, dy)
FLOAT_BUFFER(1, BufDx, dx)
layout(push_constant) uniform Push { uint oDy, oDx; uint planes, H, W, FH, FW; } p;

void main() {
    uint ow = p.W * p.FW, oh = p.H * p.FH;
    uint n = p.planes * p.H * p.W;
    for (uint idx = GRID_START; idx < n; idx += GRID_STRIDE) {
        uint j = idx % p.W, t = idx / p.W;
        uint i = t % p.H, q = t / p.H;
        float acc = 0.0;
        for (uint a = 0; a < p.FH; a++) {
            for (uint c = 0; c < p.FW; c++) acc += dy[p.oDy + (q * oh + i * p.FH + a) * ow + j * p.FW + c];
        }
        dx[p.oDx + idx] = acc;
    }
}
