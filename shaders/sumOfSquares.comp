// sumOfSquares.comp — Backend.sumOfSquares, a deterministic two-pass reduction.
//   pass 1 (default): partial[g] = Σ x[i]² over the grid-stride elements of workgroup g
//   pass 2 (-DFINAL, one workgroup): out[0] = scale · Σ partial[g]
// mseLoss reuses pass 2 (scale = 1/N) after mseLoss.comp wrote its partial sums.
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
WG_SIZE_SPEC
#include "reduce.glsl"
FLOAT_BUFFER(0, BufIn, inv)
FLOAT_BUFFER(1, BufOut, outv)
layout(push_constant) uniform Push { uint oIn, oOut; uint n; float scale; } p;

void main() {
    float s = 0.0;
    for (uint i = GRID_START; i < p.n; i += GRID_STRIDE) {
        float v = inv[p.oIn + i];
#ifdef FINAL
        s += v;
#else
        s += v * v;
#endif
    }
    float total = workgroupSum(s);
    if (gl_LocalInvocationID.x == 0) outv[p.oOut + gl_WorkGroupID.x] = p.scale * total;
}
