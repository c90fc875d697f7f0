// groupNormBackward.comp — Backend.groupNormBackward: x, dy, dx (B,C,S), gamma (C), stats (B,G,2)
// from groupNormForward, x̂ = (x − mean)·rstd. Two variants:
//   -DINPUT_GRAD  x, gamma, stats, dy → dx (overwritten; may alias dy), one workgroup per (b, g):
//                 dx = rstd·(gamma·dy − mean(gamma·dy) − x̂·mean(gamma·dy·x̂)) over the group
//   -DPARAM_GRAD  x, stats, dy → dGamma, dBeta (C) +=, one workgroup per channel c:
//                 dGamma[c] += Σ_{b,s} dy·x̂, dBeta[c] += Σ_{b,s} dy
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
WG_SIZE_SPEC
#include "reduce.glsl"     // after the workgroup size: its scratch is gl_WorkGroupSize.x long
#if defined(INPUT_GRAD)
FLOAT_BUFFER(0, BufX, x)
FLOAT_BUFFER(1, BufGamma, gamma)
FLOAT_BUFFER(2, BufStats, stats)
FLOAT_BUFFER(3, BufDy, dy)
FLOAT_BUFFER(4, BufDx, dx)
layout(push_constant) uniform Push { uint oX, oGamma, oStats, oDy, oDx; uint B, C, S, G; } p;
#elif defined(PARAM_GRAD)
FLOAT_BUFFER(0, BufX, x)
FLOAT_BUFFER(1, BufStats, stats)
FLOAT_BUFFER(2, BufDy, dy)
FLOAT_BUFFER(3, BufDGamma, dGamma)
FLOAT_BUFFER(4, BufDBeta, dBeta)
layout(push_constant) uniform Push { uint oX, oStats, oDy, oDGamma, oDBeta; uint B, C, S, G; } p;
#else
#error "define INPUT_GRAD or PARAM_GRAD"
#endif

float groupTotal(float v) { float r = workgroupSum(v); barrier(); return r; }

void main() {
    uint cpg = p.C / p.G;
#if defined(INPUT_GRAD)
    uint len = cpg * p.S;
    for (uint pg = gl_WorkGroupID.x; pg < p.B * p.G; pg += gl_NumWorkGroups.x) {
        uint b = pg / p.G, g = pg % p.G;
        uint base = (b * p.C + g * cpg) * p.S;
        float mean = stats[p.oStats + 2 * pg], rstd = stats[p.oStats + 2 * pg + 1];
        float s1 = 0.0, s2 = 0.0;
        for (uint i = gl_LocalInvocationID.x; i < len; i += gl_WorkGroupSize.x) {
            float gd = gamma[p.oGamma + g * cpg + i / p.S] * dy[p.oDy + base + i];
            s1 += gd;
            s2 += gd * (x[p.oX + base + i] - mean) * rstd;
        }
        float m1 = groupTotal(s1) / float(len);
        float m2 = groupTotal(s2) / float(len);
        for (uint i = gl_LocalInvocationID.x; i < len; i += gl_WorkGroupSize.x) {
            float xh = (x[p.oX + base + i] - mean) * rstd;
            float gd = gamma[p.oGamma + g * cpg + i / p.S] * dy[p.oDy + base + i];
            dx[p.oDx + base + i] = rstd * (gd - m1 - xh * m2);
        }
    }
#else
    uint len = p.B * p.S;
    for (uint c = gl_WorkGroupID.x; c < p.C; c += gl_NumWorkGroups.x) {
        uint g = c / cpg;
        float sb = 0.0, sg = 0.0;
        for (uint i = gl_LocalInvocationID.x; i < len; i += gl_WorkGroupSize.x) {
            uint b = i / p.S, s = i % p.S;
            uint pg = b * p.G + g;
            float d = dy[p.oDy + (b * p.C + c) * p.S + s];
            float xh = (x[p.oX + (b * p.C + c) * p.S + s] - stats[p.oStats + 2 * pg]) * stats[p.oStats + 2 * pg + 1];
            sb += d;
            sg += d * xh;
        }
        float tb = groupTotal(sb);
        float tg = groupTotal(sg);
        if (gl_LocalInvocationID.x == 0) { dBeta[p.oDBeta + c] += tb; dGamma[p.oDGamma + c] += tg; }
    }
#endif
}
