// emaUpdate.comp — Backend.emaUpdate: ema = decay·ema + (1−decay)·params.
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
WG_SIZE_SPEC
FLOAT_BUFFER(0, BufParam, params)
FLOAT_BUFFER(1, BufEma, ema)
layout(push_constant) uniform Push { uint oParam, oEma; uint n; float decay; } p;

void main() {
    for (uint i = GRID_START; i < p.n; i += GRID_STRIDE)
        ema[p.oEma + i] = p.decay * ema[p.oEma + i] + (1.0 - p.decay) * params[p.oParam + i];
}
