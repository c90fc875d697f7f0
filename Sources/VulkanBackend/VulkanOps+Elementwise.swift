// VulkanOps+Elementwise.swift — dispatch functions for elementwise arithmetic, reductions,
// embeddings, loss, optimizer and noise (one shader each, same names as the Backend ops).
import DiffusionCore
#if canImport(Glibc)
import Glibc
#endif

extension VulkanComputeBackend {
    // x, y, out (N)
    public func axpby(a: Float, x: BufferView, b: Float, y: BufferView, out: BufferView) {
        precondition(x.count >= out.count && y.count >= out.count, "vulkan axpby: x \(x.count), y \(y.count) shorter than out \(out.count)")
        let bs = [binding(x, "axpby"), binding(y, "axpby"), binding(out, "axpby")]
        record { try stream.dispatch(Kernels.axpby, bs, outputs: 1, params: [u32(out.count, "count"), a.bitPattern, b.bitPattern],
                                     groups: groups(out.count)) }
    }

    // x, y, z, out (N)
    public func axpbypcz(a: Float, x: BufferView, b: Float, y: BufferView, c: Float, z: BufferView, out: BufferView) {
        precondition(x.count >= out.count && y.count >= out.count && z.count >= out.count,
                     "vulkan axpbypcz: x \(x.count), y \(y.count), z \(z.count) shorter than out \(out.count)")
        let bs = [binding(x, "axpbypcz"), binding(y, "axpbypcz"), binding(z, "axpbypcz"), binding(out, "axpbypcz")]
        record { try stream.dispatch(Kernels.axpbypcz, bs, outputs: 1,
                                     params: [u32(out.count, "count"), a.bitPattern, b.bitPattern, c.bitPattern], groups: groups(out.count)) }
    }

    // ca, cb (R); x, y, out (R,C)
    public func rowCombine(ca: BufferView, x: BufferView, cb: BufferView, y: BufferView, out: BufferView, rows: Int, cols: Int) {
        let n = rows * cols
        precondition(ca.count >= rows && cb.count >= rows && x.count >= n && y.count >= n && out.count >= n,
                     "vulkan rowCombine: rows=\(rows) cols=\(cols) exceed ca=\(ca.count) x=\(x.count) cb=\(cb.count) y=\(y.count) out=\(out.count)")
        let bs = [binding(ca, "rowCombine"), binding(x, "rowCombine"), binding(cb, "rowCombine"), binding(y, "rowCombine"), binding(out, "rowCombine")]
        record { try stream.dispatch(Kernels.rowCombine, bs, outputs: 1, params: [u32(rows, "rows"), u32(cols, "cols")], groups: groups(n)) }
    }

    /// Pass 2 of a reduction: out[0] = scale · Σ partials[0..<count].
    func finishSum(count: Int, out: Binding, scale: Float) throws {
        try stream.dispatch(Kernels.sumOfSquaresFinal, [Binding(raw: partials, offset: 0), out], outputs: 1,
                            params: [UInt32(count), scale.bitPattern], groups: (1, 1, 1))
    }

    /// Workgroups of a partial-sum pass over n elements.
    func reductionGroups(_ n: Int) -> Int {
        max(1, min(Kernels.maxReductionGroups, (n + Int(groupSize) - 1) / Int(groupSize)))
    }

    // x (N), out (1)
    public func sumOfSquares(_ x: BufferView, out: BufferView) {
        precondition(out.count >= 1, "vulkan sumOfSquares: out is empty")
        let bx = binding(x, "sumOfSquares"), bo = binding(out, "sumOfSquares")
        let g = reductionGroups(x.count)
        record {
            try stream.dispatch(Kernels.sumOfSquares, [bx, Binding(raw: partials, offset: 0)], outputs: 1,
                                params: [u32(x.count, "count"), Float(1).bitPattern], groups: (UInt32(g), 1, 1))
            try finishSum(count: g, out: bo, scale: 1)
        }
    }

    // x (R,C), out (R)
    public func rowSumOfSquares(_ x: BufferView, out: BufferView, rows: Int, cols: Int) {
        precondition(x.count >= rows * cols && out.count >= rows,
                     "vulkan rowSumOfSquares: rows=\(rows) cols=\(cols) exceed x=\(x.count) out=\(out.count)")
        let bs = [binding(x, "rowSumOfSquares"), binding(out, "rowSumOfSquares")]
        record { try stream.dispatch(Kernels.rowSumOfSquares, bs, outputs: 1, params: [u32(rows, "rows"), u32(cols, "cols")], groups: groups(rows)) }
    }

    // src (R, srcCols), dst (R, dstCols)
    public func copyColumns(src: BufferView, srcCols: Int, srcCol: Int,
                            dst: BufferView, dstCols: Int, dstCol: Int, rows: Int, width: Int) {
        precondition(srcCol >= 0 && dstCol >= 0 && srcCol + width <= srcCols && dstCol + width <= dstCols
                     && src.count >= rows * srcCols && dst.count >= rows * dstCols,
                     "vulkan copyColumns: columns [\(srcCol), +\(width)) of \(srcCols) → [\(dstCol), +\(width)) of \(dstCols), rows=\(rows) exceed src=\(src.count) dst=\(dst.count)")
        let bs = [binding(src, "copyColumns"), binding(dst, "copyColumns")]
        let params = [srcCols, srcCol, dstCols, dstCol, rows, width].map { u32($0, "copyColumns size") }
        record { try stream.dispatch(Kernels.copyColumns, bs, outputs: 1, params: params, groups: groups(rows * width)) }
    }

    // t (B), out (B, dim)
    public func timeEmbedding(t: BufferView, out: BufferView, batch: Int, dim: Int, scale: Float) {
        precondition(dim % 2 == 0, "vulkan timeEmbedding: dim \(dim) is odd")
        precondition(t.count >= batch && out.count >= batch * dim,
                     "vulkan timeEmbedding: batch=\(batch) dim=\(dim) exceed t=\(t.count) out=\(out.count)")
        let half = dim / 2
        guard half > 0, batch > 0 else { return }
        let tb = binding(t, "timeEmbedding"), ob = binding(out, "timeEmbedding")
        record {
            let freq = try frequencyTable(half: half)
            try stream.dispatch(Kernels.timeEmbedding, [tb, Binding(raw: freq, offset: 0), ob], outputs: 1,
                                params: [u32(batch, "batch"), u32(half, "half"), scale.bitPattern], groups: groups(batch * half))
        }
    }

    /// The `half` frequencies of the time embedding (ReferenceMath.timeFrequency, the CPU's
    /// floats), uploaded once per size. Called under the lock.
    func frequencyTable(half: Int) throws -> RawBuffer {
        if let table = frequencyTables[half] { return table }
        let table = try RawBuffer(device: device, bytes: half * 4, hostVisible: false)
        try stream.upload((0..<half).map { ReferenceMath.timeFrequency($0, half: half) }, to: table, offset: 0)
        frequencyTables[half] = table
        return table
    }

    // labels (B), table (V, E), out (B, E)
    public func embeddingForward(labels: BufferView, table: BufferView, out: BufferView, batch: Int, dim: Int) {
        precondition(dim > 0 && labels.count >= batch && out.count >= batch * dim,
                     "vulkan embeddingForward: batch=\(batch) dim=\(dim) exceed labels=\(labels.count) out=\(out.count)")
        let bs = [binding(labels, "embeddingForward"), binding(table, "embeddingForward"), binding(out, "embeddingForward")]
        record { try stream.dispatch(Kernels.embeddingForward, bs, outputs: 1,
                                     params: [u32(batch, "batch"), u32(dim, "dim"), u32(table.count / dim, "vocab")], groups: groups(batch * dim)) }
    }

    // labels (B), dOut (B, E), dTable (V, E) +=
    public func embeddingBackward(labels: BufferView, dOut: BufferView, dTable: BufferView, batch: Int, dim: Int) {
        precondition(dim > 0 && labels.count >= batch && dOut.count >= batch * dim,
                     "vulkan embeddingBackward: batch=\(batch) dim=\(dim) exceed labels=\(labels.count) dOut=\(dOut.count)")
        let vocab = dTable.count / dim
        let bs = [binding(labels, "embeddingBackward"), binding(dOut, "embeddingBackward"), binding(dTable, "embeddingBackward")]
        record { try stream.dispatch(Kernels.embeddingBackward, bs, outputs: 1,
                                     params: [u32(batch, "batch"), u32(dim, "dim"), u32(vocab, "vocab")], groups: groups(vocab * dim)) }
    }

    // pred, target, dPred (N), lossOut (1)
    public func mseLoss(pred: BufferView, target: BufferView, dPred: BufferView, lossOut: BufferView) {
        let n = pred.count
        precondition(n > 0 && target.count >= n && dPred.count >= n && lossOut.count >= 1,
                     "vulkan mseLoss: pred \(n), target \(target.count), dPred \(dPred.count), lossOut \(lossOut.count) floats")
        let bs = [binding(pred, "mseLoss"), binding(target, "mseLoss"), binding(dPred, "mseLoss"), Binding(raw: partials, offset: 0)]
        let lo = binding(lossOut, "mseLoss")
        let g = reductionGroups(n)
        record {
            try stream.dispatch(Kernels.mseLoss, bs, outputs: 2, params: [u32(n, "count")], groups: (UInt32(g), 1, 1))
            try finishSum(count: g, out: lo, scale: 1 / Float(n))
        }
    }

    // params, grads, m, v (N), gradNormSquared (1)
    public func adamwStep(params: BufferView, grads: BufferView, m: BufferView, v: BufferView,
                          gradNormSquared: BufferView, hyper h: AdamWHyper) {
        let n = params.count
        precondition(grads.count >= n && m.count >= n && v.count >= n && gradNormSquared.count >= 1,
                     "vulkan adamwStep: params \(n), grads \(grads.count), m \(m.count), v \(v.count) floats")
        precondition(h.step >= 1, "vulkan adamwStep: step \(h.step) must count from 1")
        let bc1 = 1 - powf(h.beta1, Float(h.step)), bc2 = 1 - powf(h.beta2, Float(h.step))
        let bs = [binding(gradNormSquared, "adamwStep"), binding(grads, "adamwStep"), binding(params, "adamwStep"),
                  binding(m, "adamwStep"), binding(v, "adamwStep")]
        let params = [u32(n, "count")] + [h.lr, h.beta1, h.beta2, h.eps, h.weightDecay, h.clipNorm, bc1, bc2].map { $0.bitPattern }
        record { try stream.dispatch(Kernels.adamwStep, bs, outputs: 3, params: params, groups: groups(n)) }
    }

    // ema, params (N)
    public func emaUpdate(ema: BufferView, params: BufferView, decay: Float) {
        precondition(params.count >= ema.count, "vulkan emaUpdate: params \(params.count) shorter than ema \(ema.count)")
        let bs = [binding(params, "emaUpdate"), binding(ema, "emaUpdate")]
        record { try stream.dispatch(Kernels.emaUpdate, bs, outputs: 1, params: [u32(ema.count, "count"), decay.bitPattern], groups: groups(ema.count)) }
    }

    // out (N)
    public func gaussianNoise(out: BufferView, seed: UInt64, counterBase: UInt64) {
        noise(noiseKernel, out: out, seed: seed, counterBase: counterBase)
    }

    /// Debug/test path of `gaussianNoise`: element i receives raw Philox word (i % 4) of block
    /// counterBase + i/4, stored bit for bit (read it back and take `Float.bitPattern`).
    public func philoxRawWords(out: BufferView, seed: UInt64, counterBase: UInt64) {
        noise(Kernels.philoxRawWords, out: out, seed: seed, counterBase: counterBase)
    }

    func noise(_ variant: ShaderVariant, out: BufferView, seed: UInt64, counterBase: UInt64) {
        let bs = [binding(out, "gaussianNoise")]
        let params = [u32(out.count, "count"), UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32),
                      UInt32(truncatingIfNeeded: counterBase), UInt32(truncatingIfNeeded: counterBase >> 32)]
        record { try stream.dispatch(variant, bs, outputs: 1, params: params, groups: groups((out.count + 3) / 4)) }
    }
}
