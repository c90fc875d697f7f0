// SIMDBackend.swift — the fast CPU backend: SIMD8<Float> kernels (AVX2 + FMA) spread over
// threads by a small persistent worker pool (WorkerPool.swift; DispatchQueue.concurrentPerform
// costs 17–60 µs per parallel region on this VM). Same HostBuffer as ReferenceBackend, so
// buffers move freely between the two; every op has the semantics documented in Backend.swift.
//
// Kernels live beside this file: Matmul*.swift (packed, register-tiled GEMM), Activations,
// Elementwise, Embeddings, Noise, VectorMath. Ops run at once on the calling thread (plus
// helper threads); an instance is meant to be driven by one caller at a time, though matmul
// workspaces are lock-protected and the pool serialises callers, so concurrent use stays correct.
import DiffusionCore
import Foundation

public final class SIMDBackend: Backend {
    /// Number of threads kernels may use (≥ 1).
    public let threads: Int
    let runner: ParallelRunner
    private let workspaces: [GemmWorkspace]
    private let gemmLock = NSLock()

    /// threads: worker count; default the active processor count.
    public init(threads: Int? = nil) {
        let t = max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount)
        self.threads = t
        runner = ParallelRunner(threads: t)
        workspaces = (0..<t).map { _ in GemmWorkspace() }
    }

    public var info: BackendInfo {
        BackendInfo(kind: "cpu", deviceName: "\(CPUInfo.modelName) (\(threads) thread\(threads == 1 ? "" : "s"))",
                    deviceType: "cpu",
                    detail: "SIMD8<Float> AVX2+FMA kernels, \(threads) thread\(threads == 1 ? "" : "s"), 6x16 packed GEMM")
    }

    // MARK: memory

    public func makeBuffer(count: Int) throws -> DeviceBuffer {
        guard count >= 0 else { throw SIMDBackendError.badArgument("makeBuffer: negative count \(count)") }
        return try HostBuffer(count: count)
    }

    public func write(_ values: [Float], to view: BufferView) {
        shapeCheck(values.count == view.count, "write: \(values.count) floats into a view of \(view.count)")
        let d = ptr(view)
        values.withUnsafeBufferPointer { s in
            if let base = s.baseAddress { d.update(from: base, count: values.count) }
        }
    }

    public func read(_ view: BufferView) -> [Float] {
        let s = ptr(view)
        return [Float](unsafeUninitializedCapacity: view.count) { buf, n in
            if let base = buf.baseAddress { base.initialize(from: s, count: view.count) }
            n = view.count
        }
    }

    public func synchronize() throws {}

    public func copy(_ src: BufferView, to dst: BufferView) {
        shapeCheck(src.count == dst.count, "copy: source has \(src.count) floats, destination \(dst.count)")
        UnsafeMutableRawPointer(ptr(dst)).copyMemory(from: UnsafeRawPointer(ptr(src)), byteCount: src.count * 4)
    }

    public func fill(_ x: BufferView, value: Float) {
        let p = ptr(x)
        runner.forEachChunk(count: x.count, minChunk: 1 << 16) { s, e in fillKernel(p, value, s, e) }
    }

    // MARK: dense layers

    public func matmul(_ a: BufferView, _ b: BufferView, _ c: BufferView,
                       m: Int, n: Int, k: Int, transA: Bool, transB: Bool, alpha: Float, beta: Float) {
        shapeCheck(m >= 0 && n >= 0 && k >= 0, "matmul: negative shape m=\(m) n=\(n) k=\(k)")
        shapeCheck(a.count >= m * k, "matmul: A has \(a.count) floats, needs m·k = \(m)·\(k)")
        shapeCheck(b.count >= k * n, "matmul: B has \(b.count) floats, needs k·n = \(k)·\(n)")
        shapeCheck(c.count >= m * n, "matmul: C has \(c.count) floats, needs m·n = \(m)·\(n)")
        runGemm(GemmProblem(a: ptr(a), b: ptr(b), c: ptr(c), m: m, n: n, k: k,
                            transA: transA, transB: transB, alpha: alpha, beta: beta))
    }

    func runGemm(_ p: GemmProblem) {
        gemmLock.lock()
        defer { gemmLock.unlock() }
        gemm(p, runner: runner, workspaces: workspaces)
    }

    public func linearForward(x: BufferView, weight: BufferView, bias: BufferView, y: BufferView,
                              batch: Int, inFeatures: Int, outFeatures: Int) {
        shapeCheck(x.count >= batch * inFeatures, "linearForward: x has \(x.count) floats, needs \(batch)·\(inFeatures)")
        shapeCheck(weight.count >= outFeatures * inFeatures, "linearForward: weight has \(weight.count) floats, needs \(outFeatures)·\(inFeatures)")
        shapeCheck(bias.count >= outFeatures, "linearForward: bias has \(bias.count) floats, needs \(outFeatures)")
        shapeCheck(y.count >= batch * outFeatures, "linearForward: y has \(y.count) floats, needs \(batch)·\(outFeatures)")
        // y(B,OUT) = x(B,IN) · W(OUT,IN)^T + bias, the bias added in the GEMM's store
        runGemm(GemmProblem(a: ptr(x), b: ptr(weight), c: ptr(y), m: batch, n: outFeatures, k: inFeatures,
                            transA: false, transB: true, alpha: 1, beta: 0, bias: ptr(bias)))
    }

    public func linearBackward(x: BufferView, weight: BufferView, dy: BufferView,
                               dx: BufferView?, dWeight: BufferView, dBias: BufferView,
                               batch: Int, inFeatures: Int, outFeatures: Int) {
        shapeCheck(x.count >= batch * inFeatures, "linearBackward: x has \(x.count) floats, needs \(batch)·\(inFeatures)")
        shapeCheck(weight.count >= outFeatures * inFeatures, "linearBackward: weight has \(weight.count) floats, needs \(outFeatures)·\(inFeatures)")
        shapeCheck(dy.count >= batch * outFeatures, "linearBackward: dy has \(dy.count) floats, needs \(batch)·\(outFeatures)")
        shapeCheck(dWeight.count >= outFeatures * inFeatures, "linearBackward: dWeight has \(dWeight.count) floats, needs \(outFeatures)·\(inFeatures)")
        if let dx {
            shapeCheck(dx.count >= batch * inFeatures, "linearBackward: dx has \(dx.count) floats, needs \(batch)·\(inFeatures)")
            // dx(B,IN) = dy(B,OUT) · W(OUT,IN)
            runGemm(GemmProblem(a: ptr(dy), b: ptr(weight), c: ptr(dx), m: batch, n: inFeatures, k: outFeatures,
                                transA: false, transB: false, alpha: 1, beta: 0))
        }
        // dW(OUT,IN) += dy(B,OUT)^T · x(B,IN)
        runGemm(GemmProblem(a: ptr(dy), b: ptr(x), c: ptr(dWeight), m: outFeatures, n: inFeatures, k: batch,
                            transA: true, transB: false, alpha: 1, beta: 1))
        biasBackward(dy: dy, dBias: dBias, rows: batch, cols: outFeatures)
    }

    public func biasBackward(dy: BufferView, dBias: BufferView, rows: Int, cols: Int) {
        shapeCheck(dy.count >= rows * cols, "biasBackward: dy has \(dy.count) floats, needs \(rows)·\(cols)")
        shapeCheck(dBias.count >= cols, "biasBackward: dBias has \(dBias.count) floats, needs \(cols)")
        let d = ptr(dy), g = ptr(dBias)
        let parts = rows * cols >= 1 << 18 ? min(threads, max(1, cols / 32)) : 1
        runner.run(tasks: parts) { t in
            let r = evenSplit((cols + 7) / 8, parts: parts, index: t)
            biasBackwardKernel(d, g, rows: rows, cols: cols, r.lowerBound * 8, min(cols, r.upperBound * 8))
        }
    }

    // MARK: activations

    public func activationForward(_ act: Activation, x: BufferView, y: BufferView) {
        shapeCheck(x.count == y.count, "activationForward: x has \(x.count) floats, y \(y.count)")
        let xp = ptr(x), yp = ptr(y)
        runner.forEachChunk(count: x.count, minChunk: act == .relu ? 1 << 16 : 1 << 13) { s, e in
            activationForwardKernel(act, xp + s, yp + s, e - s)
        }
    }

    public func activationBackward(_ act: Activation, x: BufferView, dy: BufferView, dx: BufferView) {
        shapeCheck(x.count == dy.count && x.count == dx.count,
                     "activationBackward: x, dy, dx have \(x.count), \(dy.count), \(dx.count) floats")
        let xp = ptr(x), dyp = ptr(dy), dxp = ptr(dx)
        runner.forEachChunk(count: x.count, minChunk: act == .relu ? 1 << 16 : 1 << 13) { s, e in
            activationBackwardKernel(act, xp + s, dyp + s, dxp + s, e - s)
        }
    }

    // MARK: elementwise arithmetic

    public func axpby(a: Float, x: BufferView, b: Float, y: BufferView, out: BufferView) {
        shapeCheck(x.count >= out.count && y.count >= out.count, "axpby: x, y, out have \(x.count), \(y.count), \(out.count) floats")
        let xp = ptr(x), yp = ptr(y), op = ptr(out)
        runner.forEachChunk(count: out.count, minChunk: 1 << 15) { s, e in axpbyKernel(a, xp, b, yp, op, s, e) }
    }

    public func axpbypcz(a: Float, x: BufferView, b: Float, y: BufferView, c: Float, z: BufferView, out: BufferView) {
        shapeCheck(x.count >= out.count && y.count >= out.count && z.count >= out.count,
                     "axpbypcz: x, y, z, out have \(x.count), \(y.count), \(z.count), \(out.count) floats")
        let xp = ptr(x), yp = ptr(y), zp = ptr(z), op = ptr(out)
        runner.forEachChunk(count: out.count, minChunk: 1 << 15) { s, e in combine3Kernel(a, xp, b, yp, c, zp, op, s, e) }
    }

    public func rowCombine(ca: BufferView, x: BufferView, cb: BufferView, y: BufferView, out: BufferView, rows: Int, cols: Int) {
        shapeCheck(ca.count >= rows && cb.count >= rows, "rowCombine: ca, cb have \(ca.count), \(cb.count) floats, need \(rows)")
        shapeCheck(x.count >= rows * cols && y.count >= rows * cols && out.count >= rows * cols,
                     "rowCombine: x, y, out need \(rows)·\(cols) floats, have \(x.count), \(y.count), \(out.count)")
        let a = ptr(ca), xp = ptr(x), b = ptr(cb), yp = ptr(y), op = ptr(out)
        let minRows = max(1, (1 << 15) / max(cols, 1))
        runner.forEachChunk(count: rows, minChunk: minRows, align: 4) { s, e in
            rowCombineKernel(a, xp, b, yp, op, cols: cols, s, e)
        }
    }

    public func sumOfSquares(_ x: BufferView, out: BufferView) {
        shapeCheck(out.count >= 1, "sumOfSquares: out is empty")
        let xp = ptr(x), n = x.count
        let parts = n >= 1 << 17 ? threads : 1
        var partial = [Double](repeating: 0, count: parts)
        partial.withUnsafeMutableBufferPointer { pb in
            let pp = pb.baseAddress!
            runner.run(tasks: parts) { t in
                let r = evenSplit((n + 15) / 16, parts: parts, index: t)
                pp[t] = sumOfSquaresKernel(xp, r.lowerBound * 16, min(n, r.upperBound * 16))
            }
        }
        ptr(out)[0] = Float(partial.reduce(0, +))
    }

    public func rowSumOfSquares(_ x: BufferView, out: BufferView, rows: Int, cols: Int) {
        shapeCheck(x.count >= rows * cols, "rowSumOfSquares: x has \(x.count) floats, needs \(rows)·\(cols)")
        shapeCheck(out.count >= rows, "rowSumOfSquares: out has \(out.count) floats, needs \(rows)")
        let xp = ptr(x), op = ptr(out)
        for r in 0..<rows { op[r] = Float(sumOfSquaresKernel(xp + r * cols, 0, cols)) }
    }

    public func copyColumns(src: BufferView, srcCols: Int, srcCol: Int,
                            dst: BufferView, dstCols: Int, dstCol: Int, rows: Int, width: Int) {
        shapeCheck(srcCol >= 0 && width >= 0 && srcCol + width <= srcCols, "copyColumns: source columns [\(srcCol), \(srcCol + width)) outside \(srcCols)")
        shapeCheck(dstCol >= 0 && dstCol + width <= dstCols, "copyColumns: destination columns [\(dstCol), \(dstCol + width)) outside \(dstCols)")
        shapeCheck(src.count >= rows * srcCols && dst.count >= rows * dstCols,
                     "copyColumns: src/dst have \(src.count)/\(dst.count) floats, need \(rows)·\(srcCols)/\(rows)·\(dstCols)")
        let s = ptr(src), d = ptr(dst)
        let minRows = max(1, (1 << 15) / max(width, 1))
        runner.forEachChunk(count: rows, minChunk: minRows, align: 1) { r0, r1 in
            copyColumnsKernel(s, srcCols: srcCols, srcCol: srcCol, d, dstCols: dstCols, dstCol: dstCol, width: width, r0, r1)
        }
    }

    // MARK: embeddings

    public func timeEmbedding(t: BufferView, out: BufferView, batch: Int, dim: Int, scale: Float) {
        shapeCheck(dim % 2 == 0, "timeEmbedding: dim \(dim) is odd")
        shapeCheck(t.count >= batch && out.count >= batch * dim, "timeEmbedding: t has \(t.count), out \(out.count) floats, need \(batch) and \(batch)·\(dim)")
        let half = dim / 2
        var freqs = [Float](repeating: 0, count: half + 8)
        for i in 0..<half { freqs[i] = ReferenceMath.timeFrequency(i, half: half) }
        let tp = ptr(t), op = ptr(out)
        freqs.withUnsafeBufferPointer { fb in
            let f = fb.baseAddress!
            let minRows = max(1, (1 << 13) / max(half, 1))
            runner.forEachChunk(count: batch, minChunk: minRows, align: 1) { b0, b1 in
                timeEmbeddingKernel(tp, op, dim: dim, scale: scale, freqs: f, b0, b1)
            }
        }
    }

    public func embeddingForward(labels: BufferView, table: BufferView, out: BufferView, batch: Int, dim: Int) {
        shapeCheck(labels.count >= batch && out.count >= batch * dim, "embeddingForward: labels/out have \(labels.count)/\(out.count) floats, need \(batch)/\(batch)·\(dim)")
        embeddingForwardKernel(ptr(labels), ptr(table), vocabulary: dim > 0 ? table.count / dim : 0, ptr(out), batch: batch, dim: dim)
    }

    public func embeddingBackward(labels: BufferView, dOut: BufferView, dTable: BufferView, batch: Int, dim: Int) {
        shapeCheck(labels.count >= batch && dOut.count >= batch * dim, "embeddingBackward: labels/dOut have \(labels.count)/\(dOut.count) floats, need \(batch)/\(batch)·\(dim)")
        embeddingBackwardKernel(ptr(labels), ptr(dOut), ptr(dTable), vocabulary: dim > 0 ? dTable.count / dim : 0, batch: batch, dim: dim)
    }

    // MARK: loss

    public func mseLoss(pred: BufferView, target: BufferView, dPred: BufferView, lossOut: BufferView) {
        shapeCheck(target.count >= pred.count && dPred.count >= pred.count && lossOut.count >= 1,
                     "mseLoss: pred, target, dPred, lossOut have \(pred.count), \(target.count), \(dPred.count), \(lossOut.count) floats")
        let n = pred.count
        guard n > 0 else { ptr(lossOut)[0] = 0; return }
        let s = mseKernel(ptr(pred), ptr(target), ptr(dPred), scale: 2 / Float(n), 0, n)
        ptr(lossOut)[0] = Float(s / Double(n))
    }

    // MARK: optimizer

    public func adamwStep(params: BufferView, grads: BufferView, m: BufferView, v: BufferView,
                          gradNormSquared: BufferView, hyper h: AdamWHyper) {
        shapeCheck(grads.count >= params.count && m.count >= params.count && v.count >= params.count,
                     "adamwStep: params, grads, m, v have \(params.count), \(grads.count), \(m.count), \(v.count) floats")
        shapeCheck(h.step >= 1, "adamwStep: step \(h.step) must count from 1")
        let k = AdamWConstants(
            clip: ReferenceMath.clipFactor(normSquared: ptr(gradNormSquared)[0], clipNorm: h.clipNorm),
            beta1: h.beta1, beta2: h.beta2,
            bc1: 1 - powf(h.beta1, Float(h.step)), bc2: 1 - powf(h.beta2, Float(h.step)),
            lr: h.lr, eps: h.eps, weightDecay: h.weightDecay)
        let p = ptr(params), g = ptr(grads), mp = ptr(m), vp = ptr(v)
        runner.forEachChunk(count: params.count, minChunk: 1 << 15) { s, e in adamwKernel(p, g, mp, vp, k, s, e) }
    }

    public func emaUpdate(ema: BufferView, params: BufferView, decay: Float) {
        shapeCheck(params.count >= ema.count, "emaUpdate: ema has \(ema.count) floats, params \(params.count)")
        let e = ptr(ema), p = ptr(params)
        runner.forEachChunk(count: ema.count, minChunk: 1 << 15) { s, t in emaKernel(e, p, decay: decay, s, t) }
    }

    // MARK: noise

    public func gaussianNoise(out: BufferView, seed: UInt64, counterBase: UInt64) {
        let o = ptr(out)
        runner.forEachChunk(count: out.count, minChunk: 1 << 12, align: 4) { s, e in
            PhiloxSIMD.normals(seed: seed, counterBase: counterBase, start: s, count: e - s, into: o + s)
        }
    }
}

/// Errors the SIMD backend throws (the non-throwing ops stop on a precondition naming the op).
public enum SIMDBackendError: Error, CustomStringConvertible {
    case badArgument(String)
    public var description: String {
        switch self { case .badArgument(let m): return m }
    }
}
