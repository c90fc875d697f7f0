// common.glsl — shared header of every compute shader: conventions, bindings, Philox4x32-10.
//
// Conventions (VulkanBackend relies on them):
// - Every buffer is bound whole as a `float` storage buffer; binding i is the i-th buffer the
//   Swift dispatch function passes (inputs first, then outputs).
// - The push-constant block starts with one uint per binding: that buffer's element offset
//   (the BufferView offset), in binding order. Op parameters (sizes, then scalars) follow.
// - The workgroup size is specialization constant 0 (x) / 1 (y); elementwise kernels loop with
//   a grid stride so any element count fits in a bounded number of workgroups.
#ifndef COMMON_GLSL
#define COMMON_GLSL

#define WG_SIZE_SPEC layout(local_size_x_id = 0) in;

// A float storage buffer at binding B named NAME with array member DATA.
#define FLOAT_BUFFER(B, NAME, DATA) layout(std430, binding = B) buffer NAME { float DATA[]; };

// First element index of this invocation and the grid stride.
#define GRID_START gl_GlobalInvocationID.x
#define GRID_STRIDE (gl_NumWorkGroups.x * gl_WorkGroupSize.x)

// Philox4x32-10: same constants, counter/key layout and round structure as
// Sources/DiffusionCore/Random/Philox.swift, so raw words are bit-identical to the CPU.
const uint PHILOX_M0 = 0xD2511F53u;
const uint PHILOX_M1 = 0xCD9E8D57u;
const uint PHILOX_W0 = 0x9E3779B9u;
const uint PHILOX_W1 = 0xBB67AE85u;

uvec4 philox4x32_10(uvec4 c, uvec2 k) {
    for (int round = 0; round < 10; round++) {
        if (round > 0) { k.x += PHILOX_W0; k.y += PHILOX_W1; }
        uint hi0, lo0, hi1, lo1;
        umulExtended(PHILOX_M0, c.x, hi0, lo0);
        umulExtended(PHILOX_M1, c.z, hi1, lo1);
        c = uvec4(hi1 ^ c.y ^ k.x, lo1, hi0 ^ c.w ^ k.y, lo0);
    }
    return c;
}

// Uniform in (0, 1) from the top 24 bits of a raw word (exact, never 0 or 1).
float philoxUniform(uint w) {
    return (float(w >> 8) + 0.5) * (1.0 / 16777216.0);
}

// Box–Muller pair from two raw words: (r cos θ, r sin θ).
vec2 boxMuller(uint wa, uint wb) {
    float r = sqrt(-2.0 * log(philoxUniform(wa)));
    float theta = 6.2831853071795864 * philoxUniform(wb);
    return vec2(r * cos(theta), r * sin(theta));
}

#endif
