// copyColumns.comp — Backend.copyColumns: dst[r, dstCol + c] = src[r, srcCol + c], c < width
//   src (R, srcCols), dst (R, dstCols).
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
WG_SIZE_SPEC
FLOAT_BUFFER(0, BufSrc, src)
FLOAT_BUFFER(1, BufDst, dst)
layout(push_constant) uniform Push { uint oSrc, oDst; uint srcCols, srcCol, dstCols, dstCol, rows, width; } p;

void main() {
    uint n = p.rows * p.width;
    for (uint i = GRID_START; i < n; i += GRID_STRIDE) {
        uint r = i / p.width, c = i % p.width;
        dst[p.oDst + r * p.dstCols + p.dstCol + c] = src[p.oSrc + r * p.srcCols + p.srcCol + c];
    }
}
