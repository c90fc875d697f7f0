// MLPDenoiser.swift — the residual MLP denoiser, forward and backward over one flat parameter
// buffer, expressed entirely in Backend ops (so it runs unchanged on the CPU and on Vulkan).
//
//   input (B, IN) = x (B, d) ++ temb(t) (B, E) ++ classEmb(label) (B, Ec) ++ cond (B, c)
//   z0 = input·W0ᵀ + b0,   h0 = act(z0)                           (B, W)
//   zk = h(k−1)·Wkᵀ + bk,  hk = h(k−1) + act(zk)    k = 1..depth−1  (B, W)
//   out = h(depth−1)·Woutᵀ + bout                                    (B, d)
import Foundation

/// Per-batch inputs of the model, already on the backend.
public struct ModelInputs {
    /// x (B, d)
    public var x: BufferView
    /// model time s in (0, 1], (B)
    public var time: BufferView
    /// class labels as Float (B), nullClass for "no label"; nil for unconditional models
    public var labels: BufferView?
    /// conditioning vectors (B, condDim); nil when condDim == 0
    public var cond: BufferView?
    public init(x: BufferView, time: BufferView, labels: BufferView? = nil, cond: BufferView? = nil) {
        self.x = x; self.time = time; self.labels = labels; self.cond = cond
    }
}

/// Scratch buffers for one batch size. Training keeps every layer's z and h for backward;
/// inference reuses one z and one h.
public final class ModelWorkspace {
    public let batch: Int
    public let training: Bool
    let storage: DeviceBuffer
    /// (B, IN)
    let input: BufferView
    /// (B, max(E, Ec)): the time or class embedding before it is copied into `input`
    let embed: BufferView
    /// pre-activations zk and outputs hk, (B, W) each
    let z: [BufferView]
    let h: [BufferView]
    /// model output (B, d)
    public let out: BufferView
    // backward scratch
    let dOutput: BufferView?
    let dh: BufferView?
    let dTmp: BufferView?
    let dz: BufferView?
    let dInput: BufferView?
    let dClass: BufferView?

    public init(backend: Backend, config c: ModelConfig, batch: Int, training: Bool) throws {
        self.batch = batch
        self.training = training
        let layers = training ? c.depth : 1
        var sizes: [Int] = [batch * c.inputDim, batch * max(c.timeEmbedDim, c.classColumns)]
        sizes += Array(repeating: batch * c.width, count: 2 * layers)
        sizes.append(batch * c.dataDim)
        if training {
            sizes += [batch * c.dataDim, batch * c.width, batch * c.width, batch * c.width,
                      c.usesClasses ? batch * c.inputDim : 0, c.usesClasses ? batch * c.classEmbedDim : 0]
        }
        storage = try backend.makeBuffer(count: sizes.reduce(0, +))
        var offset = 0
        var views: [BufferView] = []
        for s in sizes { views.append(BufferView(storage, offset: offset, count: s)); offset += s }
        input = views[0]
        embed = views[1]
        z = (0..<layers).map { views[2 + $0] }
        h = (0..<layers).map { views[2 + layers + $0] }
        out = views[2 + 2 * layers]
        if training {
            let b = 3 + 2 * layers
            dOutput = views[b]; dh = views[b + 1]; dTmp = views[b + 2]; dz = views[b + 3]
            dInput = c.usesClasses ? views[b + 4] : nil
            dClass = c.usesClasses ? views[b + 5] : nil
        } else {
            dOutput = nil; dh = nil; dTmp = nil; dz = nil; dInput = nil; dClass = nil
        }
    }
    /// dLoss/dOut (B, d): the loss writes here before `backward`.
    public var dOut: BufferView { dOutput! }
}

public final class MLPDenoiser {
    public let config: ModelConfig
    public let layout: ParameterLayout
    public let backend: Backend
    /// time-embedding argument scale: the embedding sees 1000·s
    public static let timeScale: Float = 1000

    public init(config: ModelConfig, backend: Backend) throws {
        try config.validate()
        self.config = config
        self.layout = ParameterLayout(config)
        self.backend = backend
    }

    public var parameterCount: Int { layout.totalCount }

    /// PyTorch-style initialisation: weights and biases U(−1/√fan_in, 1/√fan_in); class table N(0, 1).
    public func initialParameters(seed: UInt64) -> [Float] {
        var rng = PhiloxStream(seed: seed ^ 0x5EED_1217)
        var p = [Float](repeating: 0, count: layout.totalCount)
        for e in layout.entries {
            if e.name == "class.table" {
                for i in 0..<e.count { p[e.offset + i] = rng.normal() }
                continue
            }
            let fanIn: Int
            if e.name.hasSuffix(".weight") { fanIn = e.cols } else {
                fanIn = layout.entry(e.name.replacingOccurrences(of: ".bias", with: ".weight")).cols
            }
            let bound = 1 / Float(fanIn).squareRoot()
            for i in 0..<e.count { p[e.offset + i] = (2 * rng.uniform() - 1) * bound }
        }
        return p
    }

    @inline(__always)
    func view(_ params: BufferView, _ name: String) -> BufferView {
        let e = layout.entry(name)
        return params.slice(e.offset, e.count)
    }

    private func layerNames(_ k: Int) -> (String, String) {
        k == 0 ? ("in.weight", "in.bias") : ("block\(k).weight", "block\(k).bias")
    }

    /// Builds the input rows (B, IN) from x, time, labels and cond.
    private func assembleInput(_ inp: ModelInputs, params: BufferView, ws: ModelWorkspace, batch B: Int) {
        let c = config, IN = c.inputDim
        var col = 0
        backend.copyColumns(src: inp.x, srcCols: c.dataDim, srcCol: 0, dst: ws.input, dstCols: IN, dstCol: col, rows: B, width: c.dataDim)
        col += c.dataDim
        // the time embedding is written into its own scratch first, then copied in
        let temb = ws.embed.slice(0, B * c.timeEmbedDim)
        backend.timeEmbedding(t: inp.time, out: temb, batch: B, dim: c.timeEmbedDim, scale: Self.timeScale)
        backend.copyColumns(src: temb, srcCols: c.timeEmbedDim, srcCol: 0, dst: ws.input, dstCols: IN, dstCol: col, rows: B, width: c.timeEmbedDim)
        col += c.timeEmbedDim
        if c.usesClasses {
            guard let labels = inp.labels else { preconditionFailure("class-conditional model needs labels") }
            let cemb = ws.embed.slice(0, B * c.classEmbedDim)
            backend.embeddingForward(labels: labels, table: view(params, "class.table"), out: cemb, batch: B, dim: c.classEmbedDim)
            backend.copyColumns(src: cemb, srcCols: c.classEmbedDim, srcCol: 0, dst: ws.input, dstCols: IN, dstCol: col, rows: B, width: c.classEmbedDim)
            col += c.classEmbedDim
        }
        if c.condDim > 0 {
            guard let cond = inp.cond else { preconditionFailure("model with condDim > 0 needs conditioning vectors") }
            backend.copyColumns(src: cond, srcCols: c.condDim, srcCol: 0, dst: ws.input, dstCols: IN, dstCol: col, rows: B, width: c.condDim)
        }
    }

    /// Forward pass for the first `batch` rows (batch ≤ ws.batch); the result is in ws.out.
    /// params: the flat parameter buffer (or the EMA copy).
    @discardableResult
    public func forward(_ inp: ModelInputs, params: BufferView, workspace ws: ModelWorkspace, batch: Int? = nil) -> BufferView {
        let B = batch ?? ws.batch
        precondition(B <= ws.batch, "batch \(B) exceeds workspace \(ws.batch)")
        let c = config, W = c.width
        func rows(_ v: BufferView, _ cols: Int) -> BufferView { v.slice(0, B * cols) }
        assembleInput(inp, params: params, ws: ws, batch: B)
        let (w0, b0) = layerNames(0)
        backend.linearForward(x: rows(ws.input, c.inputDim), weight: view(params, w0), bias: view(params, b0),
                              y: rows(ws.z[0], W), batch: B, inFeatures: c.inputDim, outFeatures: W)
        return hiddenAndOutput(params: params, workspace: ws, batch: B)
    }

    /// Everything after the first linear layer (whose pre-activation is in ws.z[0]): the
    /// activation, the residual blocks and the output layer. Returns the output rows.
    func hiddenAndOutput(params: BufferView, workspace ws: ModelWorkspace, batch B: Int) -> BufferView {
        let c = config, W = c.width
        func rows(_ v: BufferView, _ cols: Int) -> BufferView { v.slice(0, B * cols) }
        backend.activationForward(c.activation, x: rows(ws.z[0], W), y: rows(ws.h[0], W))
        for k in 1..<max(c.depth, 1) {
            let (wk, bk) = layerNames(k)
            let hPrev = rows(ws.h[ws.training ? k - 1 : 0], W)
            let zk = rows(ws.z[ws.training ? k : 0], W)
            backend.linearForward(x: hPrev, weight: view(params, wk), bias: view(params, bk), y: zk,
                                  batch: B, inFeatures: W, outFeatures: W)
            if ws.training {
                let hk = rows(ws.h[k], W)
                backend.activationForward(c.activation, x: zk, y: hk)
                backend.axpby(a: 1, x: hk, b: 1, y: hPrev, out: hk)
            } else {
                backend.activationForward(c.activation, x: zk, y: zk)
                backend.axpby(a: 1, x: hPrev, b: 1, y: zk, out: hPrev)
            }
        }
        let hLast = rows(ws.h[ws.training ? c.depth - 1 : 0], W)
        let out = rows(ws.out, c.dataDim)
        backend.linearForward(x: hLast, weight: view(params, "out.weight"), bias: view(params, "out.bias"),
                              y: out, batch: B, inFeatures: W, outFeatures: c.dataDim)
        return out
    }

    /// Backward pass after `forward` on a training workspace, with dL/dout in ws.dOut.
    /// Accumulates into grads (same layout as params); callers zero grads once per step.
    public func backward(_ inp: ModelInputs, params: BufferView, grads: BufferView, workspace ws: ModelWorkspace) {
        precondition(ws.training, "backward needs a training workspace")
        let B = ws.batch, c = config, W = c.width
        let dh = ws.dh!, dTmp = ws.dTmp!, dz = ws.dz!
        backend.linearBackward(x: ws.h[c.depth - 1], weight: view(params, "out.weight"), dy: ws.dOut,
                               dx: dh, dWeight: view(grads, "out.weight"), dBias: view(grads, "out.bias"),
                               batch: B, inFeatures: W, outFeatures: c.dataDim)
        for k in stride(from: c.depth - 1, through: 1, by: -1) {
            let (wk, bk) = layerNames(k)
            // hk = h(k−1) + act(zk):  dzk = dh ⊙ act'(zk);  dh(k−1) = dh + dzk·Wk
            backend.activationBackward(c.activation, x: ws.z[k], dy: dh, dx: dz)
            backend.linearBackward(x: ws.h[k - 1], weight: view(params, wk), dy: dz,
                                   dx: dTmp, dWeight: view(grads, wk), dBias: view(grads, bk),
                                   batch: B, inFeatures: W, outFeatures: W)
            backend.axpby(a: 1, x: dh, b: 1, y: dTmp, out: dh)
        }
        backend.activationBackward(c.activation, x: ws.z[0], dy: dh, dx: dz)
        let (w0, b0) = layerNames(0)
        backend.linearBackward(x: ws.input, weight: view(params, w0), dy: dz,
                               dx: ws.dInput, dWeight: view(grads, w0), dBias: view(grads, b0),
                               batch: B, inFeatures: c.inputDim, outFeatures: W)
        if c.usesClasses, let labels = inp.labels, let dInput = ws.dInput, let dClass = ws.dClass {
            backend.copyColumns(src: dInput, srcCols: c.inputDim, srcCol: c.dataDim + c.timeEmbedDim,
                                dst: dClass, dstCols: c.classEmbedDim, dstCol: 0, rows: B, width: c.classEmbedDim)
            backend.embeddingBackward(labels: labels, dOut: dClass, dTable: view(grads, "class.table"),
                                      batch: B, dim: c.classEmbedDim)
        }
    }
}
