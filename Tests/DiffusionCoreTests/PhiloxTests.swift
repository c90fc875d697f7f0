// PhiloxTests.swift — Philox4x32-10 against Random123's published known answers, and the
// Box–Muller normals' first two moments.
import Testing
import DiffusionCore

@Suite struct PhiloxTests {
    @Test func knownAnswers() {
        let a = Philox.block(counter: (0, 0, 0, 0), key: (0, 0))
        #expect([a.0, a.1, a.2, a.3] == [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8])
        let b = Philox.block(counter: (0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff), key: (0xffffffff, 0xffffffff))
        #expect([b.0, b.1, b.2, b.3] == [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd])
        let c = Philox.block(counter: (0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344), key: (0xa4093822, 0x299f31d0))
        #expect([c.0, c.1, c.2, c.3] == [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1])
    }

    @Test func normalsHaveUnitMoments() {
        let n = Philox.gaussianNoise(count: 100_000, seed: 42, counterBase: 0)
        let mean = n.reduce(0, +) / Float(n.count)
        let variance = n.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(n.count)
        #expect(abs(mean) < 0.02)
        #expect(abs(variance - 1) < 0.02)
        #expect(n.allSatisfy { $0.isFinite })
    }

    @Test func counterBaseShiftsTheStream() {
        let a = Philox.gaussianNoise(count: 16, seed: 9, counterBase: 0)
        let b = Philox.gaussianNoise(count: 8, seed: 9, counterBase: 2)
        #expect(Array(a[8..<16]) == b)
    }
}
