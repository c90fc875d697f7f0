// NoiseTests.swift — Philox4x32-10 known answers (Random123) on the scalar and SIMD paths, the
// SIMD raw words against Philox.words, and gaussianNoise against the reference normals.
import CPUBackend
import DiffusionCore
import Testing

/// (counter; key) → output, Random123's published Philox4x32-10 vectors.
private let philoxKnownAnswers: [(SIMD4<UInt32>, SIMD2<UInt32>, SIMD4<UInt32>)] = [
    (SIMD4(0, 0, 0, 0), SIMD2(0, 0), SIMD4(0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8)),
    (SIMD4(0xffff_ffff, 0xffff_ffff, 0xffff_ffff, 0xffff_ffff), SIMD2(0xffff_ffff, 0xffff_ffff),
     SIMD4(0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd)),
    (SIMD4(0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344), SIMD2(0xa409_3822, 0x299f_31d0),
     SIMD4(0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1)),
]

@Test("Philox4x32-10 known answers, scalar and SIMD", arguments: 0..<3)
func philoxKnownAnswer(_ i: Int) {
    let (c, k, want) = philoxKnownAnswers[i]
    let s = Philox.block(counter: (c[0], c[1], c[2], c[3]), key: (k[0], k[1]))
    #expect(SIMD4(s.0, s.1, s.2, s.3) == want, "scalar Philox vector \(i)")
    // the SIMD path: the vector in every lane position of a batch of eight, plus a ragged tail
    let simd = PhiloxSIMD.blocks(counters: [SIMD4<UInt32>](repeating: c, count: 11), key: k)
    #expect(simd.count == 11 && simd.allSatisfy { $0 == want }, "SIMD Philox vector \(i)")
}

@Test("SIMD Philox raw words equal Philox.words, including counters that carry into the high word")
func philoxWordsMatch() {
    for (seed, first) in [(UInt64(0), UInt64(0)), (0xdead_beef_1234_5678, 17), (42, 0xffff_fffa), (7, UInt64.max - 3)] {
        let blocks = 37
        let got = PhiloxSIMD.words(seed: seed, firstBlock: first, blocks: blocks)
        for b in 0..<blocks {
            let w = Philox.words(seed: seed, block: first &+ UInt64(b))
            #expect(Array(got[(4 * b)..<(4 * b + 4)]) == [w.0, w.1, w.2, w.3], "seed \(seed) block \(first &+ UInt64(b))")
        }
    }
}

@Test("gaussianNoise equals the reference normals for any count and counter base")
func gaussianNoiseMatches() throws {
    for (count, seed, base) in [(1, UInt64(1), UInt64(0)), (3, 2, 5), (7, 3, 1 << 32), (130, 4, 0xffff_ffff), (1027, 5, 9), (70_001, 6, 123)] {
        let want = Philox.gaussianNoise(count: count, seed: seed, counterBase: base)
        for be in simdBackends {
            let out = try guardedView(be, [Float](repeating: .nan, count: count), offset: 3)
            be.gaussianNoise(out: out, seed: seed, counterBase: base)
            expectClose(be.read(out), want, abs: 1e-6, rel: 0, "gaussianNoise count=\(count) seed=\(seed) base=\(base) threads=\(be.threads)")
            #expect(guardsIntact(be, out))
        }
    }
}

@Test("gaussianNoise is standard normal (mean, variance)")
func gaussianNoiseMoments() throws {
    let be = SIMDBackend()
    let n = 200_000
    let out = try be.makeBuffer(count: n)
    be.gaussianNoise(out: BufferView(out), seed: 2024, counterBase: 0)
    let v = be.read(BufferView(out))
    let mean = v.reduce(0.0) { $0 + Double($1) } / Double(n)
    let variance = v.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(n)
    #expect(Swift.abs(mean) < 0.01 && Swift.abs(variance - 1) < 0.02, "mean \(mean), variance \(variance)")
}

@Test("SIMDBackend describes itself as the cpu backend with its thread count")
func backendInfo() {
    let be = SIMDBackend(threads: 3)
    #expect(be.info.kind == "cpu")
    #expect(be.info.deviceType == "cpu")
    #expect(be.info.deviceName.contains("3 threads"))
    #expect(!be.info.deviceName.hasPrefix(" ") && be.info.deviceName.count > "(3 threads)".count)
    #expect(SIMDBackend().threads >= 1)
}

@Test("buffers are interchangeable between ReferenceBackend and SIMDBackend")
func buffersInterchangeable() throws {
    let ref = ReferenceBackend(), fast = SIMDBackend()
    let x = try ref.makeBuffer([1, -2, 3, 0.5]), y = try fast.makeBuffer(count: 4)
    fast.axpby(a: 2, x: BufferView(x), b: 0, y: BufferView(x), out: BufferView(y))
    #expect(ref.read(BufferView(y)) == [2, -4, 6, 1])
    ref.copy(BufferView(y), to: BufferView(x))
    #expect(fast.read(BufferView(x)) == [2, -4, 6, 1])
}
