// PortableMathTests.swift — the noise and embedding formulas that must hold on every conforming
// GPU: Philox uniforms strictly inside (0, 1) at the boundary words, Box–Muller free of NaN
// under the worst log the Vulkan spec allows, and the driver-independent sin/cos accurate for
// arguments up to 1000 rad (the time embedding's range at scale 1000).
import Foundation
import Testing
import DiffusionCore

@Suite struct PortableMathTests {
    /// Every word whose top 23 bits are all ones or all zeros, plus the extreme words.
    static let boundaryWords: [UInt32] = [0, 1, 0x1FF, 0x200, 0x7FFF_FFFF, 0x8000_0000,
                                          0xFFFF_FE00, 0xFFFF_FEEA, 0xFFFF_FF00, 0xFFFF_FF2D, 0xFFFF_FFFF]

    @Test("uniform is strictly inside (0, 1) at the boundary words, with the exact formula values")
    func uniformBoundaries() {
        for w in Self.boundaryWords {
            let u = Philox.uniform(w)
            #expect(u > 0 && u < 1, "u(\(String(w, radix: 16))) = \(u)")
            // (k + 0.5)·2^-23 with k = w >> 9 is exact in a Double and in a Float
            #expect(Double(u) == (Double(w >> 9) + 0.5) / 8_388_608, "u(\(String(w, radix: 16))) not exact")
        }
        #expect(Philox.uniform(0xFFFF_FFFF) == 1 - 0x1p-24)   // the old (w >> 8) formula gave exactly 1.0
        #expect(Philox.uniform(0) == 0x1p-24)
    }

    @Test("Box–Muller is finite at every u → 1 under the worst-case log the Vulkan spec allows (+2^-21)")
    func noNaNUnderWorstCaseLog() {
        // Vulkan: log has absolute error ≤ 2^-21 on [0.5, 2]; a driver may return log u ≥ 0 near 1.
        let worstLog: (Float) -> Float = { logf($0) + 0x1p-21 }
        var checked = 0
        // every word pattern in the top 2^-6 of (0, 1) (where the series is used) and the next band
        var k: UInt32 = 0x7F_FFFF
        while k >= 0x7C_0000 {
            let (a, b) = Philox.boxMuller(k << 9, 0x1234_5678, log: worstLog)
            #expect(a.isFinite && b.isFinite, "k = \(k): \(a), \(b)")
            if !(a.isFinite && b.isFinite) { return }
            checked += 1
            k -= 1
        }
        #expect(checked == 0x4_0000)
        for w in Self.boundaryWords {
            let (a, b) = Philox.boxMuller(w, w, log: worstLog)
            #expect(a.isFinite && b.isFinite, "w = \(String(w, radix: 16))")
        }
        // and safeLog itself is negative for every u < 1 it can see, under both logs
        for u: Float in [1 - 0x1p-24, 1 - 0x1p-23, 1 - 0x1p-7, 1 - 0x1p-6, 0.75, 0.5, 0x1p-24] {
            #expect(PortableMath.safeLog(u, log: worstLog) < 0)
            #expect(PortableMath.safeLog(u) < 0)
        }
    }

    @Test("safeLog near 1 is ln u to within 2 ulp (the series needs no driver log)")
    func safeLogSeriesAccuracy() {
        var u: Float = 1 - 0x1p-24
        while u > 1 - 0x1p-6 {
            let want = Foundation.log(Double(u))
            let got = Double(PortableMath.safeLog(u, log: { _ in .nan }))   // the log is never called here
            #expect(abs(got - want) <= 2 * Double(Float(want).ulp), "u = \(u): \(got) vs \(want)")
            u = u - 0x1p-13 * (1 - u)
            u = u.nextDown
        }
    }

    @Test("portableSinCos within 4e-7 of sin/cos for |x| ≤ 1000 rad (the embedding at scale 1000)")
    func sinCosAccuracy() {
        // Bound: reduction exact (k·P1, k·P2 exact for |k| < 2^13) plus an error ≈ |k|·ulp(P3)
        // ≤ 640·2^-47 ≈ 5e-12 rad; Cephes' polynomials are ≤ 1 ulp on |r| ≤ π/4 and the final
        // additions add ≤ 1 ulp of 1 (6e-8 each): 4e-7 leaves a factor ~3.
        var worst = 0.0
        var x: Float = -1000
        while x <= 1000 {
            let (s, c) = PortableMath.sinCos(x)
            worst = max(worst, abs(Double(s) - Foundation.sin(Double(x))), abs(Double(c) - Foundation.cos(Double(x))))
            x += 0.0137
        }
        for x: Float in [0, .pi, -.pi, .pi / 4, 999.99994, 1000, -1000, 12_800, -12_800, 1e-30] {
            let (s, c) = PortableMath.sinCos(x)
            worst = max(worst, abs(Double(s) - Foundation.sin(Double(x))), abs(Double(c) - Foundation.cos(Double(x))))
        }
        #expect(worst <= 4e-7, "worst error \(worst)")
        #expect(PortableMath.sinCos(0) == (0, 1))
    }
}
