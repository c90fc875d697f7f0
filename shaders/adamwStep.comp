// adamwStep.comp — Backend.adamwStep: AdamW with bias correction and on-device clipping.
//   clip = min(1, clipNorm / sqrt(gradNormSquared[0]))  (1 when clipNorm <= 0 or the norm is 0)
//   g = grad·clip;  m = β1 m + (1−β1) g;  v = β2 v + (1−β2) g²
//   p -= lr · ((m / bc1) / (sqrt(v / bc2) + eps) + weightDecay · p),  bc = 1 − β^step (host)
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
WG_SIZE_SPEC
FLOAT_BUFFER(0, BufNorm, gradNormSquared)
FLOAT_BUFFER(1, BufGrad, grads)
FLOAT_BUFFER(2, BufParam, params)
FLOAT_BUFFER(3, BufM, m)
FLOAT_BUFFER(4, BufV, v)
layout(push_constant) uniform Push {
    uint oNorm, oGrad, oParam, oM, oV; uint n;
    float lr, beta1, beta2, eps, weightDecay, clipNorm, bc1, bc2;
} p;

void main() {
    float clip = 1.0;
    float ns = gradNormSquared[p.oNorm];
    if (p.clipNorm > 0.0 && ns > 0.0) {
        float norm = sqrt(ns);
        if (norm > p.clipNorm) clip = p.clipNorm / norm;
    }
    for (uint i = GRID_START; i < p.n; i += GRID_STRIDE) {
        float g = grads[p.oGrad + i] * clip;
        float mi = p.beta1 * m[p.oM + i] + (1.0 - p.beta1) * g;
        float vi = p.beta2 * v[p.oV + i] + (1.0 - p.beta2) * g * g;
        m[p.oM + i] = mi;
        v[p.oV + i] = vi;
        float mhat = mi / p.bc1, vhat = vi / p.bc2;
        float pi = params[p.oParam + i];
        params[p.oParam + i] = pi - p.lr * (mhat / (sqrt(vhat) + p.eps) + p.weightDecay * pi);
    }
}
