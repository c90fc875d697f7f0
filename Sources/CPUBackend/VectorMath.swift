// VectorMath.swift — SIMD8<Float> exp, sigmoid, tanh and sin/cos used by the activation and
// time-embedding kernels. Cephes-style range reduction + minimax polynomials, a few ulp from
// glibc's expf / sinf / cosf (the scalar definitions in ReferenceMath).

typealias F8 = SIMD8<Float>
typealias U8 = SIMD8<UInt32>

@inline(__always) func bits(_ x: F8) -> U8 { unsafeBitCast(x, to: U8.self) }
@inline(__always) func floats(_ x: U8) -> F8 { unsafeBitCast(x, to: F8.self) }

/// 1.5·2^23: adding it rounds a float of magnitude < 2^22 to an integer held in the low mantissa bits.
private let roundingMagic: Float = 12_582_912

/// e^x, relative error ≈ 2 ulp; x is clamped to [-87.3, 88.3] (results stay finite and normal).
@inline(__always)
func vexp(_ x: F8) -> F8 {
    // (compare + blend: SIMD's clamped / pointwiseMin are per-lane scalar code)
    let lo = F8(repeating: -87.3), hi = F8(repeating: 88.3)
    var x = x.replacing(with: lo, where: x .< lo)
    x = x.replacing(with: hi, where: x .> hi)
    // n = round(x / ln2), r = x − n·ln2 (two-part ln2)
    let t = F8(repeating: roundingMagic).addingProduct(x, F8(repeating: 1.442_695_04))
    let n = t - F8(repeating: roundingMagic)
    var r = x.addingProduct(n, F8(repeating: -0.693_359_375))
    r = r.addingProduct(n, F8(repeating: 2.121_944_40e-4))
    // e^r on |r| ≤ ln2/2
    var p = F8(repeating: 1.987_569_150_0e-4)
    p = F8(repeating: 1.398_199_950_7e-3).addingProduct(p, r)
    p = F8(repeating: 8.333_451_907_3e-3).addingProduct(p, r)
    p = F8(repeating: 4.166_579_589_4e-2).addingProduct(p, r)
    p = F8(repeating: 1.666_666_545_9e-1).addingProduct(p, r)
    p = F8(repeating: 5.000_000_120_1e-1).addingProduct(p, r)
    let r2 = r * r
    let y = (r + F8(repeating: 1)).addingProduct(p, r2)
    // 2^n from the integer in t's low bits
    let scale = floats((bits(t) &<< 23) &+ U8(repeating: 127 << 23))
    return y * scale
}

/// 1 / (1 + e^−x)
@inline(__always)
func vsigmoid(_ x: F8) -> F8 {
    F8(repeating: 1) / (F8(repeating: 1) + vexp(-x))
}

/// tanh(u) = 1 − 2 / (1 + e^{2u})  (saturates to ±1 through the clamp in vexp)
@inline(__always)
func vtanh(_ u: F8) -> F8 {
    F8(repeating: 1) - F8(repeating: 2) / (F8(repeating: 1) + vexp(u + u))
}

/// Largest |x| for which vsincos's three-part reduction stays within a few ulp.
let vsincosMaxArgument: Float = 8192

/// (sin x, cos x) for |x| ≤ vsincosMaxArgument.
@inline(__always)
func vsincos(_ x: F8) -> (sin: F8, cos: F8) {
    // q = round(x·2/π), r = x − q·π/2 with π/2 in three parts (Cephes DP1..DP3 doubled)
    let t = F8(repeating: roundingMagic).addingProduct(x, F8(repeating: 0.636_619_772_367_581))
    let q = t - F8(repeating: roundingMagic)
    var r = x.addingProduct(q, F8(repeating: -1.570_312_5))
    r = r.addingProduct(q, F8(repeating: -4.837_512_969_970_703_125e-4))
    r = r.addingProduct(q, F8(repeating: -7.549_789_954_891_882_16e-8))
    let z = r * r
    // sin and cos on |r| ≤ π/4
    var ps = F8(repeating: -1.951_529_589_1e-4)
    ps = F8(repeating: 8.332_160_873_6e-3).addingProduct(ps, z)
    ps = F8(repeating: -1.666_665_461_1e-1).addingProduct(ps, z)
    let s = r.addingProduct(ps * z, r)
    var pc = F8(repeating: 2.443_315_711_809_948e-5)
    pc = F8(repeating: -1.388_731_625_493_765e-3).addingProduct(pc, z)
    pc = F8(repeating: 4.166_664_568_298_827e-2).addingProduct(pc, z)
    let c = (F8(repeating: 1) - F8(repeating: 0.5) * z).addingProduct(pc, z * z)
    // quadrant: q mod 4 in t's low bits
    let qb = bits(t)
    let swap = (qb & U8(repeating: 1)) .!= U8(repeating: 0)
    let sinv = s.replacing(with: c, where: swap)
    let cosv = c.replacing(with: s, where: swap)
    let sinSign = (qb & U8(repeating: 2)) &<< 30
    let cosSign = ((qb &+ U8(repeating: 1)) & U8(repeating: 2)) &<< 30
    return (floats(bits(sinv) ^ sinSign), floats(bits(cosv) ^ cosSign))
}

/// √x for x ≥ 0 (within 1 ulp for normal x; 0 → 0; x below ~1e-37 gives a value within 1e-18
/// of the root). SIMD8's squareRoot() lowers to eight libm sqrtf calls on Linux, so: the
/// bit-trick reciprocal square root, two Newton steps, then one Newton correction of x·rsqrt(x).
@inline(__always)
func vsqrt(_ x: F8) -> F8 {
    var y = floats(U8(repeating: 0x5f37_59df) &- (bits(x) &>> 1))
    let hx = F8(repeating: 0.5) * x
    y = y * (F8(repeating: 1.5) - hx * y * y)
    y = y * (F8(repeating: 1.5) - hx * y * y)
    let s = x * y
    let r = x.addingProduct(-s, s)              // x − s²
    return s.addingProduct(F8(repeating: 0.5) * y, r)
}
