// biasBackward.comp — Backend.biasBackward: dBias(N) += Σ_rows dy(R,N).
// One invocation per column sums its rows in order: deterministic, no atomics.
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
WG_SIZE_SPEC
FLOAT_BUFFER(0, BufDy, dy)
FLOAT_BUFFER(1, BufDBias, dBias)
layout(push_constant) uniform Push { uint oDy, oDBias; uint rows, cols; } p;

void main() {
    for (uint c = GRID_START; c < p.cols; c += GRID_STRIDE) {
        float s = 0.0;
        for (uint r = 0; r < p.rows; r++) s += dy[p.oDy + r * p.cols + c];
        dBias[p.oDBias + c] += s;
    }
}
