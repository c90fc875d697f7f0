// rowCombine.comp — Backend.rowCombine: out[r,:] = ca[r]·x[r,:] + cb[r]·y[r,:]
//   x, y, out (R,C); ca, cb (R). out may alias x or y.
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
WG_SIZE_SPEC
FLOAT_BUFFER(0, BufCa, ca)
FLOAT_BUFFER(1, BufX, x)
FLOAT_BUFFER(2, BufCb, cb)
FLOAT_BUFFER(3, BufY, y)
FLOAT_BUFFER(4, BufOut, outv)
layout(push_constant) uniform Push { uint oCa, oX, oCb, oY, oOut; uint rows, cols; } p;

void main() {
    uint n = p.rows * p.cols;
    for (uint i = GRID_START; i < n; i += GRID_STRIDE) {
        uint r = i / p.cols;
        outv[p.oOut + i] = ca[p.oCa + r] * x[p.oX + i] + cb[p.oCb + r] * y[p.oY + i];
    }
}
