// ImageOpSIMDTests.swift — the SIMD image / sequence kernels against ReferenceBackend on odd
// shapes (B = 3, C = 5, H = 7, W = 6; kernels 1, 3, 5; stride 1 and 2; the 1-D H = 1 case; G
// dividing C; convolutions with several, a partial group of and single items per GEMM), through views at offsets whose guards must stay untouched. The tolerance of each
// element is its summation bound (ImageOpBounds: γ_n·Σ|terms| from the reference run on |inputs|),
// not a fixed epsilon.
import CPUBackend
import DiffusionCore
import Testing

/// Expects |got − want| ≤ bound elementwise, naming the first violation.
func expectWithinBound(_ got: [Float], _ want: [Float], _ bound: [Float], _ what: @autoclosure () -> String,
                       sourceLocation: SourceLocation = #_sourceLocation) {
    if let i = ImageOpBounds.firstViolation(got, want, bound) {
        let detail = i < min(got.count, want.count, bound.count) ? "element \(i) is \(got[i]), reference \(want[i]), bound \(bound[i])"
                                                               : "\(got.count) values, expected \(want.count) (\(bound.count) bounds)"
        Issue.record("\(what()): \(detail)", sourceLocation: sourceLocation)
    }
}

let convShapes: [Conv2DShape] = [
    .same(batch: 3, inChannels: 5, height: 7, width: 6, outChannels: 4, kernel: 3),
    .same(batch: 3, inChannels: 5, height: 7, width: 6, outChannels: 4, kernel: 3, stride: 2),
    .same(batch: 3, inChannels: 5, height: 7, width: 6, outChannels: 7, kernel: 5),
    .same(batch: 3, inChannels: 5, height: 7, width: 6, outChannels: 3, kernel: 5, stride: 2),
    .same(batch: 3, inChannels: 5, height: 7, width: 6, outChannels: 6, kernel: 1),
    .same(batch: 2, inChannels: 5, height: 7, width: 6, outChannels: 4, kernel: 1, stride: 2),
    Conv2DShape(batch: 2, inChannels: 3, height: 6, width: 7, outChannels: 5, kernelH: 3, kernelW: 3, stride: 1, padH: 0, padW: 0),
    .conv1d(batch: 3, inChannels: 5, length: 16, outChannels: 6, kernel: 5),
    .conv1d(batch: 3, inChannels: 5, length: 15, outChannels: 4, kernel: 5, stride: 2),
    .same(batch: 2, inChannels: 20, height: 9, width: 11, outChannels: 17, kernel: 3),   // GEMM blocks beyond one panel
    .same(batch: 5, inChannels: 3, height: 10, width: 20, outChannels: 4, kernel: 3, stride: 2),   // stride 2, N = 50: all 5 items in one GEMM
    .same(batch: 5, inChannels: 3, height: 12, width: 16, outChannels: 4, kernel: 3),    // N = 192: 2 items per GEMM, groups 2, 2, 1
    .same(batch: 2, inChannels: 3, height: 24, width: 24, outChannels: 4, kernel: 3),    // N ≥ 256: one item per GEMM
    .same(batch: 2, inChannels: 3, height: 24, width: 24, outChannels: 4, kernel: 1),    // … and x_b as its own column matrix
]

@Suite("SIMD image ops vs reference")
struct ImageOpSIMDTests {
    @Test("conv2dForward / conv2dBackward within the summation bound", arguments: convShapes.indices)
    func conv(_ index: Int) throws {
        let s = convShapes[index]
        let xs = randomFloats(s.inputCount, seed: 40), ws = randomFloats(s.weightCount, seed: 41), bs = randomFloats(s.outChannels, seed: 42)
        let dys = randomFloats(s.outputCount, seed: 43), dw0 = randomFloats(s.weightCount, seed: 44), db0 = randomFloats(s.outChannels, seed: 45)
        let ref = ReferenceBackend()
        func run(_ be: Backend, withDx: Bool) throws -> [[Float]] {
            let x = try guardedView(be, xs, offset: 3), w = try guardedView(be, ws, offset: 5), b = try guardedView(be, bs, offset: 1)
            let y = try guardedView(be, [Float](repeating: .nan, count: s.outputCount), offset: 2)
            be.conv2dForward(x: x, weight: w, bias: b, y: y, shape: s)
            let dy = try guardedView(be, dys, offset: 4), dx = try guardedView(be, [Float](repeating: .nan, count: s.inputCount), offset: 6)
            let dw = try guardedView(be, dw0, offset: 7), db = try guardedView(be, db0, offset: 2)
            be.conv2dBackward(x: x, weight: w, dy: dy, dx: withDx ? dx : nil, dWeight: dw, dBias: db, shape: s)
            for v in [x, w, b, y, dy, dx, dw, db] { #expect(guardsIntact(be, v), "\(type(of: be)) \(s): a write outside its view") }
            return [y, dx, dw, db].map { be.cpuRead($0) }
        }
        let want = try run(ref, withDx: true)
        let fb = ImageOpBounds.conv2dForward(x: xs, weight: ws, bias: bs, shape: s)
        let bb = ImageOpBounds.conv2dBackward(x: xs, weight: ws, dy: dys, dWeight0: dw0, dBias0: db0, shape: s)
        for be in simdBackends {
            let got = try run(be, withDx: true)
            let name = "\(be.threads) threads \(s)"
            expectWithinBound(got[0], want[0], fb, "conv2dForward y, \(name)")
            expectWithinBound(got[1], want[1], bb.dx, "conv2dBackward dx, \(name)")
            expectWithinBound(got[2], want[2], bb.dWeight, "conv2dBackward dW, \(name)")
            expectWithinBound(got[3], want[3], bb.dBias, "conv2dBackward dBias, \(name)")
            let noDx = try run(be, withDx: false)
            #expect(noDx[1].allSatisfy { $0.isNaN }, "\(name): dx nil must leave dx alone")
            expectWithinBound(noDx[2], want[2], bb.dWeight, "conv2dBackward dW without dx, \(name)")
        }
    }

    static let normShapes: [(b: Int, c: Int, s: Int, g: Int, lo: Float, hi: Float)] = [
        (3, 6, 42, 3, -1, 1), (3, 5, 42, 5, -2, 3), (3, 5, 42, 1, -1, 1), (2, 8, 16, 2, -1, 1),
        (3, 4, 7, 2, 3, 3.5),        // mean ≫ σ: the centred sums must not cancel
        (2, 64, 64, 32, -1, 1),
    ]

    @Test("groupNormForward / groupNormBackward (dx aliasing dy too) within their bounds", arguments: normShapes.indices)
    func groupNorm(_ index: Int) throws {
        let (B, C, S, G, lo, hi) = Self.normShapes[index]
        let n = B * C * S, eps: Float = 1e-5
        let xs = randomFloats(n, seed: 50, in: lo...hi), gs = randomFloats(C, seed: 51, in: 0.5...1.5), bts = randomFloats(C, seed: 52)
        let dys = randomFloats(n, seed: 53), dg0 = randomFloats(C, seed: 54), db0 = randomFloats(C, seed: 55)
        let ref = ReferenceBackend()
        let rst = BufferView(try ref.makeBuffer(count: 2 * B * G))
        ref.groupNormForward(x: BufferView(try ref.makeBuffer(xs)), gamma: BufferView(try ref.makeBuffer(gs)), beta: BufferView(try ref.makeBuffer(bts)),
                             y: BufferView(try ref.makeBuffer(count: n)), stats: rst, batch: B, channels: C, spatial: S, groups: G, eps: eps)
        let refStats = ref.read(rst)
        func run(_ be: Backend, alias: Bool) throws -> [[Float]] {
            let x = try guardedView(be, xs, offset: 3), g = try guardedView(be, gs, offset: 1), bt = try guardedView(be, bts, offset: 2)
            let y = try guardedView(be, [Float](repeating: .nan, count: n), offset: 5), st = try guardedView(be, [Float](repeating: .nan, count: 2 * B * G), offset: 1)
            be.groupNormForward(x: x, gamma: g, beta: bt, y: y, stats: st, batch: B, channels: C, spatial: S, groups: G, eps: eps)
            let stats = be.cpuRead(st)
            be.write(refStats, to: st)              // the backward gets the same statistics on both sides
            let dy = try guardedView(be, dys, offset: 4)
            let dx = alias ? dy : try guardedView(be, [Float](repeating: .nan, count: n), offset: 6)
            let dg = try guardedView(be, dg0, offset: 2), db = try guardedView(be, db0, offset: 3)
            be.groupNormBackward(x: x, gamma: g, stats: st, dy: dy, dx: dx, dGamma: dg, dBeta: db, batch: B, channels: C, spatial: S, groups: G)
            for v in [x, g, bt, y, st, dy, dx, dg, db] { #expect(guardsIntact(be, v), "\(type(of: be)): a write outside its view") }
            return [be.cpuRead(y), stats, be.cpuRead(dx), be.cpuRead(dg), be.cpuRead(db)]
        }
        let want = try run(ref, alias: false)
        let fb = ImageOpBounds.groupNormForward(x: xs, gamma: gs, beta: bts, batch: B, channels: C, spatial: S, groups: G, eps: eps)
        let bb = ImageOpBounds.groupNormBackward(x: xs, gamma: gs, stats: refStats, dy: dys, dGamma0: dg0, dBeta0: db0,
                                                 batch: B, channels: C, spatial: S, groups: G)
        for be in simdBackends { for alias in [false, true] {
            let got = try run(be, alias: alias)
            let name = "\(be.threads) threads (B,C,S,G) = (\(B),\(C),\(S),\(G)) alias \(alias)"
            expectWithinBound(got[0], want[0], fb.y, "groupNormForward y, \(name)")
            expectWithinBound(got[1], want[1], fb.stats, "groupNormForward stats, \(name)")
            expectWithinBound(got[2], want[2], bb.dx, "groupNormBackward dx, \(name)")
            expectWithinBound(got[3], want[3], bb.dGamma, "groupNormBackward dGamma, \(name)")
            expectWithinBound(got[4], want[4], bb.dBeta, "groupNormBackward dBeta, \(name)")
        } }
    }

    @Test("filmForward / filmBackward within their bounds (y aliasing x, dx aliasing dy)",
          arguments: [(3, 5, 42), (3, 5, 1), (2, 4, 17), (4, 64, 256)])
    func film(_ shape: (Int, Int, Int)) throws {
        let (B, C, S) = shape
        let n = B * C * S
        let xs = randomFloats(n, seed: 60), scs = randomFloats(B * C, seed: 61), shs = randomFloats(B * C, seed: 62), dys = randomFloats(n, seed: 63)
        let ref = ReferenceBackend()
        func run(_ be: Backend, alias: Bool) throws -> [[Float]] {
            let x = try guardedView(be, xs, offset: 3), sc = try guardedView(be, scs, offset: 1), sh = try guardedView(be, shs, offset: 2)
            let dy = try guardedView(be, dys, offset: 4)
            let dx = alias ? dy : try guardedView(be, [Float](repeating: .nan, count: n), offset: 6)
            let ds = try guardedView(be, [Float](repeating: .nan, count: B * C), offset: 1), dh = try guardedView(be, [Float](repeating: 9, count: B * C), offset: 2)
            be.filmBackward(x: x, scale: sc, dy: dy, dx: dx, dScale: ds, dShift: dh, batch: B, channels: C, spatial: S)
            let y = alias ? x : try guardedView(be, [Float](repeating: .nan, count: n), offset: 5)
            be.filmForward(x: x, scale: sc, shift: sh, y: y, batch: B, channels: C, spatial: S)
            for v in [x, sc, sh, y, dy, dx, ds, dh] { #expect(guardsIntact(be, v), "\(type(of: be)): a write outside its view") }
            return [y, dx, ds, dh].map { be.cpuRead($0) }
        }
        let want = try run(ref, alias: false)
        let fb = ImageOpBounds.filmForward(x: xs, scale: scs, shift: shs, spatial: S)
        let bb = ImageOpBounds.filmBackward(x: xs, scale: scs, dy: dys, spatial: S)
        for be in simdBackends { for alias in [false, true] {
            let got = try run(be, alias: alias)
            let name = "\(be.threads) threads (B,C,S) = \(shape) alias \(alias)"
            expectWithinBound(got[0], want[0], fb, "filmForward y, \(name)")
            expectWithinBound(got[1], want[1], bb.dx, "filmBackward dx, \(name)")
            expectWithinBound(got[2], want[2], bb.dScale, "filmBackward dScale, \(name)")
            expectWithinBound(got[3], want[3], bb.dShift, "filmBackward dShift, \(name)")
        } }
    }

    @Test("upsampleNearest forward (exact) and backward (within γ_4·Σ|children|)",
          arguments: [(3, 5, 7, 6, 2, 2), (3, 5, 1, 9, 1, 2), (2, 3, 4, 5, 3, 1), (2, 4, 8, 19, 2, 2)])
    func upsample(_ shape: (Int, Int, Int, Int, Int, Int)) throws {
        let (B, C, H, W, fh, fw) = shape
        let small = B * C * H * W, large = small * fh * fw
        let xs = randomFloats(small, seed: 70), dys = randomFloats(large, seed: 71)
        let ref = ReferenceBackend()
        func run(_ be: Backend) throws -> [[Float]] {
            let x = try guardedView(be, xs, offset: 3), y = try guardedView(be, [Float](repeating: .nan, count: large), offset: 2)
            let dy = try guardedView(be, dys, offset: 1), dx = try guardedView(be, [Float](repeating: .nan, count: small), offset: 4)
            be.upsampleNearestForward(x: x, y: y, batch: B, channels: C, height: H, width: W, factorH: fh, factorW: fw)
            be.upsampleNearestBackward(dy: dy, dx: dx, batch: B, channels: C, height: H, width: W, factorH: fh, factorW: fw)
            for v in [x, y, dy, dx] { #expect(guardsIntact(be, v), "\(type(of: be)): a write outside its view") }
            return [y, dx].map { be.cpuRead($0) }
        }
        let want = try run(ref)
        let bb = ImageOpBounds.upsampleNearestBackward(dy: dys, batch: B, channels: C, height: H, width: W, factorH: fh, factorW: fw)
        for be in simdBackends {
            let got = try run(be)
            #expect(got[0] == want[0], "upsampleNearestForward \(shape), \(be.threads) threads: not an exact copy")
            expectWithinBound(got[1], want[1], bb, "upsampleNearestBackward \(shape), \(be.threads) threads")
        }
    }
}
