// VulkanImageOpsTests.swift — the image / sequence ops on Vulkan against ReferenceBackend on odd
// shapes (B = 3, C = 5, H = 7, W = 6; kernels 1, 3, 5; stride 1 and 2; 1-D H = 1; G dividing C),
// through views with padding that must stay untouched. Each element's tolerance is its
// summation bound (ImageOpBounds: γ_n·Σ|terms|, plus the propagated statistics errors of group
// normalization), which holds for any conforming driver: Vulkan's +, × are correctly rounded
// and fma contraction only tightens it.
import CPUBackend
import DiffusionCore
import Foundation
import Testing
import VulkanBackend

/// |vk − ref| ≤ bound on the payload of a Twin pair, padding equal.
private func expectBounded(_ t: Twin, _ pair: (BufferView, BufferView), _ bound: [Float], _ what: String,
                           sourceLocation: SourceLocation = #_sourceLocation) {
    let (got, want) = t.whole(pair)
    let off = pair.1.offset
    var full = [Float](repeating: 0, count: want.count)
    for i in bound.indices where off + i < full.count { full[off + i] = bound[i] }
    if let i = ImageOpBounds.firstViolation(got, want, full) {
        let detail = i < min(got.count, want.count) ? "element \(i - off) is \(got[i]), reference \(want[i]), bound \(full[i])" : "\(got.count) values, expected \(want.count)"
        Issue.record("\(what): \(detail)", sourceLocation: sourceLocation)
    }
}

@Suite("Vulkan image ops vs reference", .serialized, .enabled(if: VulkanTestEnv.enabled, VulkanTestEnv.skipReason))
struct VulkanImageOpsTests {
    static let convShapes: [Conv2DShape] = [
        .same(batch: 3, inChannels: 5, height: 7, width: 6, outChannels: 4, kernel: 3),
        .same(batch: 3, inChannels: 5, height: 7, width: 6, outChannels: 4, kernel: 3, stride: 2),
        .same(batch: 3, inChannels: 5, height: 7, width: 6, outChannels: 7, kernel: 5),
        .same(batch: 3, inChannels: 5, height: 7, width: 6, outChannels: 3, kernel: 5, stride: 2),
        .same(batch: 3, inChannels: 5, height: 7, width: 6, outChannels: 6, kernel: 1),
        Conv2DShape(batch: 2, inChannels: 3, height: 6, width: 7, outChannels: 5, kernelH: 3, kernelW: 3, stride: 1, padH: 0, padW: 0),
        .conv1d(batch: 3, inChannels: 5, length: 16, outChannels: 6, kernel: 5),
        .conv1d(batch: 3, inChannels: 5, length: 15, outChannels: 4, kernel: 5, stride: 2),
        // K·N = 144·10⁴: two items fit a scratch column matrix (Kernels.convScratchFloats), chunks 2, 1
        .same(batch: 3, inChannels: 16, height: 100, width: 100, outChannels: 4, kernel: 3),
    ]

    @Test("conv2dForward and conv2dBackward (dx overwritten, dW and dBias accumulate)", arguments: convShapes.indices)
    func conv(_ index: Int) throws {
        let s = Self.convShapes[index]
        let t = Twin(vk: try VulkanTestEnv.require())
        let xs = randomValues(s.inputCount, seed: 40), ws = randomValues(s.weightCount, seed: 41), bs = randomValues(s.outChannels, seed: 42)
        let dys = randomValues(s.outputCount, seed: 43), dw0 = randomValues(s.weightCount, seed: 44), db0 = randomValues(s.outChannels, seed: 45)
        let x = try t.make(xs), w = try t.make(ws), b = try t.make(bs), y = try t.make([Float](repeating: .nan, count: s.outputCount))
        t.vk.conv2dForward(x: x.0, weight: w.0, bias: b.0, y: y.0, shape: s)
        t.ref.conv2dForward(x: x.1, weight: w.1, bias: b.1, y: y.1, shape: s)
        expectBounded(t, y, ImageOpBounds.conv2dForward(x: xs, weight: ws, bias: bs, shape: s), "conv2dForward \(s)")

        let dy = try t.make(dys), dx = try t.make([Float](repeating: .nan, count: s.inputCount))
        let dw = try t.make(dw0), db = try t.make(db0)
        t.vk.conv2dBackward(x: x.0, weight: w.0, dy: dy.0, dx: dx.0, dWeight: dw.0, dBias: db.0, shape: s)
        t.ref.conv2dBackward(x: x.1, weight: w.1, dy: dy.1, dx: dx.1, dWeight: dw.1, dBias: db.1, shape: s)
        let bb = ImageOpBounds.conv2dBackward(x: xs, weight: ws, dy: dys, dWeight0: dw0, dBias0: db0, shape: s)
        expectBounded(t, dx, bb.dx, "conv2dBackward dx \(s)")
        expectBounded(t, dw, bb.dWeight, "conv2dBackward dW \(s)")
        expectBounded(t, db, bb.dBias, "conv2dBackward dBias \(s)")
    }

    @Test("convolutions from several threads at once on one backend (they share its scratch buffers)")
    func concurrentConvolutions() throws {
        let vk = try VulkanTestEnv.require()
        let shapes = Array(Self.convShapes.prefix(6))
        let results = NSLock()
        var failures: [String] = []
        DispatchQueue.concurrentPerform(iterations: 2 * shapes.count) { i in
            let s = shapes[i % shapes.count], ref = ReferenceBackend()
            do {
                let xs = randomValues(s.inputCount, seed: UInt64(i)), ws = randomValues(s.weightCount, seed: UInt64(i + 50))
                let dys = randomValues(s.outputCount, seed: UInt64(i + 100))
                var got: [[Float]] = [], want: [[Float]] = []
                for be in [vk as Backend, ref as Backend] {
                    let x = BufferView(try be.makeBuffer(xs)), w = BufferView(try be.makeBuffer(ws)), b = BufferView(try be.makeBuffer(count: s.outChannels))
                    let y = BufferView(try be.makeBuffer(count: s.outputCount)), dy = BufferView(try be.makeBuffer(dys))
                    let dx = BufferView(try be.makeBuffer(count: s.inputCount)), dw = BufferView(try be.makeBuffer(count: s.weightCount))
                    be.conv2dForward(x: x, weight: w, bias: b, y: y, shape: s)
                    be.conv2dBackward(x: x, weight: w, dy: dy, dx: dx, dWeight: dw, dBias: b, shape: s)
                    let out = [try be.read(y), try be.read(dx), try be.read(dw)]
                    if be === vk { got = out } else { want = out }
                }
                let fb = ImageOpBounds.conv2dForward(x: xs, weight: ws, bias: [Float](repeating: 0, count: s.outChannels), shape: s)
                let bb = ImageOpBounds.conv2dBackward(x: xs, weight: ws, dy: dys, dWeight0: [Float](repeating: 0, count: s.weightCount),
                                                      dBias0: [Float](repeating: 0, count: s.outChannels), shape: s)
                for (name, g, r, bound) in [("y", got[0], want[0], fb), ("dx", got[1], want[1], bb.dx), ("dW", got[2], want[2], bb.dWeight)] {
                    if let e = ImageOpBounds.firstViolation(g, r, bound) {
                        results.lock(); failures.append("\(s) \(name)[\(e)]: \(g[e]) vs \(r[e])"); results.unlock()
                    }
                }
            } catch {
                results.lock(); failures.append("\(s): \(error)"); results.unlock()
            }
        }
        #expect(failures.isEmpty, "\(failures.count) mismatches, first: \(failures.first ?? "")")
    }

    @Test("groupNormForward and groupNormBackward (dx aliasing dy)",
          arguments: [(3, 6, 42, 3), (3, 5, 42, 5), (3, 5, 42, 1), (2, 8, 16, 2), (2, 64, 64, 32)])
    func groupNorm(_ shape: (Int, Int, Int, Int)) throws {
        let (B, C, S, G) = shape
        let t = Twin(vk: try VulkanTestEnv.require())
        let n = B * C * S, eps: Float = 1e-5
        let xs = randomValues(n, seed: 50, lo: -1, hi: 2), gs = randomValues(C, seed: 51, lo: 0.5, hi: 1.5), bts = randomValues(C, seed: 52)
        let dys = randomValues(n, seed: 53), dg0 = randomValues(C, seed: 54), db0 = randomValues(C, seed: 55)
        let x = try t.make(xs), g = try t.make(gs), bt = try t.make(bts)
        let y = try t.make([Float](repeating: .nan, count: n)), st = try t.make([Float](repeating: .nan, count: 2 * B * G))
        t.vk.groupNormForward(x: x.0, gamma: g.0, beta: bt.0, y: y.0, stats: st.0, batch: B, channels: C, spatial: S, groups: G, eps: eps)
        t.ref.groupNormForward(x: x.1, gamma: g.1, beta: bt.1, y: y.1, stats: st.1, batch: B, channels: C, spatial: S, groups: G, eps: eps)
        let fb = ImageOpBounds.groupNormForward(x: xs, gamma: gs, beta: bts, batch: B, channels: C, spatial: S, groups: G, eps: eps)
        expectBounded(t, y, fb.y, "groupNormForward y \(shape)")
        expectBounded(t, st, fb.stats, "groupNormForward stats \(shape)")

        let refStats = t.ref.read(st.1)
        t.vk.write(refStats, to: st.0)                 // the same statistics on both sides
        for alias in [false, true] {
            let dy = try t.make(dys)
            let dx = alias ? dy : try t.make([Float](repeating: .nan, count: n))
            let dg = try t.make(dg0), db = try t.make(db0)
            t.vk.groupNormBackward(x: x.0, gamma: g.0, stats: st.0, dy: dy.0, dx: dx.0, dGamma: dg.0, dBeta: db.0,
                                   batch: B, channels: C, spatial: S, groups: G)
            t.ref.groupNormBackward(x: x.1, gamma: g.1, stats: st.1, dy: dy.1, dx: dx.1, dGamma: dg.1, dBeta: db.1,
                                    batch: B, channels: C, spatial: S, groups: G)
            let bb = ImageOpBounds.groupNormBackward(x: xs, gamma: gs, stats: refStats, dy: dys, dGamma0: dg0, dBeta0: db0,
                                                     batch: B, channels: C, spatial: S, groups: G)
            expectBounded(t, dx, bb.dx, "groupNormBackward dx \(shape) alias \(alias)")
            expectBounded(t, dg, bb.dGamma, "groupNormBackward dGamma \(shape) alias \(alias)")
            expectBounded(t, db, bb.dBeta, "groupNormBackward dBeta \(shape) alias \(alias)")
        }
    }

    @Test("filmForward and filmBackward (overwritten; dx aliasing dy)", arguments: [(3, 5, 42), (3, 5, 1), (2, 4, 17)])
    func film(_ shape: (Int, Int, Int)) throws {
        let (B, C, S) = shape
        let t = Twin(vk: try VulkanTestEnv.require())
        let n = B * C * S
        let xs = randomValues(n, seed: 60), scs = randomValues(B * C, seed: 61), shs = randomValues(B * C, seed: 62), dys = randomValues(n, seed: 63)
        let x = try t.make(xs), sc = try t.make(scs), sh = try t.make(shs), y = try t.make([Float](repeating: .nan, count: n))
        t.vk.filmForward(x: x.0, scale: sc.0, shift: sh.0, y: y.0, batch: B, channels: C, spatial: S)
        t.ref.filmForward(x: x.1, scale: sc.1, shift: sh.1, y: y.1, batch: B, channels: C, spatial: S)
        expectBounded(t, y, ImageOpBounds.filmForward(x: xs, scale: scs, shift: shs, spatial: S), "filmForward \(shape)")
        let bb = ImageOpBounds.filmBackward(x: xs, scale: scs, dy: dys, spatial: S)
        for alias in [false, true] {
            let dy = try t.make(dys)
            let dx = alias ? dy : try t.make([Float](repeating: .nan, count: n))
            let ds = try t.make([Float](repeating: .nan, count: B * C)), dh = try t.make([Float](repeating: 9, count: B * C))
            t.vk.filmBackward(x: x.0, scale: sc.0, dy: dy.0, dx: dx.0, dScale: ds.0, dShift: dh.0, batch: B, channels: C, spatial: S)
            t.ref.filmBackward(x: x.1, scale: sc.1, dy: dy.1, dx: dx.1, dScale: ds.1, dShift: dh.1, batch: B, channels: C, spatial: S)
            expectBounded(t, dx, bb.dx, "filmBackward dx \(shape) alias \(alias)")
            expectBounded(t, ds, bb.dScale, "filmBackward dScale \(shape) alias \(alias)")
            expectBounded(t, dh, bb.dShift, "filmBackward dShift \(shape) alias \(alias)")
        }
    }

    @Test("upsampleNearestForward (exact) and upsampleNearestBackward",
          arguments: [(3, 5, 7, 6, 2, 2), (3, 5, 1, 9, 1, 2), (2, 3, 4, 5, 3, 1)])
    func upsample(_ shape: (Int, Int, Int, Int, Int, Int)) throws {
        let (B, C, H, W, fh, fw) = shape
        let t = Twin(vk: try VulkanTestEnv.require())
        let small = B * C * H * W, large = small * fh * fw
        let xs = randomValues(small, seed: 70), dys = randomValues(large, seed: 71)
        let x = try t.make(xs), y = try t.make([Float](repeating: .nan, count: large))
        t.vk.upsampleNearestForward(x: x.0, y: y.0, batch: B, channels: C, height: H, width: W, factorH: fh, factorW: fw)
        t.ref.upsampleNearestForward(x: x.1, y: y.1, batch: B, channels: C, height: H, width: W, factorH: fh, factorW: fw)
        expectBounded(t, y, [Float](repeating: 0, count: large), "upsampleNearestForward \(shape)")
        let dy = try t.make(dys), dx = try t.make([Float](repeating: .nan, count: small))
        t.vk.upsampleNearestBackward(dy: dy.0, dx: dx.0, batch: B, channels: C, height: H, width: W, factorH: fh, factorW: fw)
        t.ref.upsampleNearestBackward(dy: dy.1, dx: dx.1, batch: B, channels: C, height: H, width: W, factorH: fh, factorW: fw)
        expectBounded(t, dx, ImageOpBounds.upsampleNearestBackward(dy: dys, batch: B, channels: C, height: H, width: W, factorH: fh, factorW: fw),
                      "upsampleNearestBackward \(shape)")
    }

    @Test("channel concatenation of NCHW skips is copyColumns with one row per batch item (no op of its own)")
    func concat() throws {
        let t = Twin(vk: try VulkanTestEnv.require())
        let (B, C1, C2, S) = (3, 5, 2, 42)
        let a = try t.make(randomValues(B * C1 * S, seed: 72)), b = try t.make(randomValues(B * C2 * S, seed: 73))
        let cat = try t.make([Float](repeating: .nan, count: B * (C1 + C2) * S))
        for (be, i) in [(t.vk as Backend, 0), (t.ref as Backend, 1)] {
            let (va, vb, vc) = i == 0 ? (a.0, b.0, cat.0) : (a.1, b.1, cat.1)
            be.copyColumns(src: va, srcCols: C1 * S, srcCol: 0, dst: vc, dstCols: (C1 + C2) * S, dstCol: 0, rows: B, width: C1 * S)
            be.copyColumns(src: vb, srcCols: C2 * S, srcCol: 0, dst: vc, dstCols: (C1 + C2) * S, dstCol: C1 * S, rows: B, width: C2 * S)
        }
        expectBounded(t, cat, [Float](repeating: 0, count: B * (C1 + C2) * S), "channel concatenation")
    }
}
