// groupNormForward.comp — Backend.groupNormForward: x, y (B,C,S), gamma, beta (C), stats (B,G,2).
// One workgroup per (b, g): mean, then the biased variance Σ(x − mean)²/n (two passes, workgroup
// tree sums), rstd = inversesqrt(var + eps); stats[2(b·G+g)] = mean, [+1] = rstd;
// y = (x − mean)·rstd·gamma[c] + beta[c].
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
WG_SIZE_SPEC
#include "reduce.glsl"     // after the workgroup size: its scratch is gl_WorkGroupSize.x long
FLOAT_BUFFER(0, BufX, x)
FLOAT_BUFFER(1, BufGamma, gamma)
FLOAT_BUFFER(2, BufBeta, beta)
FLOAT_BUFFER(3, BufY, y)
FLOAT_BUFFER(4, BufStats, stats)
layout(push_constant) uniform Push { uint oX, oGamma, oBeta, oY, oStats; uint B, C, S, G; float eps; } p;

// the workgroup's total, valid in every invocation (the barrier frees the scratch for reuse)
float groupTotal(float v) { float r = workgroupSum(v); barrier(); return r; }

void main() {
    uint cpg = p.C / p.G, len = cpg * p.S;
    for (uint pg = gl_WorkGroupID.x; pg < p.B * p.G; pg += gl_NumWorkGroups.x) {
        uint b = pg / p.G, g = pg % p.G;
        uint base = (b * p.C + g * cpg) * p.S;
        float s = 0.0;
        for (uint i = gl_LocalInvocationID.x; i < len; i += gl_WorkGroupSize.x) s += x[p.oX + base + i];
        float mean = groupTotal(s) / float(len);
        float q = 0.0;
        for (uint i = gl_LocalInvocationID.x; i < len; i += gl_WorkGroupSize.x) {
            float d = x[p.oX + base + i] - mean;
            q += d * d;
        }
        float rstd = inversesqrt(groupTotal(q) / float(len) + p.eps);
        if (gl_LocalInvocationID.x == 0) { stats[p.oStats + 2 * pg] = mean; stats[p.oStats + 2 * pg + 1] = rstd; }
        for (uint i = gl_LocalInvocationID.x; i < len; i += gl_WorkGroupSize.x) {
            uint c = g * cpg + i / p.S;
            y[p.oY + base + i] = (x[p.oX + base + i] - mean) * rstd * gamma[p.oGamma + c] + beta[p.oBeta + c];
        }
    }
}
