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

// Uniform strictly inside (0, 1) from the top 23 bits of a raw word: k + 0.5 with k < 2^23 is
// exact, so the result lies in [2^-24, 1 - 2^-24] (Philox.uniform).
float philoxUniform(uint w) {
    return (float(w >> 9) + 0.5) * (1.0 / 8388608.0);
}

// Driver-independent math (PortableMath.swift has the same formulas and bit patterns). Vulkan
// makes OpFAdd/OpFSub/OpFMul correctly rounded; `precise` forbids fma contraction, so these are
// the CPU's floats on every conforming driver. Vulkan bounds sin/cos only on [-pi, pi] (absolute
// 2^-11) and log only to an absolute 2^-21 on [0.5, 2]: neither is used where it matters.

// (sin x, cos x): Cody-Waite reduction by pi/2 in three parts (exact for |x| <= 12,800), Cephes
// polynomials on |r| <= pi/4, quadrant k mod 4 (PortableMath.sinCos).
vec2 portableSinCos(float x) {
    precise float k = roundEven(x * uintBitsToFloat(0x3F22F983u));
    precise float r = ((x - k * uintBitsToFloat(0x3FC90000u)) - k * uintBitsToFloat(0x39FDA000u))
                      - k * uintBitsToFloat(0x33A22169u);
    precise float z = r * r;
    precise float s = ((uintBitsToFloat(0xB94CA1F9u) * z + uintBitsToFloat(0x3C08839Eu)) * z
                       + uintBitsToFloat(0xBE2AAAA3u)) * z * r + r;
    precise float c = ((uintBitsToFloat(0x37CCF5CEu) * z + uintBitsToFloat(0xBAB6061Au)) * z
                       + uintBitsToFloat(0x3D2AAAA5u)) * z * z - 0.5 * z + 1.0;
    int q = int(k) & 3;
    if (q == 0) return vec2(s, c);
    if (q == 1) return vec2(c, -s);
    if (q == 2) return vec2(-s, -c);
    return vec2(-c, s);
}

// ln u for u in (0, 1), never >= 0 (PortableMath.safeLog): near 1 the series
// -(d + d^2/2 + d^3/3 + d^4/4), d = 1 - u exact; elsewhere the driver's log clamped to <= -d.
float safeLog(float u) {
    precise float d = 1.0 - u;
    if (d < (1.0 / 64.0)) {
        precise float s = -(d * (1.0 + d * (0.5 + d * (uintBitsToFloat(0x3EAAAAABu) + d * 0.25))));
        return s;
    }
#ifdef WORST_CASE_LOG
    // tests only: the worst log a conforming driver may return near 1 (absolute error 2^-21)
    return min(log(u) + uintBitsToFloat(0x35000000u), -d);
#else
    return min(log(u), -d);
#endif
}

// Box-Muller pair from two raw words: (r cos theta, r sin theta).
vec2 boxMuller(uint wa, uint wb) {
    float r = sqrt(-2.0 * safeLog(philoxUniform(wa)));
    precise float theta = uintBitsToFloat(0x40C90FDBu) * philoxUniform(wb);
    vec2 sc = portableSinCos(theta);
    precise vec2 z = vec2(r * sc.y, r * sc.x);
    return z;
}

#endif
