// Trainer.swift — one training run on a Backend: batch sampling on the host, everything else
// (noise, noising, forward, loss, backward, clipping, AdamW, EMA) as enqueued backend ops, so a
// step is one submission on a GPU. Losses are kept in a device ring and read back in bursts.
import Foundation

/// Everything needed to continue a run exactly where it stopped.
public struct TrainerSnapshot {
    public var step: Int
    public var rng: PhiloxStream
    public var params: [Float], m: [Float], v: [Float], ema: [Float]
    public init(step: Int, rng: PhiloxStream, params: [Float], m: [Float], v: [Float], ema: [Float]) {
        self.step = step; self.rng = rng; self.params = params; self.m = m; self.v = v; self.ema = ema
    }
}

public final class Trainer {
    public let config: TrainConfig
    public let backend: Backend
    public let model: MLPDenoiser
    public let schedule: NoiseSchedule
    /// training data, already normalized: points (n, d), labels (n), conditions (n, c)
    public let data: Dataset
    public private(set) var step = 0
    private var rng: PhiloxStream
    private let noiseSeed: UInt64

    // flat model state, P floats each
    private let state: DeviceBuffer
    public let params: BufferView
    public let ema: BufferView
    private let grads: BufferView, m: BufferView, v: BufferView
    private let workspace: ModelWorkspace
    // per-step batch, packed so the host writes it with one call:
    // x0 (B,d) | xa (B) | xb (B) | ta (B) | tb (B) | time (B) | labels (B) | cond (B,c) | sw (B) | zero (B)
    private let batchBuffer: DeviceBuffer
    private let x0: BufferView, xa: BufferView, xb: BufferView, ta: BufferView, tb: BufferView
    private let time: BufferView, labels: BufferView, cond: BufferView
    /// per-row √(loss weight), and zeros (the second operand of a row scale)
    private let sw: BufferView, zero: BufferView
    private let levels: TrainingLevels
    // device scratch: eps, x_t, target (B,d); grad-norm² (1); loss ring (K)
    private let scratch: DeviceBuffer
    private let eps: BufferView, xt: BufferView, target: BufferView, gradNorm: BufferView
    private let lossRing: BufferView
    public let lossRingSize: Int
    private var pendingLossSteps: [Int] = []
    private var hostBatch: [Float]

    /// per-class source distribution (conditional prior); nil = N(0, I) noise generated on the device.
    /// Flow matching draws its source x1 from N(mean_c, std_c²); the diffusion objectives instead
    /// whiten each row by its class, x0 ← (x0 − mean_c)/std_c (PriorGrad, Lee et al. 2022), and
    /// diffuse that towards N(0, I), which is the same as diffusing x0 towards N(mean_c, std_c²)
    /// with the loss weighted by 1/std_c², and keeps every sampler valid.
    public let classPrior: ClassPrior?
    private let source: BufferView?
    private var whitensByClass: Bool { classPrior != nil && !config.objective.isFlow }

    public init(config: TrainConfig, data: Dataset, backend: Backend, lossRingSize: Int = 64,
                classPrior: ClassPrior? = nil) throws {
        let c = config.model
        guard data.dim == c.dataDim else { throw ModelError("data has \(data.dim) dimensions, model expects \(c.dataDim)") }
        guard data.count > 0 else { throw ModelError("the training set is empty") }
        if c.usesClasses && data.labels == nil { throw ModelError("a class-conditional model needs labelled data") }
        if c.condDim > 0 && (data.conditions == nil || data.condDim != c.condDim) {
            throw ModelError("the model expects \(c.condDim) conditioning columns, the data has \(data.condDim)")
        }
        self.config = config
        self.backend = backend
        self.data = data
        self.model = try MLPDenoiser(config: c, backend: backend)
        self.schedule = try NoiseSchedule(config.schedule)
        self.levels = TrainingLevels(config: config, schedule: schedule)
        self.rng = PhiloxStream(seed: config.seed)
        self.noiseSeed = config.seed &* 0x9E37_79B9_7F4A_7C15 &+ 0x1234_5678
        self.lossRingSize = max(lossRingSize, 1)
        if let classPrior {
            guard data.labels != nil, classPrior.numClasses == data.numClasses, classPrior.dim == data.dim else {
                throw ModelError("a class-conditional source needs labelled data matching the prior")
            }
        }
        self.classPrior = classPrior

        let P = model.parameterCount
        state = try backend.makeBuffer(count: 5 * P)
        params = BufferView(state, offset: 0, count: P)
        grads = BufferView(state, offset: P, count: P)
        m = BufferView(state, offset: 2 * P, count: P)
        v = BufferView(state, offset: 3 * P, count: P)
        ema = BufferView(state, offset: 4 * P, count: P)

        let B = config.batchSize, d = c.dataDim, cd = c.condDim
        workspace = try ModelWorkspace(backend: backend, config: c, batch: B, training: true)
        let srcCount = classPrior != nil && config.objective.isFlow ? B * d : 0
        let batchCount = B * d + 8 * B + B * cd + srcCount
        batchBuffer = try backend.makeBuffer(count: batchCount)
        var o = 0
        func take(_ n: Int, _ buf: DeviceBuffer) -> BufferView { defer { o += n }; return BufferView(buf, offset: o, count: n) }
        x0 = take(B * d, batchBuffer); xa = take(B, batchBuffer); xb = take(B, batchBuffer)
        ta = take(B, batchBuffer); tb = take(B, batchBuffer); time = take(B, batchBuffer)
        labels = take(B, batchBuffer); cond = take(B * cd, batchBuffer)
        sw = take(B, batchBuffer); zero = take(B, batchBuffer)
        source = srcCount > 0 ? take(srcCount, batchBuffer) : nil
        hostBatch = [Float](repeating: 0, count: batchCount)
        o = 0
        scratch = try backend.makeBuffer(count: 3 * B * d + 1 + self.lossRingSize)
        eps = take(B * d, scratch); xt = take(B * d, scratch); target = take(B * d, scratch)
        gradNorm = take(1, scratch); lossRing = take(self.lossRingSize, scratch)

        let initial = model.initialParameters(seed: config.seed)
        backend.write(initial, to: params)
        backend.write(initial, to: ema)
    }

    /// Enqueue one optimizer step. Returns without waiting (on a GPU nothing has run yet).
    public func trainStep() {
        let c = config.model, B = config.batchSize, d = c.dataDim, cd = c.condDim
        rng.alignToBlock()
        let n = data.count
        // host: pick rows, timesteps, labels (with CFG dropout) and per-row coefficients
        let oXa = B * d, oXb = oXa + B, oTa = oXb + B, oTb = oTa + B, oTime = oTb + B, oLab = oTime + B, oCond = oLab + B
        let oSw = oCond + B * cd, oSrc = oSw + 2 * B
        data.points.withUnsafeBufferPointer { pts in
            hostBatch.withUnsafeMutableBufferPointer { hb in
                for r in 0..<B {
                    let idx = rng.int(n)
                    for j in 0..<d { hb[r * d + j] = pts[idx * d + j] }
                    if whitensByClass, let prior = classPrior, let labs = data.labels {
                        prior.toStandard(row: hb.baseAddress! + r * d, label: labs[idx])
                    }
                    let level = levels.draw(&rng)
                    hb[oTime + r] = level.time
                    hb[oXa + r] = level.xa; hb[oXb + r] = level.xb; hb[oTa + r] = level.ta; hb[oTb + r] = level.tb
                    hb[oSw + r] = level.sw
                    if c.usesClasses, let labs = data.labels {
                        let drop = config.condDropout > 0 && Double(rng.uniform()) < config.condDropout
                        hb[oLab + r] = Float(drop ? c.nullClass : labs[idx])
                    }
                    if cd > 0, let conds = data.conditions {
                        for j in 0..<cd { hb[oCond + r * cd + j] = conds[idx * cd + j] }
                    }
                    if source != nil, let prior = classPrior, let labs = data.labels {
                        // flow: source sample x1 = mean_c + std_c ⊙ z of the row's own class
                        let k = labs[idx]
                        for j in 0..<d { hb[oSrc + r * d + j] = prior.means[k][j] + prior.stds[k][j] * rng.normal() }
                    }
                }
            }
        }
        step += 1
        backend.write(hostBatch, to: BufferView(batchBuffer))
        if let source {
            backend.copy(source, to: eps)
        } else {
            backend.gaussianNoise(out: eps, seed: noiseSeed, counterBase: UInt64(step) &* UInt64((B * d + 3) / 4))
        }
        backend.rowCombine(ca: xa, x: x0, cb: xb, y: eps, out: xt, rows: B, cols: d)
        backend.rowCombine(ca: ta, x: x0, cb: tb, y: eps, out: target, rows: B, cols: d)
        let inputs = ModelInputs(x: xt, time: time, labels: c.usesClasses ? labels : nil, cond: cd > 0 ? cond : nil)
        let out = model.forward(inputs, params: params, workspace: workspace)
        let slot = (step - 1) % lossRingSize
        if levels.weighted {
            // weighted loss (1/N)·Σ w_r‖F_r − F*_r‖²: the targets already carry √w_r; scale the
            // prediction by √w_r (into the spent noise buffer) and the gradient back through it
            backend.rowCombine(ca: sw, x: out, cb: zero, y: out, out: eps, rows: B, cols: d)
            backend.mseLoss(pred: eps, target: target, dPred: workspace.dOut, lossOut: lossRing.slice(slot, 1))
            backend.rowCombine(ca: sw, x: workspace.dOut, cb: zero, y: workspace.dOut, out: workspace.dOut, rows: B, cols: d)
        } else {
            backend.mseLoss(pred: out, target: target, dPred: workspace.dOut, lossOut: lossRing.slice(slot, 1))
        }
        pendingLossSteps.append(step)
        backend.fill(grads, value: 0)
        model.backward(inputs, params: params, grads: grads, workspace: workspace)
        backend.sumOfSquares(grads, out: gradNorm)
        let hyper = AdamWHyper(lr: Float(config.learningRate(at: step)), weightDecay: Float(config.weightDecay),
                               clipNorm: Float(config.clipNorm), step: step)
        backend.adamwStep(params: params, grads: grads, m: m, v: v, gradNormSquared: gradNorm, hyper: hyper)
        backend.emaUpdate(ema: ema, params: params, decay: Float(config.emaDecay(at: step)))
    }

    /// True when the loss ring is full and must be drained before the next step.
    public var mustDrainLosses: Bool { pendingLossSteps.count >= lossRingSize }

    /// Waits for the enqueued steps and returns (step, loss) for every step since the last drain.
    public func drainLosses() throws -> [(step: Int, loss: Float)] {
        guard !pendingLossSteps.isEmpty else { return [] }
        try backend.synchronize()
        let ring = try backend.read(lossRing)
        defer { pendingLossSteps.removeAll(keepingCapacity: true) }
        return pendingLossSteps.map { ($0, ring[($0 - 1) % lossRingSize]) }
    }

    public func snapshot() throws -> TrainerSnapshot {
        try backend.synchronize()
        var r = rng
        r.alignToBlock()
        return TrainerSnapshot(step: step, rng: r, params: try backend.read(params), m: try backend.read(m),
                               v: try backend.read(v), ema: try backend.read(ema))
    }

    public func restore(_ s: TrainerSnapshot) throws {
        let P = model.parameterCount
        guard s.params.count == P, s.m.count == P, s.v.count == P, s.ema.count == P else {
            throw ModelError("checkpoint holds \(s.params.count) parameters, the model has \(P)")
        }
        step = s.step
        rng = s.rng
        backend.write(s.params, to: params)
        backend.write(s.m, to: m)
        backend.write(s.v, to: v)
        backend.write(s.ema, to: ema)
        pendingLossSteps.removeAll()
    }
}
