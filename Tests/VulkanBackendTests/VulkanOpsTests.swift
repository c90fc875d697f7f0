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

    @Test("matmul, both kernels, all four transpositions, shapes off the tile grid, alpha/beta",
          arguments: [MatmulKernel.tiled, .direct], [(false, false), (true, false), (false, true), (true, true)])
    func matmul(kernel: MatmulKernel, transposes: (Bool, Bool)) throws {
        let t = Twin(vk: try VulkanTestEnv.backend(kernel: kernel))
        #expect(t.vk.matmulKernel == kernel)
        for (si, (m, n, k)) in Self.matmulShapes.enumerated() {
            for (alpha, beta) in [(Float(1), Float(0)), (Float(0.7), Float(0.5))] {
                let seed = UInt64(si * 10 + (beta == 0 ? 0 : 1))
                let a = try t.make(randomValues(m * k, seed: seed))
                let b = try t.make(randomValues(k * n, seed: seed + 100))
                // beta == 0 must ignore C's old contents, even NaN
                let c = try t.make(beta == 0 ? [Float](repeating: .nan, count: m * n) : randomValues(m * n, seed: seed + 200))
                t.vk.matmul(a.0, b.0, c.0, m: m, n: n, k: k, transA: transposes.0, transB: transposes.1, alpha: alpha, beta: beta)
                t.ref.matmul(a.1, b.1, c.1, m: m, n: n, k: k, transA: transposes.0, transB: transposes.1, alpha: alpha, beta: beta)
                let (got, want) = t.whole(c)
                expectClose(got, want, abs: 1e-5 * Float(k), rel: 1e-4,
                            "matmul \(kernel) m=\(m) n=\(n) k=\(k) transA=\(transposes.0) transB=\(transposes.1) alpha=\(alpha) beta=\(beta)")
            }
        }
    }

    @Test("linearForward and linearBackward (dx overwritten, dW and db accumulate)", arguments: [MatmulKernel.tiled, .direct])
    func linear(kernel: MatmulKernel) throws {
        let t = Twin(vk: try VulkanTestEnv.backend(kernel: kernel))
        for (batch, inF, outF) in [(7, 5, 3), (33, 70, 45), (64, 2, 130)] {
            let x = try t.make(randomValues(batch * inF, seed: 1))
            let w = try t.make(randomValues(outF * inF, seed: 2))
            let bias = try t.make(randomValues(outF, seed: 3))
            let y = try t.make([Float](repeating: .nan, count: batch * outF))
            t.vk.linearForward(x: x.0, weight: w.0, bias: bias.0, y: y.0, batch: batch, inFeatures: inF, outFeatures: outF)
            t.ref.linearForward(x: x.1, weight: w.1, bias: bias.1, y: y.1, batch: batch, inFeatures: inF, outFeatures: outF)
            let (gy, wy) = t.whole(y)
            expectClose(gy, wy, abs: 1e-5 * Float(inF), rel: 1e-4, "linearForward \(batch)×\(inF)→\(outF)")

            let dy = try t.make(randomValues(batch * outF, seed: 4))
            let dx = try t.make([Float](repeating: .nan, count: batch * inF))
            let dw = try t.make(randomValues(outF * inF, seed: 5))
            let db = try t.make(randomValues(outF, seed: 6))
            t.vk.linearBackward(x: x.0, weight: w.0, dy: dy.0, dx: dx.0, dWeight: dw.0, dBias: db.0,
                                batch: batch, inFeatures: inF, outFeatures: outF)
            t.ref.linearBackward(x: x.1, weight: w.1, dy: dy.1, dx: dx.1, dWeight: dw.1, dBias: db.1,
                                 batch: batch, inFeatures: inF, outFeatures: outF)
            let tol = 1e-5 * Float(max(batch, outF))
            let (gdx, wdx) = t.whole(dx); expectClose(gdx, wdx, abs: tol, rel: 1e-4, "linearBackward dx")
            let (gdw, wdw) = t.whole(dw); expectClose(gdw, wdw, abs: tol, rel: 1e-4, "linearBackward dW")
            let (gdb, wdb) = t.whole(db); expectClose(gdb, wdb, abs: tol, rel: 1e-4, "linearBackward dBias")
        }
    }

    @Test("biasBackward accumulates column sums")
    func biasBackward() throws {
        let t = Twin(vk: try VulkanTestEnv.require())
        let (rows, cols) = (300, 37)
        let dy = try t.make(randomValues(rows * cols, seed: 7))
        let db = try t.make(randomValues(cols, seed: 8))
        t.vk.biasBackward(dy: dy.0, dBias: db.0, rows: rows, cols: cols)
        t.ref.biasBackward(dy: dy.1, dBias: db.1, rows: rows, cols: cols)
        let (g, w) = t.whole(db)
        expectClose(g, w, abs: 1e-4, rel: 1e-5, "biasBackward")
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
        let (gy, wy) = t.whole(y)
        expectClose(gy, wy, abs: 1e-5, rel: 1e-5, "\(act) forward")

        let dy = try t.make(randomValues(xs.count, seed: 10))
        t.vk.activationBackward(act, x: x.0, dy: dy.0, dx: dy.0)
        t.ref.activationBackward(act, x: x.1, dy: dy.1, dx: dy.1)
        let (gd, wd) = t.whole(dy)
        expectClose(gd, wd, abs: 1e-5, rel: 1e-5, "\(act) backward")

        t.vk.activationForward(act, x: x.0, y: x.0)                  // y aliases x
        t.ref.activationForward(act, x: x.1, y: x.1)
        let (gi, wi) = t.whole(x)
        expectClose(gi, wi, abs: 1e-5, rel: 1e-5, "\(act) forward in place")
    }

    @Test("axpby, combine3 and rowCombine, including outputs aliasing inputs")
    func elementwise() throws {
        let t = Twin(vk: try VulkanTestEnv.require())
        let n = 1031
        let x = try t.make(randomValues(n, seed: 11)), y = try t.make(randomValues(n, seed: 12))
        let z = try t.make(randomValues(n, seed: 13)), out = try t.make([Float](repeating: .nan, count: n))
        t.vk.axpby(a: 0.3, x: x.0, b: -1.7, y: y.0, out: out.0)
        t.ref.axpby(a: 0.3, x: x.1, b: -1.7, y: y.1, out: out.1)
        var (g, w) = t.whole(out); expectClose(g, w, "axpby")
        t.vk.axpby(a: 2, x: x.0, b: 0.5, y: y.0, out: y.0)          // out aliases y
        t.ref.axpby(a: 2, x: x.1, b: 0.5, y: y.1, out: y.1)
        (g, w) = t.whole(y); expectClose(g, w, "axpby in place")
        t.vk.combine3(a: 0.1, x: x.0, b: 0.2, y: y.0, c: -0.3, z: z.0, out: z.0)
        t.ref.combine3(a: 0.1, x: x.1, b: 0.2, y: y.1, c: -0.3, z: z.1, out: z.1)
        (g, w) = t.whole(z); expectClose(g, w, "combine3 in place")

        let (rows, cols) = (41, 25)
        let ca = try t.make(randomValues(rows, seed: 14)), cb = try t.make(randomValues(rows, seed: 15))
        let rx = try t.make(randomValues(rows * cols, seed: 16)), ry = try t.make(randomValues(rows * cols, seed: 17))
        t.vk.rowCombine(ca: ca.0, x: rx.0, cb: cb.0, y: ry.0, out: rx.0, rows: rows, cols: cols)
        t.ref.rowCombine(ca: ca.1, x: rx.1, cb: cb.1, y: ry.1, out: rx.1, rows: rows, cols: cols)
        (g, w) = t.whole(rx); expectClose(g, w, "rowCombine in place")
    }

    @Test("sumOfSquares and rowSumOfSquares; the reduction is deterministic", arguments: [1, 255, 256, 1000, 70_001, 400_000])
    func sums(n: Int) throws {
        let t = Twin(vk: try VulkanTestEnv.require())
        let x = try t.make(randomValues(n, seed: UInt64(n)))
        let out = try t.make([.nan])
        t.vk.sumOfSquares(x.0, out: out.0)
        t.ref.sumOfSquares(x.1, out: out.1)
        let (g, w) = t.whole(out)
        expectClose(g, w, abs: 1e-6, rel: 2e-5, "sumOfSquares n=\(n)")
        let again = try t.make([.nan])
        t.vk.sumOfSquares(x.0, out: again.0)
        #expect(try t.vk.read(again.0)[0].bitPattern == (try t.vk.read(out.0))[0].bitPattern, "sumOfSquares n=\(n) not bit-reproducible")

        let cols = 7, rows = n / cols
        guard rows > 0 else { return }
        let rs = try t.make([Float](repeating: .nan, count: rows))
        t.vk.rowSumOfSquares(BufferView(x.0.buffer, offset: x.0.offset, count: rows * cols), out: rs.0, rows: rows, cols: cols)
        t.ref.rowSumOfSquares(BufferView(x.1.buffer, offset: x.1.offset, count: rows * cols), out: rs.1, rows: rows, cols: cols)
        let (gr, wr) = t.whole(rs)
        expectClose(gr, wr, abs: 1e-6, rel: 1e-5, "rowSumOfSquares rows=\(rows)")
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
        var (g, w) = t.whole(out); expectClose(g, w, abs: 0, rel: 0, "embeddingForward")
        let dOut = try t.make(randomValues(batch * dim, seed: 24))
        let dTable = try t.make(randomValues(vocab * dim, seed: 25))
        t.vk.embeddingBackward(labels: labels.0, dOut: dOut.0, dTable: dTable.0, batch: batch, dim: dim)
        t.ref.embeddingBackward(labels: labels.1, dOut: dOut.1, dTable: dTable.1, batch: batch, dim: dim)
        (g, w) = t.whole(dTable); expectClose(g, w, abs: 1e-6, rel: 1e-6, "embeddingBackward")
    }

    @Test("mseLoss: loss and gradient", arguments: [1, 300, 5000, 100_003])
    func mse(n: Int) throws {
        let t = Twin(vk: try VulkanTestEnv.require())
        let pred = try t.make(randomValues(n, seed: 26)), target = try t.make(randomValues(n, seed: 27))
        let dPred = try t.make([Float](repeating: .nan, count: n)), loss = try t.make([.nan])
        t.vk.mseLoss(pred: pred.0, target: target.0, dPred: dPred.0, lossOut: loss.0)
        t.ref.mseLoss(pred: pred.1, target: target.1, dPred: dPred.1, lossOut: loss.1)
        var (g, w) = t.whole(dPred); expectClose(g, w, abs: 1e-7, rel: 1e-5, "mseLoss dPred n=\(n)")
        (g, w) = t.whole(loss); expectClose(g, w, abs: 1e-7, rel: 2e-5, "mseLoss loss n=\(n)")
    }

    @Test("adamwStep with and without clipping, weight decay, bias correction; emaUpdate")
    func optimizer() throws {
        let t = Twin(vk: try VulkanTestEnv.require())
        let n = 3001
        let p = try t.make(randomValues(n, seed: 28)), g = try t.make(randomValues(n, seed: 29, lo: -3, hi: 3))
        let m = try t.make([Float](repeating: 0, count: n)), v = try t.make([Float](repeating: 0, count: n))
        let norm = try t.make([.nan])
        for step in 1...3 {
            t.vk.sumOfSquares(g.0, out: norm.0); t.ref.sumOfSquares(g.1, out: norm.1)
            let hyper = AdamWHyper(lr: 1e-2, weightDecay: step == 2 ? 0.1 : 0, clipNorm: step == 3 ? 0 : 5, step: step)
            t.vk.adamwStep(params: p.0, grads: g.0, m: m.0, v: v.0, gradNormSquared: norm.0, hyper: hyper)
            t.ref.adamwStep(params: p.1, grads: g.1, m: m.1, v: v.1, gradNormSquared: norm.1, hyper: hyper)
        }
        for (name, pair) in [("params", p), ("m", m), ("v", v)] {
            let (a, b) = t.whole(pair); expectClose(a, b, abs: 1e-6, rel: 1e-4, "adamwStep \(name)")
        }
        let ema = try t.make(randomValues(n, seed: 30))
        t.vk.emaUpdate(ema: ema.0, params: p.0, decay: 0.99); t.ref.emaUpdate(ema: ema.1, params: p.1, decay: 0.99)
        let (a, b) = t.whole(ema); expectClose(a, b, abs: 1e-6, rel: 1e-5, "emaUpdate")
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
        let a = try t.make(randomValues(m * k, seed: 40)), b = try t.make(randomValues(k * n, seed: 41))
        let c = try t.make(randomValues(m * n, seed: 42))
        t.vk.matmul(a.0, b.0, c.0, m: m, n: n, k: k, transA: false, transB: true, alpha: 1.5, beta: 0.5)
        t.ref.matmul(a.1, b.1, c.1, m: m, n: n, k: k, transA: false, transB: true, alpha: 1.5, beta: 0.5)
        var (g, w) = t.whole(c); expectClose(g, w, abs: 1e-4, rel: 1e-4, "matmul 16×8 workgroups")
        let x = try t.make(randomValues(70_001, seed: 43)), out = try t.make([.nan])
        t.vk.sumOfSquares(x.0, out: out.0); t.ref.sumOfSquares(x.1, out: out.1)
        (g, w) = t.whole(out); expectClose(g, w, abs: 1e-6, rel: 2e-5, "sumOfSquares, 128-wide groups")
        let dp = try t.make([Float](repeating: .nan, count: 70_001)), loss = try t.make([.nan])
        let y = try t.make(randomValues(70_001, seed: 44))
        t.vk.mseLoss(pred: x.0, target: y.0, dPred: dp.0, lossOut: loss.0)
        t.ref.mseLoss(pred: x.1, target: y.1, dPred: dp.1, lossOut: loss.1)
        (g, w) = t.whole(loss); expectClose(g, w, abs: 1e-7, rel: 2e-5, "mseLoss, 128-wide groups")
        t.vk.axpby(a: 2, x: x.0, b: -1, y: x.0, out: dp.0); t.ref.axpby(a: 2, x: x.1, b: -1, y: x.1, out: dp.1)
        (g, w) = t.whole(dp); expectClose(g, w, "axpby, 128-wide groups")
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
