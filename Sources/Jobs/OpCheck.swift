// OpCheck.swift — every Backend op on a backend against ReferenceBackend (the naive loops), on
// odd shapes with random inputs: what `diffbench --only ops` and scripts/gpu-check.sh run on a
// device (like ggml's test-backend-ops). An output element passes when
// |got − ref| ≤ abs + rel·|ref| with fixed per-op tolerances. These are not the per-element
// bounds derived from the Vulkan spec's precision rules that the Vulkan tests use
// (Tests/VulkanBackendTests/SpecTolerance.swift): a quick screen of a device, not a proof.
import CPUBackend
import DiffusionCore
import Foundation

public struct OpCheckResult: Sendable {
    public let op: String
    public let shape: String
    public let elements: Int
    /// the largest |got − ref| / (abs + rel·|ref|): ≤ 1 passes
    public let worstRatio: Double
    public let maxAbsError: Double
    public let error: String?
    public var passed: Bool { error == nil && worstRatio <= 1 }
}

public enum OpCheck {
    /// One op on one shape: `run` enqueues the op on `backend` with the given input values and
    /// returns the views to read back.
    struct Case {
        let op: String
        let shape: String
        let abs: Float
        let rel: Float
        let run: (Backend, inout InputSource) throws -> [BufferView]
    }

    /// Uniform inputs in [lo, hi) from a fixed seed, so both backends see the same numbers.
    struct InputSource {
        var state: UInt64
        mutating func next() -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(state >> 40) / Float(1 << 24)
        }
        mutating func values(_ n: Int, _ lo: Float = -1, _ hi: Float = 1) -> [Float] {
            (0..<n).map { _ in lo + (hi - lo) * next() }
        }
    }

    static func buffer(_ b: Backend, _ values: [Float]) throws -> BufferView { BufferView(try b.makeBuffer(values)) }

    static var cases: [Case] {
        var list: [Case] = []
        for (m, n, k) in [(37, 29, 53), (130, 70, 90)] {
            for ta in [false, true] { for tb in [false, true] {
                list.append(Case(op: "matmul\(ta ? "ᵀ" : "")·\(tb ? "ᵀ" : "")", shape: "\(m)x\(n)x\(k)", abs: 1e-5, rel: 1e-4) { b, src in
                    let a = try buffer(b, src.values(m * k)), bb = try buffer(b, src.values(k * n)), c = try buffer(b, src.values(m * n))
                    b.matmul(a, bb, c, m: m, n: n, k: k, transA: ta, transB: tb, alpha: 0.75, beta: 0.5)
                    return [c]
                }) } }
        }
        let (batch, inF, outF) = (33, 19, 41)
        list.append(Case(op: "linearForward", shape: "\(batch)x\(inF)→\(outF)", abs: 1e-5, rel: 1e-4) { b, src in
            let x = try buffer(b, src.values(batch * inF)), w = try buffer(b, src.values(outF * inF)), bias = try buffer(b, src.values(outF))
            let y = try buffer(b, [Float](repeating: 0, count: batch * outF))
            b.linearForward(x: x, weight: w, bias: bias, y: y, batch: batch, inFeatures: inF, outFeatures: outF)
            return [y]
        })
        list.append(Case(op: "linearBackward", shape: "\(batch)x\(inF)→\(outF)", abs: 1e-5, rel: 1e-4) { b, src in
            let x = try buffer(b, src.values(batch * inF)), w = try buffer(b, src.values(outF * inF)), dy = try buffer(b, src.values(batch * outF))
            let dx = try buffer(b, [Float](repeating: 0, count: batch * inF))
            let dw = try buffer(b, src.values(outF * inF)), db = try buffer(b, src.values(outF))
            b.linearBackward(x: x, weight: w, dy: dy, dx: dx, dWeight: dw, dBias: db, batch: batch, inFeatures: inF, outFeatures: outF)
            return [dx, dw, db]
        })
        list.append(Case(op: "biasBackward", shape: "77x13", abs: 1e-5, rel: 1e-4) { b, src in
            let dy = try buffer(b, src.values(77 * 13)), db = try buffer(b, src.values(13))
            b.biasBackward(dy: dy, dBias: db, rows: 77, cols: 13)
            return [db]
        })
        for act in Activation.allCases {
            list.append(Case(op: "activationForward(\(act.rawValue))", shape: "1001", abs: 1e-5, rel: 1e-5) { b, src in
                let x = try buffer(b, src.values(1001, -6, 6)), y = try buffer(b, [Float](repeating: 0, count: 1001))
                b.activationForward(act, x: x, y: y)
                return [y]
            })
            list.append(Case(op: "activationBackward(\(act.rawValue))", shape: "1001", abs: 1e-5, rel: 1e-5) { b, src in
                let x = try buffer(b, src.values(1001, -6, 6)), dy = try buffer(b, src.values(1001))
                let dx = try buffer(b, [Float](repeating: 0, count: 1001))
                b.activationBackward(act, x: x, dy: dy, dx: dx)
                return [dx]
            })
        }
        list.append(Case(op: "fill", shape: "517", abs: 0, rel: 0) { b, _ in
            let x = try buffer(b, [Float](repeating: 1, count: 517)); b.fill(x.slice(3, 500), value: -2.5); return [x]
        })
        list.append(Case(op: "copy", shape: "517", abs: 0, rel: 0) { b, src in
            let x = try buffer(b, src.values(517)), y = try buffer(b, src.values(517)); b.copy(x.slice(0, 400), to: y.slice(17, 400)); return [y]
        })
        list.append(Case(op: "axpby", shape: "999", abs: 1e-6, rel: 1e-6) { b, src in
            let x = try buffer(b, src.values(999)), y = try buffer(b, src.values(999)), o = try buffer(b, src.values(999))
            b.axpby(a: 0.3, x: x, b: -1.7, y: y, out: o); return [o]
        })
        list.append(Case(op: "axpbypcz", shape: "999", abs: 1e-6, rel: 1e-6) { b, src in
            let x = try buffer(b, src.values(999)), y = try buffer(b, src.values(999)), z = try buffer(b, src.values(999))
            let o = try buffer(b, src.values(999))
            b.axpbypcz(a: 0.3, x: x, b: -1.7, y: y, c: 2.1, z: z, out: o); return [o]
        })
        list.append(Case(op: "rowCombine", shape: "57x9", abs: 1e-6, rel: 1e-6) { b, src in
            let ca = try buffer(b, src.values(57)), cb = try buffer(b, src.values(57))
            let x = try buffer(b, src.values(57 * 9)), y = try buffer(b, src.values(57 * 9)), o = try buffer(b, src.values(57 * 9))
            b.rowCombine(ca: ca, x: x, cb: cb, y: y, out: o, rows: 57, cols: 9); return [o]
        })
        list.append(Case(op: "sumOfSquares", shape: "100003", abs: 1e-3, rel: 1e-4) { b, src in
            let x = try buffer(b, src.values(100_003)), o = try buffer(b, [0]); b.sumOfSquares(x, out: o); return [o]
        })
        list.append(Case(op: "rowSumOfSquares", shape: "61x37", abs: 1e-5, rel: 1e-5) { b, src in
            let x = try buffer(b, src.values(61 * 37)), o = try buffer(b, src.values(61))
            b.rowSumOfSquares(x, out: o, rows: 61, cols: 37); return [o]
        })
        list.append(Case(op: "copyColumns", shape: "23x(7→11)", abs: 0, rel: 0) { b, src in
            let s = try buffer(b, src.values(23 * 7)), d = try buffer(b, src.values(23 * 11))
            b.copyColumns(src: s, srcCols: 7, srcCol: 2, dst: d, dstCols: 11, dstCol: 5, rows: 23, width: 4); return [d]
        })
        // sin/cos of arguments up to 1000·t: PortableMath on both sides, bounded by its ulp error
        list.append(Case(op: "timeEmbedding", shape: "37x32", abs: 2e-5, rel: 0) { b, src in
            let t = try buffer(b, src.values(37, 0, 1)), o = try buffer(b, [Float](repeating: 0, count: 37 * 32))
            b.timeEmbedding(t: t, out: o, batch: 37, dim: 32, scale: 1000); return [o]
        })
        list.append(Case(op: "embeddingForward", shape: "29x(5x13)", abs: 0, rel: 0) { b, src in
            let labels = try buffer(b, (0..<29).map { Float($0 % 5) }), table = try buffer(b, src.values(5 * 13))
            let o = try buffer(b, [Float](repeating: 0, count: 29 * 13))
            b.embeddingForward(labels: labels, table: table, out: o, batch: 29, dim: 13); return [o]
        })
        list.append(Case(op: "embeddingBackward", shape: "29x(5x13)", abs: 1e-6, rel: 1e-6) { b, src in
            let labels = try buffer(b, (0..<29).map { Float(($0 * 3) % 5) }), dOut = try buffer(b, src.values(29 * 13))
            let dTable = try buffer(b, src.values(5 * 13))
            b.embeddingBackward(labels: labels, dOut: dOut, dTable: dTable, batch: 29, dim: 13); return [dTable]
        })
        list.append(Case(op: "mseLoss", shape: "4099", abs: 1e-6, rel: 1e-5) { b, src in
            let p = try buffer(b, src.values(4099)), t = try buffer(b, src.values(4099))
            let d = try buffer(b, [Float](repeating: 0, count: 4099)), l = try buffer(b, [0])
            b.mseLoss(pred: p, target: t, dPred: d, lossOut: l); return [d, l]
        })
        list.append(Case(op: "adamwStep", shape: "3001", abs: 1e-6, rel: 1e-5) { b, src in
            let p = try buffer(b, src.values(3001)), g = try buffer(b, src.values(3001))
            let m = try buffer(b, src.values(3001, -0.1, 0.1)), v = try buffer(b, src.values(3001, 0, 0.01))
            let norm = try buffer(b, [400] as [Float])
            b.adamwStep(params: p, grads: g, m: m, v: v, gradNormSquared: norm,
                        hyper: AdamWHyper(lr: 1e-3, weightDecay: 0.01, clipNorm: 1, step: 7))
            return [p, m, v]
        })
        list.append(Case(op: "emaUpdate", shape: "3001", abs: 1e-6, rel: 1e-6) { b, src in
            let e = try buffer(b, src.values(3001)), p = try buffer(b, src.values(3001))
            b.emaUpdate(ema: e, params: p, decay: 0.999); return [e]
        })
        // Box–Muller on PortableMath: both sides the same formulas; the bound covers log/sqrt ulps
        list.append(Case(op: "gaussianNoise", shape: "4097", abs: 1e-5, rel: 1e-5) { b, _ in
            let o = try buffer(b, [Float](repeating: 0, count: 4097)); b.gaussianNoise(out: o, seed: 42, counterBase: 3); return [o]
        })
        return list + imageCases
    }

    /// Runs every case on `backend` and on a fresh ReferenceBackend.
    public static func run(on backend: Backend) -> [OpCheckResult] {
        let reference = ReferenceBackend()
        return cases.enumerated().map { index, c in
            do {
                var srcRef = InputSource(state: UInt64(index) &+ 0x5eed)
                var srcGot = srcRef
                let refViews = try c.run(reference, &srcRef)
                let gotViews = try c.run(backend, &srcGot)
                var worst = 0.0, maxAbs = 0.0, count = 0
                for (rv, gv) in zip(refViews, gotViews) {
                    let r = try reference.read(rv), g = try backend.read(gv)
                    for (x, y) in zip(r, g) {
                        count += 1
                        let diff = Double(abs(x - y))
                        guard diff.isFinite || (x.isNaN && y.isNaN) else { worst = .infinity; continue }
                        if x.isNaN && y.isNaN { continue }
                        maxAbs = max(maxAbs, diff)
                        let bound = Double(c.abs) + Double(c.rel) * Double(abs(x))
                        worst = max(worst, bound > 0 ? diff / bound : (diff == 0 ? 0 : .infinity))
                    }
                }
                return OpCheckResult(op: c.op, shape: c.shape, elements: count, worstRatio: worst, maxAbsError: maxAbs, error: nil)
            } catch {
                return OpCheckResult(op: c.op, shape: c.shape, elements: 0, worstRatio: .infinity, maxAbsError: .infinity,
                                     error: "\(error)")
            }
        }
    }
}
