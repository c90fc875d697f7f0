// Philox.swift — Philox4x32-10 counter-based RNG and the Box–Muller normals built on it.
//
// The same function exists in shaders/common.glsl (used by gaussianNoise.comp); a seed and counter give the same raw bits on
// every backend. Layout of `Backend.gaussianNoise(out, seed, counterBase)`:
//   element i of out uses Philox block  j = counterBase + i/4  and lane  i % 4
//   key     = (seed & 0xffffffff, seed >> 32)
//   counter = (j & 0xffffffff, j >> 32, 0, 0)
//   uniform u(w) = (Float(w >> 9) + 0.5) · 2^-23      (exact on CPU and GPU, in [2^-24, 1 − 2^-24])
//   lanes (0,1) from words (w0,w1), lanes (2,3) from (w2,w3):
//     r = sqrt(−2 safeLog u(wa)), θ = 2π u(wb);  first = r cos θ, second = r sin θ
//   with safeLog and cos/sin from PortableMath (the same formulas as shaders/common.glsl), so
//   CPU and GPU differ only by the driver's log for u < 1 − 2^-6 and its sqrt.
// (24 bits of w >> 8 would not do: for k ≥ 2^23, k + 0.5 rounds, and k = 2^24 − 1 gives 1.0.)

public enum Philox {
    public static let m0: UInt32 = 0xD251_1F53
    public static let m1: UInt32 = 0xCD9E_8D57
    public static let w0: UInt32 = 0x9E37_79B9
    public static let w1: UInt32 = 0xBB67_AE85

    /// One Philox4x32-10 block.
    @inline(__always)
    public static func block(counter c: (UInt32, UInt32, UInt32, UInt32), key k: (UInt32, UInt32))
        -> (UInt32, UInt32, UInt32, UInt32)
    {
        var c0 = c.0, c1 = c.1, c2 = c.2, c3 = c.3
        var k0 = k.0, k1 = k.1
        for round in 0..<10 {
            if round > 0 { k0 &+= w0; k1 &+= w1 }
            let p0 = UInt64(m0) &* UInt64(c0)
            let p1 = UInt64(m1) &* UInt64(c2)
            let hi0 = UInt32(truncatingIfNeeded: p0 >> 32), lo0 = UInt32(truncatingIfNeeded: p0)
            let hi1 = UInt32(truncatingIfNeeded: p1 >> 32), lo1 = UInt32(truncatingIfNeeded: p1)
            c0 = hi1 ^ c1 ^ k0
            c1 = lo1
            c2 = hi0 ^ c3 ^ k1
            c3 = lo0
        }
        return (c0, c1, c2, c3)
    }

    /// The four raw words of block j for a seed (the layout documented above).
    @inline(__always)
    public static func words(seed: UInt64, block j: UInt64) -> (UInt32, UInt32, UInt32, UInt32) {
        block(counter: (UInt32(truncatingIfNeeded: j), UInt32(truncatingIfNeeded: j >> 32), 0, 0),
              key: (UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32)))
    }

    /// Uniform strictly inside (0, 1) from a raw word, using its top 23 bits: k + 0.5 with
    /// k < 2^23 is exact in a Float, so the result lies in [2^-24, 1 − 2^-24].
    @inline(__always)
    public static func uniform(_ w: UInt32) -> Float {
        (Float(w >> 9) + 0.5) * 0x1p-23
    }

    /// 2π as a Float (0x40C90FDB, the constant of common.glsl).
    static let twoPi = Float(bitPattern: 0x40C9_0FDB)

    /// Box–Muller pair from two raw words. `log` stands for the driver's log (tests pass a
    /// worst-case one); it is called only for u < 1 − 2^-6, see `PortableMath.safeLog`.
    @inline(__always)
    public static func boxMuller(_ wa: UInt32, _ wb: UInt32, log: (Float) -> Float = { logf($0) }) -> (Float, Float) {
        let r = (-2 * PortableMath.safeLog(uniform(wa), log: log)).squareRoot()
        let (s, c) = PortableMath.sinCos(twoPi * uniform(wb))
        return (r * c, r * s)
    }

    /// Reference noise fill (the naive kernel every backend is compared with).
    public static func gaussianNoise(count: Int, seed: UInt64, counterBase: UInt64) -> [Float] {
        var out = [Float](repeating: 0, count: count)
        var i = 0
        while i < count {
            let w = words(seed: seed, block: counterBase &+ UInt64(i / 4))
            let (a, b) = boxMuller(w.0, w.1)
            let (c, d) = boxMuller(w.2, w.3)
            let lanes = [a, b, c, d]
            for l in 0..<4 where i + l < count { out[i + l] = lanes[l] }
            i += 4
        }
        return out
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A host-side stream of random numbers on Philox (dataset sampling, timesteps, labels).
/// Deterministic for a seed; its position is part of a checkpoint.
public struct PhiloxStream: Codable, Equatable, Sendable {
    public var seed: UInt64
    public var block: UInt64
    private var buffered: [UInt32] = []

    public init(seed: UInt64, block: UInt64 = 0) { self.seed = seed; self.block = block }

    enum CodingKeys: String, CodingKey { case seed, block }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        seed = try c.decode(UInt64.self, forKey: .seed)
        block = try c.decode(UInt64.self, forKey: .block)
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(seed, forKey: .seed)
        try c.encode(block, forKey: .block)
    }

    /// Next raw 32-bit word. (Buffered words are dropped on checkpoint: resume starts at a
    /// fresh block, which is still deterministic.)
    public mutating func nextWord() -> UInt32 {
        if buffered.isEmpty {
            let w = Philox.words(seed: seed, block: block)
            block &+= 1
            buffered = [w.3, w.2, w.1, w.0]
        }
        return buffered.removeLast()
    }
    /// Uniform in (0, 1).
    public mutating func uniform() -> Float { Philox.uniform(nextWord()) }
    /// Uniform Double in [0, 1) with 53 random bits.
    public mutating func uniformDouble() -> Double {
        let hi = UInt64(nextWord() >> 5), lo = UInt64(nextWord() >> 6)
        return Double(hi * 67_108_864 + lo) / 9_007_199_254_740_992.0
    }
    /// Uniform integer in 0..<n.
    public mutating func int(_ n: Int) -> Int {
        precondition(n > 0)
        return min(n - 1, Int(uniformDouble() * Double(n)))
    }
    /// Standard normal.
    public mutating func normal() -> Float {
        let (a, _) = Philox.boxMuller(nextWord(), nextWord())
        return a
    }
    /// Drop buffered words so the stream position is exactly `block` (call before saving).
    public mutating func alignToBlock() { buffered.removeAll() }
}
