// activation.glsl — the pointwise activations and derivatives of ReferenceMath.swift.
// Exactly one of SILU / GELU / RELU / MISH is defined by the host (-D).
#ifndef ACTIVATION_GLSL
#define ACTIVATION_GLSL

const float GELU_C = 0.79788456;   // sqrt(2/pi)
const float GELU_A = 0.044715;

// tanh that cannot overflow (some drivers compute it as a ratio of exponentials)
float safeTanh(float u) { return tanh(clamp(u, -15.0, 15.0)); }

// tanh(softplus(x)) = n / (n + 2), n = e^x (e^x + 2); 1 above x = 20 (n would overflow)
float tanhSoftplus(float x) {
    if (x > 20.0) return 1.0;
    float e = exp(x);
    float n = e * (e + 2.0);
    return n / (n + 2.0);
}

float act(float x) {
#if defined(RELU)
    return x > 0.0 ? x : 0.0;
#elif defined(SILU)
    return x / (1.0 + exp(-x));
#elif defined(GELU)
    float u = GELU_C * (x + GELU_A * x * x * x);
    return 0.5 * x * (1.0 + safeTanh(u));
#elif defined(MISH)
    return x * tanhSoftplus(x);
#else
#error "define one of RELU, SILU, GELU, MISH"
#endif
}

float actDerivative(float x) {
#if defined(RELU)
    return x > 0.0 ? 1.0 : 0.0;
#elif defined(SILU)
    float s = 1.0 / (1.0 + exp(-x));
    return s * (1.0 + x * (1.0 - s));
#elif defined(GELU)
    float u = GELU_C * (x + GELU_A * x * x * x);
    float th = safeTanh(u);
    float du = GELU_C * (1.0 + 3.0 * GELU_A * x * x);
    return 0.5 * (1.0 + th) + 0.5 * x * (1.0 - th * th) * du;
#elif defined(MISH)
    float t = tanhSoftplus(x);
    return t + x * (1.0 - t * t) / (1.0 + exp(-x));
#endif
}
#endif
