// Denoiser.swift — what samplers call: a network (or an exact formula) that maps x_t at model
// time s to its prediction. `TrainedDenoiser` wraps the MLP with its EMA weights, class labels,
// conditioning vectors and classifier-free guidance.
import Foundation

public protocol Denoiser: AnyObject {
    var backend: Backend { get }
    var dataDim: Int { get }
    /// what `predict` returns: ε, x0, v (diffusion) or the flow velocity ε − x0
    var objective: Objective { get }
    /// out (B, d) = prediction for x (B, d) at model time s ∈ (0, 1] for rows [0, batch).
    /// `rowOffset` is the index of the first row in the whole sample set (for per-sample labels).
    func predict(x: BufferView, time: Float, out: BufferView, batch: Int, rowOffset: Int) throws
}

/// The trained MLP with classifier-free guidance:
///   guided = (1 + w)·f(x, c) − w·f(x, ∅)     (Ho & Salimans; w = 0 is plain conditional sampling)
public final class TrainedDenoiser: Denoiser {
    public let model: MLPDenoiser
    public let objective: Objective
    public var backend: Backend { model.backend }
    public var dataDim: Int { model.config.dataDim }
    public let maxBatch: Int
    /// guidance scale w (only used by class-conditional models)
    public var guidance: Float = 0

    private let params: BufferView
    private let workspace: ModelWorkspace
    private let uniform: SharedTimeForward
    // labels (B) | null labels (B) | cond (B, c)
    private let scratch: DeviceBuffer
    private let labelBuf: BufferView, nullBuf: BufferView, condBuf: BufferView
    /// per-sample labels (all rows) and conditioning vectors (all rows, or one row for all)
    private var labels: [Int]?
    private var conditions: [Float]?
    private var loadedRows: Range<Int>? = nil

    /// params: the weights to use (normally the EMA copy), already on the backend.
    public init(model: MLPDenoiser, params: BufferView, objective: Objective, maxBatch: Int) throws {
        self.model = model
        self.params = params
        self.objective = objective
        self.maxBatch = maxBatch
        let c = model.config
        workspace = try ModelWorkspace(backend: model.backend, config: c, batch: maxBatch, training: false)
        uniform = try SharedTimeForward(model: model, params: params)
        let B = maxBatch
        let buf = try model.backend.makeBuffer(count: 2 * B + B * c.condDim)
        scratch = buf
        var o = 0
        func take(_ n: Int) -> BufferView { defer { o += n }; return BufferView(buf, offset: o, count: n) }
        labelBuf = take(B); nullBuf = take(B); condBuf = take(B * c.condDim)
        if c.usesClasses { model.backend.fill(nullBuf, value: Float(c.nullClass)) }
    }

    /// Class labels for every sample (nil = the null class, i.e. unconditional), and conditioning
    /// vectors for every sample or a single one shared by all (already normalized).
    public func setConditioning(labels: [Int]?, conditions: [Float]?) throws {
        let c = model.config
        if let labels {
            guard c.usesClasses else { throw ModelError("this model was trained without class labels") }
            if let bad = labels.first(where: { $0 < 0 || $0 > c.numClasses }) {
                throw ModelError("class \(bad) is out of range: the model knows classes 0...\(c.numClasses - 1)")
            }
        }
        if c.condDim > 0 {
            guard let conditions, conditions.count % c.condDim == 0, !conditions.isEmpty else {
                throw ModelError("this model needs conditioning vectors of \(c.condDim) values")
            }
        } else if conditions != nil {
            throw ModelError("this model was trained without conditioning vectors")
        }
        self.labels = labels
        self.conditions = conditions
        loadedRows = nil
    }

    private func loadConditioning(rows: Range<Int>) {
        guard loadedRows != rows else { return }
        let c = model.config, B = rows.count
        if c.usesClasses {
            let labs: [Float] = rows.map { r in Float(labels.map { $0[r % $0.count] } ?? c.nullClass) }
            backend.write(labs, to: labelBuf.slice(0, B))
        }
        if c.condDim > 0, let conds = conditions {
            let n = conds.count / c.condDim
            var block = [Float](repeating: 0, count: B * c.condDim)
            for (k, r) in rows.enumerated() {
                let src = (r % n) * c.condDim
                for j in 0..<c.condDim { block[k * c.condDim + j] = conds[src + j] }
            }
            backend.write(block, to: condBuf.slice(0, B * c.condDim))
        }
        loadedRows = rows
    }

    public func predict(x: BufferView, time: Float, out: BufferView, batch B: Int, rowOffset: Int) throws {
        precondition(B <= maxBatch)
        let c = model.config
        loadConditioning(rows: rowOffset..<(rowOffset + B))
        let cond = c.condDim > 0 ? condBuf.slice(0, B * c.condDim) : nil
        let y = uniform.forward(x: x, time: time, labels: c.usesClasses ? labelBuf.slice(0, B) : nil, cond: cond,
                                workspace: workspace, batch: B)
        let guided = c.usesClasses && guidance != 0 && labels != nil
        if guided {
            backend.copy(y, to: out)
            let yu = uniform.forward(x: x, time: time, labels: nullBuf.slice(0, B), cond: cond, workspace: workspace, batch: B)
            backend.axpby(a: 1 + guidance, x: out, b: -guidance, y: yu, out: out)
        } else {
            backend.copy(y, to: out)
        }
    }
}
