// embeddingBackward.comp — Backend.embeddingBackward: dTable[label[b], :] += dOut[b, :]
//   labels (B), dOut (B, E), dTable (V, E). Deterministic gather: one invocation per table
//   element (v, e) sums the rows b with label[b] == v in order b = 0, 1, ... (no atomics).
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
WG_SIZE_SPEC
FLOAT_BUFFER(0, BufLabels, labels)
FLOAT_BUFFER(1, BufDOut, dOut)
FLOAT_BUFFER(2, BufDTable, dTable)
layout(push_constant) uniform Push { uint oLabels, oDOut, oDTable; uint batch, dim, vocab; } p;

void main() {
    uint n = p.vocab * p.dim;
    for (uint i = GRID_START; i < n; i += GRID_STRIDE) {
        uint v = i / p.dim, e = i % p.dim;
        float acc = dTable[p.oDTable + i];
        for (uint b = 0; b < p.batch; b++) {
            if (labels[p.oLabels + b] == float(v)) acc += dOut[p.oDOut + b * p.dim + e];
        }
        dTable[p.oDTable + i] = acc;
    }
}
