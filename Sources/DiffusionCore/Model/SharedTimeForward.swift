// SharedTimeForward.swift — the denoiser's forward pass when every row shares one time t, as in
// sampling: the time embedding's contribution to the first layer, W0[:, temb]·temb(t), is the
// same for all rows, so it is folded into the first layer's bias once per call. The first GEMM
// then multiplies only [x ++ class embedding ++ cond] (K = IN − E instead of IN), and no
// per-row sines and cosines are computed. Same result as `MLPDenoiser.forward` up to rounding.
import Foundation

public final class SharedTimeForward {
    public let model: MLPDenoiser
    private let params: BufferView
    private let storage: DeviceBuffer
    /// first-layer weights without the time columns (W, IN − E), and the time columns (W, E)
    private let w0Rest: BufferView, w0Time: BufferView
    /// t (1), temb (1, E), effective bias (W)
    private let tOne: BufferView, temb: BufferView, bias: BufferView

    public init(model: MLPDenoiser, params: BufferView) throws {
        self.model = model
        self.params = params
        let c = model.config, W = c.width, E = c.timeEmbedDim, IN = c.inputDim
        let b = model.backend
        let buf = try b.makeBuffer(count: W * (IN - E) + W * E + 1 + E + W)
        storage = buf
        var o = 0
        func take(_ n: Int) -> BufferView { defer { o += n }; return BufferView(buf, offset: o, count: n) }
        w0Rest = take(W * (IN - E)); w0Time = take(W * E); tOne = take(1); temb = take(E); bias = take(W)
        let w0 = model.view(params, "in.weight")
        b.copyColumns(src: w0, srcCols: IN, srcCol: 0, dst: w0Rest, dstCols: IN - E, dstCol: 0, rows: W, width: c.dataDim)
        if IN - E - c.dataDim > 0 {
            b.copyColumns(src: w0, srcCols: IN, srcCol: c.dataDim + E, dst: w0Rest, dstCols: IN - E, dstCol: c.dataDim,
                          rows: W, width: IN - E - c.dataDim)
        }
        b.copyColumns(src: w0, srcCols: IN, srcCol: c.dataDim, dst: w0Time, dstCols: E, dstCol: 0, rows: W, width: E)
    }

    /// Forward pass for rows [0, B) of an inference workspace, all at model time s.
    /// labels and cond as in `ModelInputs` (time is ignored). Returns the output rows (B, d).
    public func forward(x: BufferView, time s: Float, labels: BufferView?, cond: BufferView?,
                        workspace ws: ModelWorkspace, batch B: Int) -> BufferView {
        let c = model.config, W = c.width, E = c.timeEmbedDim, K = c.inputDim - E
        let b = model.backend
        // effective bias = b0 + temb(s)·W0[:, temb]ᵀ
        b.fill(tOne, value: s)
        b.timeEmbedding(t: tOne, out: temb, batch: 1, dim: E, scale: MLPDenoiser.timeScale)
        b.linearForward(x: temb, weight: w0Time, bias: model.view(params, "in.bias"), y: bias, batch: 1, inFeatures: E, outFeatures: W)
        // input rows without the time embedding: x ++ class embedding ++ cond   (B, K)
        let input = ws.input.slice(0, B * K)
        b.copyColumns(src: x, srcCols: c.dataDim, srcCol: 0, dst: input, dstCols: K, dstCol: 0, rows: B, width: c.dataDim)
        var col = c.dataDim
        if c.usesClasses {
            guard let labels else { preconditionFailure("class-conditional model needs labels") }
            let cemb = ws.embed.slice(0, B * c.classEmbedDim)
            b.embeddingForward(labels: labels, table: model.view(params, "class.table"), out: cemb, batch: B, dim: c.classEmbedDim)
            b.copyColumns(src: cemb, srcCols: c.classEmbedDim, srcCol: 0, dst: input, dstCols: K, dstCol: col, rows: B, width: c.classEmbedDim)
            col += c.classEmbedDim
        }
        if c.condDim > 0 {
            guard let cond else { preconditionFailure("model with condDim > 0 needs conditioning vectors") }
            b.copyColumns(src: cond, srcCols: c.condDim, srcCol: 0, dst: input, dstCols: K, dstCol: col, rows: B, width: c.condDim)
        }
        b.linearForward(x: input, weight: w0Rest, bias: bias, y: ws.z[0].slice(0, B * W), batch: B, inFeatures: K, outFeatures: W)
        return model.hiddenAndOutput(params: params, workspace: ws, batch: B)
    }
}
