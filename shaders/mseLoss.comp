// mseLoss.comp — Backend.mseLoss, pass 1: dPred = (2/N)·(pred − target) and per-workgroup
// partial sums of (pred − target)²; sumOfSquares.comp -DFINAL (scale 1/N) writes the loss.
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
WG_SIZE_SPEC
#include "reduce.glsl"
FLOAT_BUFFER(0, BufPred, pred)
FLOAT_BUFFER(1, BufTarget, target)
FLOAT_BUFFER(2, BufDPred, dPred)
FLOAT_BUFFER(3, BufPartial, partial)
layout(push_constant) uniform Push { uint oPred, oTarget, oDPred, oPartial; uint n; } p;

void main() {
    float s = 0.0;
    for (uint i = GRID_START; i < p.n; i += GRID_STRIDE) {
        float d = pred[p.oPred + i] - target[p.oTarget + i];
        s += d * d;
        dPred[p.oDPred + i] = 2.0 * d / float(p.n);
    }
    float total = workgroupSum(s);
    if (gl_LocalInvocationID.x == 0) partial[p.oPartial + gl_WorkGroupID.x] = total;
}
