// embeddingForward.comp — Backend.embeddingForward: out[b,:] = table[label[b], :]
//   labels (B) as float, table (V, E), out (B, E). A label outside 0..<V gives a zero row.
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
WG_SIZE_SPEC
FLOAT_BUFFER(0, BufLabels, labels)
FLOAT_BUFFER(1, BufTable, table)
FLOAT_BUFFER(2, BufOut, outv)
layout(push_constant) uniform Push { uint oLabels, oTable, oOut; uint batch, dim, vocab; } p;

void main() {
    uint n = p.batch * p.dim;
    for (uint i = GRID_START; i < n; i += GRID_STRIDE) {
        uint b = i / p.dim, e = i % p.dim;
        float label = labels[p.oLabels + b];
        bool valid = label >= 0.0 && label < float(p.vocab);
        outv[p.oOut + i] = valid ? table[p.oTable + uint(label) * p.dim + e] : 0.0;
    }
}
