// PortableMath.swift — sin/cos and a log near 1 built only from +, −, × and rounding, so the
// result does not depend on a driver's transcendental functions. The same formulas, with the
// same constants bit for bit, are in shaders/common.glsl (portableSinCos, safeLog): Vulkan
// requires OpFAdd/OpFSub/OpFMul to be correctly rounded, so a shader that marks them `precise`
// (no fma contraction) computes exactly these floats on every conforming GPU.
//
// portableSinCos(x): Cody–Waite reduction x = k·π/2 + r with π/2 split in three floats
// (k·P1 and k·P2 exact for |k| < 2^13), then Cephes' sinf/cosf minimax polynomials on
// |r| ≤ π/4 and the quadrant k mod 4. Error (measured in the tests against Double sin/cos):
// ≤ ~2 ulp of 1 for |x| ≤ 2^13·π/2 ≈ 12,868 rad. Vulkan itself bounds sin/cos only on [−π, π],
// and there to an absolute 2^-11, which is why the embedding and Box–Muller use this instead.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public enum PortableMath {
    // Constants as bit patterns (no decimal → float conversion can differ between compilers);
    // common.glsl uses the same patterns through uintBitsToFloat.
    static let twoOverPi = Float(bitPattern: 0x3F22_F983)   // 0.63661975
    static let p1 = Float(bitPattern: 0x3FC9_0000)          // 1.5703125
    static let p2 = Float(bitPattern: 0x39FD_A000)          // 4.8375130e-4
    static let p3 = Float(bitPattern: 0x33A2_2169)          // 7.5497901e-8
    static let s1 = Float(bitPattern: 0xBE2A_AAA3)          // -1.6666655e-1
    static let s2 = Float(bitPattern: 0x3C08_839E)          // 8.3321612e-3
    static let s3 = Float(bitPattern: 0xB94C_A1F9)          // -1.9515296e-4
    static let c1 = Float(bitPattern: 0x3D2A_AAA5)          // 4.1666646e-2
    static let c2 = Float(bitPattern: 0xBAB6_061A)          // -1.3887316e-3
    static let c3 = Float(bitPattern: 0x37CC_F5CE)          // 2.4433157e-5
    /// Largest |x| with an exact reduction (|k| < 2^13).
    public static let sinCosMaxArgument: Float = 12_800

    /// (sin x, cos x) from +, −, × only (see the header for the error).
    @inline(__always)
    public static func sinCos(_ x: Float) -> (sin: Float, cos: Float) {
        let k = (x * twoOverPi).rounded(.toNearestOrEven)
        let r = ((x - k * p1) - k * p2) - k * p3
        let z = r * r
        let s = ((s3 * z + s2) * z + s1) * z * r + r
        let c = ((c3 * z + c2) * z + c1) * z * z - 0.5 * z + 1
        switch Int(k) & 3 {
        case 0: return (s, c)
        case 1: return (c, -s)
        case 2: return (-s, -c)
        default: return (-c, s)
        }
    }

    static let third = Float(bitPattern: 0x3EAA_AAAB)      // 0.33333334

    /// ln u for u in (0, 1), never ≥ 0. Near 1 (1 − u < 2^-6) the series
    /// −(d + d²/2 + d³/3 + d⁴/4), d = 1 − u (exact for u ≥ 1/2), whose truncation error d⁵/5 is
    /// below 2^-30·d; elsewhere `log(u)` (the platform's, or a driver's), clamped to ≤ −d, which
    /// holds for the exact ln(1 − d). Vulkan bounds log only to an absolute 2^-21 on [0.5, 2],
    /// so near 1 a conforming driver may return log u ≥ 0; the series never calls it there.
    @inline(__always)
    public static func safeLog(_ u: Float, log: (Float) -> Float = { logf($0) }) -> Float {
        let d = 1 - u
        if d < 0x1p-6 { return -(d * (1 + d * (0.5 + d * (third + d * 0.25)))) }
        return min(log(u), -d)
    }
}
