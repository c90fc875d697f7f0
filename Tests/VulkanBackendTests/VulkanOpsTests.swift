// VulkanOpsTests.swift — every Backend op on Vulkan against ReferenceBackend on seeded random
// inputs, through views with offsets (the padding around each view must stay untouched).
import CPUBackend
import DiffusionCore
import Foundation
import Testing
import VulkanBackend

@Suite("Vulkan ops vs reference", .serialized, .enabled(if: VulkanTestEnv.enabled, VulkanTestEnv.skipReason))
struct VulkanOpsTests {
    static let matmulShapes: [(Int, Int, Int)] = [(1, 1, 1), (5, 3, 7), (37, 29, 70), (64, 64, 16), (130, 67, 33), (3, 200, 257), (70, 9, 0)]

    /// C = α·op(A)·op(B) + β·C per element (SpecTolerance.matmulBound).
    static func matmulBounds(_ a: [Float], _ b: [Float], _ c: [Float], m: Int, n: Int, k: Int, transposes: (Bool, Bool),
                             alpha: Float, beta: Float) -> [Double] {
        let d = SpecTolerance.dots(a, b, m: m, n: n, k: k, transA: transposes.0, transB: transposes.1)
        return (0..<m * n).map { SpecTolerance.matmulBound(exact: d.exact[$0], absDot: d.abs[$0], k: k, alpha: alpha, beta: beta, old: beta == 0 ? 0 : c[$0]) }
    }

    /// sumOfSquares: n products, summed in any order (the GPU's tree, the CPU's serial loop).
    static func sumOfSquaresBound(_ x: [Float]) -> Double {
        SpecTolerance.between { s in s.sum(x.map { s.mul(Bounded($0), Bounded($0)) }) }
    }

    /// mseLoss: dPred = 2·(p − t)/N per element; loss = fl(1/N)·Σ(p − t)² (the GPU's scale is the
    /// host's float 1/N, within 2^-24 relative; the CPU divides in double).
    static func mseBounds(_ p: [Float], _ t: [Float]) -> (dPred: [Double], loss: Double) {
        let n = Double(p.count)
        let dPred = zip(p, t).map { pv, tv in
            SpecTolerance.between { s in s.div(s.mul(Bounded(2), s.sub(Bounded(pv), Bounded(tv))), Bounded(n)) }
        }
        let loss = SpecTolerance.between { s in
            let sq = zip(p, t).map { pv, tv in let d = s.sub(Bounded(pv), Bounded(tv)); return s.mul(d, d) }
            return s.mul(Bounded(1 / n, 0x1p-24 / n), s.sum(sq))
        }
        return (dPred, loss)
    }

    /// out = a·x + b·y per element.
    static func axpbyModel(_ s: SpecArith, _ a: Float, _ x: [Bounded], _ b: Float, _ y: [Bounded]) -> [Bounded] {
        zip(x, y).map { s.add(s.mul(Bounded(a), $0), s.mul(Bounded(b), $1)) }
    }

    @Test("matmul, both kernels, all four transpositions, shapes off the tile grid, alpha/beta",
          arguments: [MatmulKernel.tiled, .direct], [(false, false), (true, false), (false, true), (true, true)])
    func matmul(kernel: MatmulKernel, transposes: (Bool, Bool)) throws {
        let t = Twin(vk: try VulkanTestEnv.backend(kernel: kernel))
        #expect(t.vk.matmulKernel == kernel)
        for (si, (m, n, k)) in Self.matmulShapes.enumerated() {
            for (alpha, beta) in [(Float(1), Float(0)), (Float(0.7), Float(0.5))] {
                let seed = UInt64(si * 10 + (beta == 0 ? 0 : 1))
                let av = randomValues(m * k, seed: seed), bv = randomValues(k * n, seed: seed + 100)
                // beta == 0 must ignore C's old contents, even NaN
                let cv = beta == 0 ? [Float](repeating: .nan, count: m * n) : randomValues(m * n, seed: seed + 200)
                let a = try t.make(av), b = try t.make(bv), c = try t.make(cv)
                t.vk.matmul(a.0, b.0, c.0, m: m, n: n, k: k, transA: transposes.0, transB: transposes.1, alpha: alpha, beta: beta)
                t.ref.matmul(a.1, b.1, c.1, m: m, n: n, k: k, transA: transposes.0, transB: transposes.1, alpha: alpha, beta: beta)
                // per element: α·(k-term dot, ≤ γ_k·Σ|a||b| on each side) + β·c, each op rounded
                let bound = Self.matmulBounds(av, bv, cv, m: m, n: n, k: k, transposes: transposes, alpha: alpha, beta: beta)
                expectWithin(t, c, bound, "matmul \(kernel) m=\(m) n=\(n) k=\(k) transA=\(transposes.0) transB=\(transposes.1) alpha=\(alpha) beta=\(beta)")
            }
        }
    }

    @Test("linearForward and linearBackward (dx overwritten, dW and db accumulate)", arguments: [MatmulKernel.tiled, .direct])
    func linear(kernel: MatmulKernel) throws {
        let t = Twin(vk: try VulkanTestEnv.backend(kernel: kernel))
        for (batch, inF, outF) in [(7, 5, 3), (33, 70, 45), (64, 2, 130)] {
            let xv = randomValues(batch * inF, seed: 1), wv = randomValues(outF * inF, seed: 2), bv = randomValues(outF, seed: 3)
            let x = try t.make(xv), w = try t.make(wv), bias = try t.make(bv)
            let y = try t.make([Float](repeating: .nan, count: batch * outF))
            t.vk.linearForward(x: x.0, weight: w.0, bias: bias.0, y: y.0, batch: batch, inFeatures: inF, outFeatures: outF)
            t.ref.linearForward(x: x.1, weight: w.1, bias: bias.1, y: y.1, batch: batch, inFeatures: inF, outFeatures: outF)
            // y = (IN-term dot of x and W's row) + bias, per element
            let fd = SpecTolerance.dots(xv, wv, m: batch, n: outF, k: inF, transA: false, transB: true)
            let yBound = (0..<batch * outF).map { i in
                SpecTolerance.between { s in s.add(s.dot(exact: fd.exact[i], absDot: fd.abs[i], k: inF), Bounded(bv[i % outF])) }
            }
            expectWithin(t, y, yBound, "linearForward \(batch)×\(inF)→\(outF)")

            let dyv = randomValues(batch * outF, seed: 4), dwv = randomValues(outF * inF, seed: 5), dbv = randomValues(outF, seed: 6)
            let dy = try t.make(dyv)
            let dx = try t.make([Float](repeating: .nan, count: batch * inF))
            let dw = try t.make(dwv)
            let db = try t.make(dbv)
            t.vk.linearBackward(x: x.0, weight: w.0, dy: dy.0, dx: dx.0, dWeight: dw.0, dBias: db.0,
                                batch: batch, inFeatures: inF, outFeatures: outF)
            t.ref.linearBackward(x: x.1, weight: w.1, dy: dy.1, dx: dx.1, dWeight: dw.1, dBias: db.1,
                                 batch: batch, inFeatures: inF, outFeatures: outF)
            // dx = dy·W (OUT terms); dW += dyᵀ·x (BATCH terms); dBias += column sums of dy (BATCH terms)
            let dxBound = Self.matmulBounds(dyv, wv, [], m: batch, n: inF, k: outF, transposes: (false, false), alpha: 1, beta: 0)
            let dwBound = Self.matmulBounds(dyv, xv, dwv, m: outF, n: inF, k: batch, transposes: (true, false), alpha: 1, beta: 1)
            let dbBound = SpecTolerance.columnSumBounds(dyv, rows: batch, cols: outF, old: dbv)
            expectWithin(t, dx, dxBound, "linearBackward dx \(batch)×\(inF)→\(outF)")
            expectWithin(t, dw, dwBound, "linearBackward dW \(batch)×\(inF)→\(outF)")
            expectWithin(t, db, dbBound, "linearBackward dBias \(batch)×\(inF)→\(outF)")
        }
    }

    @Test("biasBackward accumulates column sums")
    func biasBackward() throws {
        let t = Twin(vk: try VulkanTestEnv.require())
        let (rows, cols) = (300, 37)
        let dyv = randomValues(rows * cols, seed: 7), dbv = randomValues(cols, seed: 8)
        let dy = try t.make(dyv), db = try t.make(dbv)
        t.vk.biasBackward(dy: dy.0, dBias: db.0, rows: rows, cols: cols)
        t.ref.biasBackward(dy: dy.1, dBias: db.1, rows: rows, cols: cols)
        // old + a 300-term column sum, any order: γ_300·Σ|terms| per column on each side
        expectWithin(t, db, SpecTolerance.columnSumBounds(dyv, rows: rows, cols: cols, old: dbv), "biasBackward")
    }

    @Test("activations forward and backward (dx aliasing dy)", arguments: Activation.allCases)
    func activation(_ act: Activation) throws {
        let t = Twin(vk: try VulkanTestEnv.require())
        var xs = randomValues(1000, seed: 9, lo: -8, hi: 8)
        xs += [0, -0.0, 30, -30, 100, -100, 1e-3, -1e-3]
        let x = try t.make(xs)
        let y = try t.make([Float](repeating: .nan, count: xs.count))
        t.vk.activationForward(act, x: x.0, y: y.0)
        t.ref.activationForward(act, x: x.1, y: y.1)
        // per element, the formula op by op: exp (3 + 2|x|) ulp, fdiv 2.5 ulp, tanh from exp
        // (SpecArith.activation); relu is exact
        let yBound = xs.map { xv in SpecTolerance.between { $0.activation(act, Bounded(xv)) } }
        expectWithin(t, y, yBound, "\(act) forward")

        let dyv = randomValues(xs.count, seed: 10)
        let dy = try t.make(dyv)
        t.vk.activationBackward(act, x: x.0, dy: dy.0, dx: dy.0)
        t.ref.activationBackward(act, x: x.1, dy: dy.1, dx: dy.1)
        let dxBound = zip(xs, dyv).map { xv, d in SpecTolerance.between { s in s.mul(Bounded(d), s.activationDerivative(act, Bounded(xv))) } }
        expectWithin(t, dy, dxBound, "\(act) backward")

        t.vk.activationForward(act, x: x.0, y: x.0)                  // y aliases x
        t.ref.activationForward(act, x: x.1, y: x.1)
        expectWithin(t, x, yBound, "\(act) forward in place")
    }

    @Test("axpby, axpbypcz and rowCombine, including outputs aliasing inputs")
    func elementwise() throws {
        let t = Twin(vk: try VulkanTestEnv.require())
        let n = 1031
        let xv = randomValues(n, seed: 11).map { Bounded($0) }, yv = randomValues(n, seed: 12).map { Bounded($0) }
        let zv = randomValues(n, seed: 13).map { Bounded($0) }
        let x = try t.make(xv.map { Float($0.v) }), y = try t.make(yv.map { Float($0.v) })
        let z = try t.make(zv.map { Float($0.v) }), out = try t.make([Float](repeating: .nan, count: n))
        t.vk.axpby(a: 0.3, x: x.0, b: -1.7, y: y.0, out: out.0)
        t.ref.axpby(a: 0.3, x: x.1, b: -1.7, y: y.1, out: out.1)
        // a·x + b·y: two products and a sum, each rounded (or fused), per element
        expectWithin(t, out, SpecTolerance.betweenAll { Self.axpbyModel($0, 0.3, xv, -1.7, yv) }, "axpby")
        t.vk.axpby(a: 2, x: x.0, b: 0.5, y: y.0, out: y.0)          // out aliases y
        t.ref.axpby(a: 2, x: x.1, b: 0.5, y: y.1, out: y.1)
        expectWithin(t, y, SpecTolerance.betweenAll { Self.axpbyModel($0, 2, xv, 0.5, yv) }, "axpby in place")
        t.vk.axpbypcz(a: 0.1, x: x.0, b: 0.2, y: y.0, c: -0.3, z: z.0, out: z.0)
        t.ref.axpbypcz(a: 0.1, x: x.1, b: 0.2, y: y.1, c: -0.3, z: z.1, out: z.1)
        // (a·x + b·y) + c·z, with y the in-place axpby's output (already apart by its bound)
        let combined = SpecTolerance.betweenAll { s in
            let y2 = Self.axpbyModel(s, 2, xv, 0.5, yv)
            return zip(Self.axpbyModel(s, 0.1, xv, 0.2, y2), zv).map { s.add($0, s.mul(Bounded(-0.3), $1)) }
        }
        expectWithin(t, z, combined, "axpbypcz in place")

        let (rows, cols) = (41, 25)
        let cav = randomValues(rows, seed: 14), cbv = randomValues(rows, seed: 15)
        let rxv = randomValues(rows * cols, seed: 16), ryv = randomValues(rows * cols, seed: 17)
        let ca = try t.make(cav), cb = try t.make(cbv), rx = try t.make(rxv), ry = try t.make(ryv)
        t.vk.rowCombine(ca: ca.0, x: rx.0, cb: cb.0, y: ry.0, out: rx.0, rows: rows, cols: cols)
        t.ref.rowCombine(ca: ca.1, x: rx.1, cb: cb.1, y: ry.1, out: rx.1, rows: rows, cols: cols)
        let rowBound = (0..<rows * cols).map { i in
            SpecTolerance.between { s in s.add(s.mul(Bounded(cav[i / cols]), Bounded(rxv[i])), s.mul(Bounded(cbv[i / cols]), Bounded(ryv[i]))) }
        }
        expectWithin(t, rx, rowBound, "rowCombine in place")
    }

    @Test("sumOfSquares and rowSumOfSquares; the reduction is deterministic", arguments: [1, 255, 256, 1000, 70_001, 400_000])
    func sums(n: Int) throws {
        let t = Twin(vk: try VulkanTestEnv.require())
        let xv = randomValues(n, seed: UInt64(n))
        let x = try t.make(xv)
        let out = try t.make([.nan])
        t.vk.sumOfSquares(x.0, out: out.0)
        t.ref.sumOfSquares(x.1, out: out.1)
        // n products summed in any order: ≤ γ_(n−1)·Σx² (+ the products' rounding) on each side
        expectWithin(t, out, [Self.sumOfSquaresBound(xv)], "sumOfSquares n=\(n)")
        let again = try t.make([.nan])
        t.vk.sumOfSquares(x.0, out: again.0)
        #expect(try t.vk.read(again.0)[0].bitPattern == (try t.vk.read(out.0))[0].bitPattern, "sumOfSquares n=\(n) not bit-reproducible")

        let cols = 7, rows = n / cols
        guard rows > 0 else { return }
        let rs = try t.make([Float](repeating: .nan, count: rows))
        t.vk.rowSumOfSquares(BufferView(x.0.buffer, offset: x.0.offset, count: rows * cols), out: rs.0, rows: rows, cols: cols)
        t.ref.rowSumOfSquares(BufferView(x.1.buffer, offset: x.1.offset, count: rows * cols), out: rs.1, rows: rows, cols: cols)
        let rowBound = (0..<rows).map { r in Self.sumOfSquaresBound(Array(xv[r * cols..<(r + 1) * cols])) }
        expectWithin(t, rs, rowBound, "rowSumOfSquares rows=\(rows)")
    }

    @Test("copy, fill and copyColumns (concat forward, split backward)")
    func copies() throws {
        let t = Twin(vk: try VulkanTestEnv.require())
        let src = try t.make(randomValues(500, seed: 18))
        let dst = try t.make([Float](repeating: .nan, count: 500))
        t.vk.copy(src.0, to: dst.0); t.ref.copy(src.1, to: dst.1)
        var (g, w) = t.whole(dst); expectClose(g, w, abs: 0, rel: 0, "copy")
        t.vk.fill(dst.0.slice(10, 100), value: -2.5); t.ref.fill(dst.1.slice(10, 100), value: -2.5)
        (g, w) = t.whole(dst); expectClose(g, w, abs: 0, rel: 0, "fill")

        let rows = 13
        let a = try t.make(randomValues(rows * 5, seed: 19)), b = try t.make(randomValues(rows * 3, seed: 20))
        let cat = try t.make([Float](repeating: .nan, count: rows * 8))
        for (be, v) in [(t.vk as Backend, 0), (t.ref as Backend, 1)] {
            let (va, vb, vc) = v == 0 ? (a.0, b.0, cat.0) : (a.1, b.1, cat.1)
            be.copyColumns(src: va, srcCols: 5, srcCol: 0, dst: vc, dstCols: 8, dstCol: 0, rows: rows, width: 5)
            be.copyColumns(src: vb, srcCols: 3, srcCol: 1, dst: vc, dstCols: 8, dstCol: 5, rows: rows, width: 2)
        }
        (g, w) = t.whole(cat)
        expectClose(g, w, abs: 0, rel: 0, "copyColumns")
    }

    @Test("timeEmbedding")
    func timeEmbedding() throws {
        let t = Twin(vk: try VulkanTestEnv.require())
        for (scale, lo, hi) in [(Float(1), Float(0), Float(1000)), (Float(1000), Float(0), Float(1))] {
            let batch = 19, dim = 32
            let ts = try t.make(randomValues(batch, seed: 21, lo: lo, hi: hi))
            let out = try t.make([Float](repeating: .nan, count: batch * dim))
            t.vk.timeEmbedding(t: ts.0, out: out.0, batch: batch, dim: dim, scale: scale)
            t.ref.timeEmbedding(t: ts.1, out: out.1, batch: batch, dim: dim, scale: scale)
            let (g, w) = t.whole(out)
            // Bound from the spec, not from lavapipe: the argument scale·t·freq is the same float on
            // both (host frequencies, correctly rounded ×, `precise`); the shader's sin/cos are
            // PortableMath.sinCos (≤ 4e-7 from the exact value up to 1000 rad, PortableMathTests)
            // and the CPU's sinf/cosf ≤ 1 ulp (6e-8): 5e-7 covers both on any conforming driver.
            expectClose(g, w, abs: 5e-7, rel: 0, "timeEmbedding scale=\(scale)")
            // and the shader computes PortableMath's floats exactly (only +, −, × and roundEven)
            let tv = try t.vk.read(ts.0), gv = try t.vk.read(out.0)
            let half = dim / 2
            var same = 0
            for b in 0..<batch {
                for i in 0..<half {
                    let (sn, cs) = PortableMath.sinCos(scale * tv[b] * ReferenceMath.timeFrequency(i, half: half))
                    if gv[b * dim + i] == sn && gv[b * dim + half + i] == cs { same += 1 }
                }
            }
            #expect(same == batch * half, "timeEmbedding scale=\(scale): \(batch * half - same) values differ from PortableMath.sinCos")
        }
    }

    @Test("embeddingForward and embeddingBackward (repeated labels accumulate)")
    func embeddings() throws {
        let t = Twin(vk: try VulkanTestEnv.require())
        let (vocab, dim, batch) = (11, 9, 40)
        var rng = PhiloxStream(seed: 22)
        let labels = try t.make((0..<batch).map { _ in Float(rng.int(vocab)) })
        let table = try t.make(randomValues(vocab * dim, seed: 23))
        let out = try t.make([Float](repeating: .nan, count: batch * dim))
        t.vk.embeddingForward(labels: labels.0, table: table.0, out: out.0, batch: batch, dim: dim)
        t.ref.embeddingForward(labels: labels.1, table: table.1, out: out.1, batch: batch, dim: dim)
        let (g, w) = t.whole(out); expectClose(g, w, abs: 0, rel: 0, "embeddingForward")
        let dOutV = randomValues(batch * dim, seed: 24), dTableV = randomValues(vocab * dim, seed: 25)
        let dOut = try t.make(dOutV), dTable = try t.make(dTableV)
        t.vk.embeddingBackward(labels: labels.0, dOut: dOut.0, dTable: dTable.0, batch: batch, dim: dim)
        t.ref.embeddingBackward(labels: labels.1, dOut: dOut.1, dTable: dTable.1, batch: batch, dim: dim)
        // per table element: old + the dOut rows of its label, summed in any order
        let lv = try t.vk.read(labels.0).map { Int($0) }
        let tableBound = (0..<vocab * dim).map { i in
            SpecTolerance.between { s in
                s.add(Bounded(dTableV[i]), s.sum((0..<batch).filter { lv[$0] == i / dim }.map { Bounded(dOutV[$0 * dim + i % dim]) }))
            }
        }
        expectWithin(t, dTable, tableBound, "embeddingBackward")
    }

    @Test("mseLoss: loss and gradient", arguments: [1, 300, 5000, 100_003])
    func mse(n: Int) throws {
        let t = Twin(vk: try VulkanTestEnv.require())
        let pv = randomValues(n, seed: 26), tv = randomValues(n, seed: 27)
        let pred = try t.make(pv), target = try t.make(tv)
        let dPred = try t.make([Float](repeating: .nan, count: n)), loss = try t.make([.nan])
        t.vk.mseLoss(pred: pred.0, target: target.0, dPred: dPred.0, lossOut: loss.0)
        t.ref.mseLoss(pred: pred.1, target: target.1, dPred: dPred.1, lossOut: loss.1)
        let bounds = Self.mseBounds(pv, tv)
        expectWithin(t, dPred, bounds.dPred, "mseLoss dPred n=\(n)")
        expectWithin(t, loss, [bounds.loss], "mseLoss loss n=\(n)")
    }

    @Test("adamwStep with and without clipping, weight decay, bias correction; emaUpdate")
    func optimizer() throws {
        let t = Twin(vk: try VulkanTestEnv.require())
        let n = 3001
        let pv = randomValues(n, seed: 28), gv = randomValues(n, seed: 29, lo: -3, hi: 3), ev = randomValues(n, seed: 30)
        let p = try t.make(pv), g = try t.make(gv)
        let m = try t.make([Float](repeating: 0, count: n)), v = try t.make([Float](repeating: 0, count: n))
        // the same ‖g‖² on both (the CPU's: sumOfSquares has its own test above), so the bound
        // is AdamW's alone: the reduction's γ_n would otherwise swamp it through the clip factor
        let normSquared = gv.reduce(Float(0)) { $0 + $1 * $1 }
        let norm = try t.make([normSquared])
        let hypers = (1...3).map { step in AdamWHyper(lr: 1e-2, weightDecay: step == 2 ? 0.1 : 0, clipNorm: step == 3 ? 0 : 5, step: step) }
        for hyper in hypers {
            t.vk.adamwStep(params: p.0, grads: g.0, m: m.0, v: v.0, gradNormSquared: norm.0, hyper: hyper)
            t.ref.adamwStep(params: p.1, grads: g.1, m: m.1, v: v.1, gradNormSquared: norm.1, hyper: hyper)
        }
        let ema = try t.make(ev)
        t.vk.emaUpdate(ema: ema.0, params: p.0, decay: 0.99); t.ref.emaUpdate(ema: ema.1, params: p.1, decay: 0.99)
        // The three steps and the EMA op by op on each side (SpecArith.adamw, .ema), the state
        // carried as Bounded: each side's m, v, p drift from the exact values by up to their
        // bounds and feed the next step.
        func model(_ s: SpecArith) -> (p: [Bounded], m: [Bounded], v: [Bounded], ema: [Bounded]) {
            var P = pv.map { Bounded($0) }, M = [Bounded](repeating: Bounded(0), count: n), V = M
            for h in hypers {
                let (clip, decided) = s.adamwClip(normSquared: Bounded(normSquared), clipNorm: h.clipNorm)
                #expect(decided, "the clip branch must not depend on rounding")
                for i in 0..<n { (P[i], M[i], V[i]) = s.adamw(p: P[i], g: Bounded(gv[i]), m: M[i], v: V[i], clip: clip, h) }
            }
            return (P, M, V, (0..<n).map { s.ema(Bounded(ev[$0]), P[$0], decay: 0.99) })
        }
        let vk = model(SpecArith(rules: .vulkan)), host = model(SpecArith(rules: .host))
        func bound(_ k: KeyPath<(p: [Bounded], m: [Bounded], v: [Bounded], ema: [Bounded]), [Bounded]>) -> [Double] {
            zip(vk[keyPath: k], host[keyPath: k]).map { $0.e + $1.e }
        }
        expectWithin(t, p, bound(\.p), "adamwStep params")
        expectWithin(t, m, bound(\.m), "adamwStep m")
        expectWithin(t, v, bound(\.v), "adamwStep v")
        expectWithin(t, ema, bound(\.ema), "emaUpdate")
    }

    @Test("gaussianNoise: raw Philox words bit-identical to the CPU, normals within float tolerance")
    func noise() throws {
        let t = Twin(vk: try VulkanTestEnv.require())
        for (seed, base, n) in [(UInt64(0), UInt64(0), 4), (0x1234_5678_9abc_def0, 7, 1001), (42, 0xFFFF_FFFE, 4099)] {
            let raw = try t.make([Float](repeating: 0, count: n))
            t.vk.philoxRawWords(out: raw.0, seed: seed, counterBase: base)
            let words = try t.vk.read(raw.0).map { $0.bitPattern }
            let want: [UInt32] = (0..<n).map { i in
                let w = Philox.words(seed: seed, block: base + UInt64(i / 4))
                return [w.0, w.1, w.2, w.3][i % 4]
            }
            #expect(words == want, "Philox raw words differ for seed \(seed) counterBase \(base)")

            let out = try t.make([Float](repeating: .nan, count: n))
            t.vk.gaussianNoise(out: out.0, seed: seed, counterBase: base)
            t.ref.gaussianNoise(out: out.1, seed: seed, counterBase: base)
            let (g, w) = t.whole(out)
            expectClose(g, w, abs: VulkanNoiseBound.abs, rel: 0, "gaussianNoise seed \(seed)")
        }
        // Random123 known answer through the shader: counter 0, key 0 → 6627e8d5 e169c58d bc57ac4c 9b00dbd8
        let kat = try t.make([Float](repeating: 0, count: 4))
        t.vk.philoxRawWords(out: kat.0, seed: 0, counterBase: 0)
        #expect(try t.vk.read(kat.0).map { $0.bitPattern } == [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8])
    }

    @Test("128-invocation workgroups (the Vulkan minimum limit): matmul, reductions and elementwise ops")
    func smallWorkgroups() throws {
        var options = VulkanTestEnv.options()
        options.matmulKernel = .tiled
        options.maxWorkgroupInvocations = 128
        _ = try VulkanTestEnv.require()
        let t = Twin(vk: try VulkanComputeBackend(options: options))
        #expect(t.vk.workgroupShapes == (128, 16, 8))
        let (m, n, k) = (45, 70, 33)
        let av = randomValues(m * k, seed: 40), bv = randomValues(k * n, seed: 41), cv = randomValues(m * n, seed: 42)
        let a = try t.make(av), b = try t.make(bv), c = try t.make(cv)
        t.vk.matmul(a.0, b.0, c.0, m: m, n: n, k: k, transA: false, transB: true, alpha: 1.5, beta: 0.5)
        t.ref.matmul(a.1, b.1, c.1, m: m, n: n, k: k, transA: false, transB: true, alpha: 1.5, beta: 0.5)
        expectWithin(t, c, Self.matmulBounds(av, bv, cv, m: m, n: n, k: k, transposes: (false, true), alpha: 1.5, beta: 0.5),
                     "matmul 16×8 workgroups")
        let xv = randomValues(70_001, seed: 43), yv = randomValues(70_001, seed: 44)
        let x = try t.make(xv), out = try t.make([.nan])
        t.vk.sumOfSquares(x.0, out: out.0); t.ref.sumOfSquares(x.1, out: out.1)
        expectWithin(t, out, [Self.sumOfSquaresBound(xv)], "sumOfSquares, 128-wide groups")
        let dp = try t.make([Float](repeating: .nan, count: 70_001)), loss = try t.make([.nan])
        let y = try t.make(yv)
        t.vk.mseLoss(pred: x.0, target: y.0, dPred: dp.0, lossOut: loss.0)
        t.ref.mseLoss(pred: x.1, target: y.1, dPred: dp.1, lossOut: loss.1)
        expectWithin(t, loss, [Self.mseBounds(xv, yv).loss], "mseLoss, 128-wide groups")
        t.vk.axpby(a: 2, x: x.0, b: -1, y: x.0, out: dp.0); t.ref.axpby(a: 2, x: x.1, b: -1, y: x.1, out: dp.1)
        let xb = xv.map { Bounded($0) }
        expectWithin(t, dp, SpecTolerance.betweenAll { Self.axpbyModel($0, 2, xb, -1, xb) }, "axpby, 128-wide groups")
    }

    @Test("uploads and downloads larger than the staging ring, interleaved with ops")
    func largeTransfers() throws {
        let vk = try VulkanTestEnv.require()
        let n = 3_000_000   // 12 MB, more than the 8 MB staging ring
        let values = randomValues(n, seed: 31)
        let a = try vk.makeBuffer(count: n + 5)
        let view = BufferView(a, offset: 5, count: n)
        vk.write(values, to: view)
        vk.axpby(a: 2, x: view, b: 0, y: view, out: view)
        vk.write(Array(values[0..<1000]), to: view.slice(0, 1000))   // ordered after the axpby
        let back = try vk.read(view)
        #expect(Array(back[0..<1000]) == Array(values[0..<1000]))
        #expect(Array(back[1000...]) == values[1000...].map { 2 * $0 })
        #expect(try vk.read(BufferView(a, offset: 0, count: 5)) == [0, 0, 0, 0, 0])
        // many small writes in one submission fill the ring and force intermediate flushes
        let small = try vk.makeBuffer(count: 300_000)
        for i in 0..<10 { vk.write([Float](repeating: Float(i), count: 300_000), to: BufferView(small)) }
        #expect(try vk.read(BufferView(small)).allSatisfy { $0 == 9 })
    }
}
