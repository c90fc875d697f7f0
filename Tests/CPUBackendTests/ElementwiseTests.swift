// ElementwiseTests.swift — the elementwise ops of SIMDBackend against the reference: activations,
// axpby / axpbypcz / rowCombine (with the allowed aliasing), sums of squares, copy, fill,
// copyColumns, MSE, AdamW and EMA; lengths around the 8-wide vectors and the thread split.
import CPUBackend
import DiffusionCore
import Testing

let elementCounts = [1, 3, 7, 17, 33, 65, 130, 255, 257, 513, 70_001]

/// Runs `op` on both backends with fresh guarded copies of `inputs` and compares every input
/// view afterwards (outputs are among the inputs).
private func compareOp(_ name: String, inputs: [[Float]], abs: Float = 1e-6, rel: Float = 2e-6,
                       _ op: (Backend, [BufferView]) -> Void) throws {
    func run(_ be: Backend) throws -> [[Float]] {
        let views = try inputs.enumerated().map { try guardedView(be, $0.element, offset: 1 + 2 * $0.offset) }
        op(be, views)
        try be.synchronize()
        for v in views { #expect(guardsIntact(be, v), "\(name): wrote outside a view") }
        return views.map { be.cpuRead($0) }
    }
    let want = try run(ReferenceBackend())
    for be in simdBackends {
        let got = try run(be)
        for i in 0..<want.count {
            expectClose(got[i], want[i], abs: abs, rel: rel, "\(name) buffer \(i) threads=\(be.threads)")
        }
    }
}

@Test("activation forward and backward match the reference", arguments: Activation.allCases)
func activationsMatch(_ act: Activation) throws {
    for n in elementCounts {
        // include large magnitudes (saturation) and values near 0
        let x = randomFloats(n, seed: UInt64(n), in: -12...12).enumerated().map { $0.offset % 5 == 0 ? $0.element * 0.01 : $0.element }
        let dy = randomFloats(n, seed: UInt64(n) + 1)
        try compareOp("\(act) forward n=\(n)", inputs: [x, [Float](repeating: .nan, count: n)], abs: 2e-6, rel: 1e-5) { be, v in
            be.activationForward(act, x: v[0], y: v[1])
        }
        try compareOp("\(act) backward n=\(n)", inputs: [x, dy, [Float](repeating: .nan, count: n)], abs: 2e-6, rel: 1e-5) { be, v in
            be.activationBackward(act, x: v[0], dy: v[1], dx: v[2])
        }
        // dx aliasing dy is allowed
        try compareOp("\(act) backward in place n=\(n)", inputs: [x, dy], abs: 2e-6, rel: 1e-5) { be, v in
            be.activationBackward(act, x: v[0], dy: v[1], dx: v[1])
        }
    }
}

@Test("activations at extreme inputs stay finite and saturate like the reference")
func activationsExtreme() throws {
    let x: [Float] = [-1e30, -500, -100, -88, -30, -1e-30, 0, 1e-30, 30, 88, 100, 500, 1e30, 3, -3, 0.5]
    for act in Activation.allCases {
        try compareOp("\(act) forward extremes", inputs: [x, [Float](repeating: 0, count: x.count)], abs: 1e-6, rel: 1e-5) { be, v in
            be.activationForward(act, x: v[0], y: v[1])
        }
        // ±1e30 left out: gelu' is 0·∞ = NaN there in the reference formula itself
        let xb = x.filter { Swift.abs($0) < 1e29 }
        try compareOp("\(act) backward extremes", inputs: [xb, [Float](repeating: 1, count: xb.count), [Float](repeating: 0, count: xb.count)],
                      abs: 1e-6, rel: 1e-5) { be, v in
            be.activationBackward(act, x: v[0], dy: v[1], dx: v[2])
        }
    }
}

@Test("axpby, axpbypcz and emaUpdate match the reference, including aliased outputs")
func linearCombinations() throws {
    for n in elementCounts {
        let x = randomFloats(n, seed: 1), y = randomFloats(n, seed: 2), z = randomFloats(n, seed: 3)
        let nan = [Float](repeating: .nan, count: n)
        try compareOp("axpby n=\(n)", inputs: [x, y, nan]) { be, v in be.axpby(a: 0.3, x: v[0], b: -1.7, y: v[1], out: v[2]) }
        try compareOp("axpby out=x n=\(n)", inputs: [x, y]) { be, v in be.axpby(a: 0.3, x: v[0], b: -1.7, y: v[1], out: v[0]) }
        try compareOp("axpby out=y n=\(n)", inputs: [x, y]) { be, v in be.axpby(a: 0.3, x: v[0], b: -1.7, y: v[1], out: v[1]) }
        try compareOp("axpbypcz n=\(n)", inputs: [x, y, z, nan]) { be, v in
            be.axpbypcz(a: 0.5, x: v[0], b: 2, y: v[1], c: -0.25, z: v[2], out: v[3])
        }
        for alias in 0..<3 {
            try compareOp("axpbypcz out=input\(alias) n=\(n)", inputs: [x, y, z]) { be, v in
                be.axpbypcz(a: 0.5, x: v[0], b: 2, y: v[1], c: -0.25, z: v[2], out: v[alias])
            }
        }
        try compareOp("emaUpdate n=\(n)", inputs: [x, y]) { be, v in be.emaUpdate(ema: v[0], params: v[1], decay: 0.999) }
    }
}

@Test("rowCombine matches the reference for several widths, with out aliasing x or y")
func rowCombineMatches() throws {
    for (rows, cols) in [(1, 1), (3, 2), (7, 2), (513, 2), (65, 3), (17, 130), (20_000, 2)] {
        let ca = randomFloats(rows, seed: 4), cb = randomFloats(rows, seed: 5)
        let x = randomFloats(rows * cols, seed: 6), y = randomFloats(rows * cols, seed: 7)
        let nan = [Float](repeating: .nan, count: rows * cols)
        try compareOp("rowCombine \(rows)x\(cols)", inputs: [ca, x, cb, y, nan]) { be, v in
            be.rowCombine(ca: v[0], x: v[1], cb: v[2], y: v[3], out: v[4], rows: rows, cols: cols)
        }
        try compareOp("rowCombine out=x \(rows)x\(cols)", inputs: [ca, x, cb, y]) { be, v in
            be.rowCombine(ca: v[0], x: v[1], cb: v[2], y: v[3], out: v[1], rows: rows, cols: cols)
        }
        try compareOp("rowCombine out=y \(rows)x\(cols)", inputs: [ca, x, cb, y]) { be, v in
            be.rowCombine(ca: v[0], x: v[1], cb: v[2], y: v[3], out: v[3], rows: rows, cols: cols)
        }
    }
}

@Test("sumOfSquares and rowSumOfSquares match the reference")
func sumsOfSquares() throws {
    for n in elementCounts + [300_001] {
        try compareOp("sumOfSquares n=\(n)", inputs: [randomFloats(n, seed: 8), [.nan]], abs: 1e-6, rel: 1e-5) { be, v in
            be.sumOfSquares(v[0], out: v[1])
        }
    }
    for (rows, cols) in [(1, 1), (5, 2), (33, 17), (10, 513)] {
        try compareOp("rowSumOfSquares \(rows)x\(cols)", inputs: [randomFloats(rows * cols, seed: 9), [Float](repeating: .nan, count: rows)],
                      abs: 1e-6, rel: 1e-5) { be, v in
            be.rowSumOfSquares(v[0], out: v[1], rows: rows, cols: cols)
        }
    }
}

@Test("copy, fill and copyColumns match the reference")
func copies() throws {
    for n in elementCounts {
        try compareOp("copy n=\(n)", inputs: [randomFloats(n, seed: 10), [Float](repeating: .nan, count: n)], abs: 0, rel: 0) { be, v in
            be.copy(v[0], to: v[1])
        }
        try compareOp("fill n=\(n)", inputs: [randomFloats(n, seed: 11)], abs: 0, rel: 0) { be, v in be.fill(v[0], value: -2.5) }
    }
    for (rows, srcCols, srcCol, dstCols, dstCol, width) in [(5, 3, 1, 4, 0, 2), (17, 130, 2, 130, 0, 128), (512, 2, 0, 130, 0, 2),
                                                             (512, 130, 0, 2, 0, 2), (33, 20, 3, 40, 17, 17)] {
        try compareOp("copyColumns rows=\(rows) width=\(width)",
                      inputs: [randomFloats(rows * srcCols, seed: 12), randomFloats(rows * dstCols, seed: 13)], abs: 0, rel: 0) { be, v in
            be.copyColumns(src: v[0], srcCols: srcCols, srcCol: srcCol, dst: v[1], dstCols: dstCols, dstCol: dstCol, rows: rows, width: width)
        }
    }
}

@Test("mseLoss value and gradient match the reference")
func mseMatches() throws {
    for n in elementCounts {
        try compareOp("mseLoss n=\(n)", inputs: [randomFloats(n, seed: 14), randomFloats(n, seed: 15),
                                                [Float](repeating: .nan, count: n), [.nan]], abs: 1e-7, rel: 1e-5) { be, v in
            be.mseLoss(pred: v[0], target: v[1], dPred: v[2], lossOut: v[3])
        }
    }
}

@Test("adamwStep matches the reference with and without clipping and weight decay")
func adamwMatches() throws {
    for n in elementCounts {
        let p = randomFloats(n, seed: 16), g = randomFloats(n, seed: 17)
        let m = randomFloats(n, seed: 18, in: -0.1...0.1), v = randomFloats(n, seed: 19, in: 0...0.01)
        let norm2 = g.reduce(0) { $0 + $1 * $1 }
        for hyper in [AdamWHyper(lr: 1e-3, step: 1), AdamWHyper(lr: 3e-2, weightDecay: 0.1, clipNorm: 0.5, step: 7),
                      AdamWHyper(lr: 1e-2, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 0, clipNorm: 1e9, step: 1000)] {
            try compareOp("adamwStep n=\(n) \(hyper)", inputs: [p, g, m, v, [norm2]], abs: 1e-6, rel: 1e-5) { be, views in
                be.adamwStep(params: views[0], grads: views[1], m: views[2], v: views[3], gradNormSquared: views[4], hyper: hyper)
            }
        }
    }
}

@Test("AdamW two steps with clipping against hand-computed values", arguments: [false, true])
func adamwHandComputed(_ reference: Bool) throws {
    let backends: [Backend] = reference ? [ReferenceBackend()] : simdBackends
    for be in backends {
        let p = try be.makeBuffer([1, -2]), g = try be.makeBuffer([3, 4])
        let m = try be.makeBuffer(count: 2), v = try be.makeBuffer(count: 2), n2 = try be.makeBuffer(count: 1)
        var h = AdamWHyper(lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, clipNorm: 2.5, step: 1)
        // (v is within 5e-5: 1 − β2 = 1 − 0.999 is only that exact in Float)
        // step 1: ‖g‖ = 5 > 2.5 → g = (1.5, 2); m = 0.1 g, v = 0.001 g², m̂/√v̂ = ±1
        // p = (1 − 0.1·(1 + 0.01·1), −2 − 0.1·(1 + 0.01·(−2))) = (0.899, −2.098)
        be.sumOfSquares(BufferView(g), out: BufferView(n2))
        be.adamwStep(params: BufferView(p), grads: BufferView(g), m: BufferView(m), v: BufferView(v), gradNormSquared: BufferView(n2), hyper: h)
        expectClose(be.cpuRead(BufferView(p)), [0.899, -2.098], abs: 1e-6, rel: 1e-6, "\(type(of: be)) p after step 1")
        expectClose(be.cpuRead(BufferView(m)), [0.15, 0.2], abs: 1e-7, rel: 1e-6, "\(type(of: be)) m after step 1")
        expectClose(be.cpuRead(BufferView(v)), [0.00225, 0.004], abs: 1e-9, rel: 5e-5, "\(type(of: be)) v after step 1")
        // step 2: g = (−1, 0.5), ‖g‖ ≈ 1.118 < 2.5, no clipping
        // m = (0.035, 0.23), v = (0.00324775, 0.004246), bias corrections 0.19 and 0.001999
        be.write([-1, 0.5], to: BufferView(g))
        be.sumOfSquares(BufferView(g), out: BufferView(n2))
        h.step = 2
        be.adamwStep(params: BufferView(p), grads: BufferView(g), m: BufferView(m), v: BufferView(v), gradNormSquared: BufferView(n2), hyper: h)
        expectClose(be.cpuRead(BufferView(m)), [0.035, 0.23], abs: 1e-7, rel: 1e-6, "\(type(of: be)) m after step 2")
        expectClose(be.cpuRead(BufferView(v)), [0.00324775, 0.004246], abs: 1e-9, rel: 5e-5, "\(type(of: be)) v after step 2")
        expectClose(be.cpuRead(BufferView(p)), [0.88364895, -2.17896175], abs: 1e-6, rel: 1e-6, "\(type(of: be)) p after step 2")
    }
}
