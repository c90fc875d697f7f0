// PreconditionedDenoiser.swift — wraps a network trained with preconditioning (the inner
// denoiser returns F for the scaled input c_in·x_t) so that samplers see the objective's own
// prediction: out = outX·x_t + outF·F (see Preconditioning.swift). Two elementwise ops per call.
// Classifier-free guidance inside the inner network stays correct: the combination is affine in
// F with the same x_t, so guiding F is guiding the prediction.
import Foundation

public final class PreconditionedDenoiser: Denoiser {
    public let inner: Denoiser
    public let preconditioning: Preconditioning
    /// diffusion: the schedule that maps model time to ᾱ; nil for flow
    public let schedule: NoiseSchedule?
    public var backend: Backend { inner.backend }
    public var dataDim: Int { inner.dataDim }
    public var objective: Objective { inner.objective }
    private let scaled: DeviceBuffer

    public init(inner: Denoiser, preconditioning: Preconditioning, schedule: NoiseSchedule?, maxBatch: Int) throws {
        guard inner.objective.isFlow || schedule != nil else { throw ModelError("a diffusion model needs its noise schedule") }
        self.inner = inner
        self.preconditioning = preconditioning
        self.schedule = schedule
        scaled = try inner.backend.makeBuffer(count: max(maxBatch, 1) * inner.dataDim)
    }

    /// The level of model time s: the schedule's timestep (diffusion) or t itself (flow).
    public func level(time s: Float) -> PreconditionedLevel {
        Self.level(time: s, objective: objective, preconditioning: preconditioning, schedule: schedule)
    }

    /// The schedule index of model time s: round(s·T) − 1, clamped to 0 … T−1.
    public static func scheduleIndex(time s: Float, timesteps: Int) -> Int {
        min(max(Int((Double(s) * Double(timesteps)).rounded()) - 1, 0), timesteps - 1)
    }

    /// The level of model time s for a model of `objective` (also what `diffctl forward` reports).
    public static func level(time s: Float, objective: Objective, preconditioning: Preconditioning,
                             schedule: NoiseSchedule?) -> PreconditionedLevel {
        let sd = preconditioning.sigmaData, k = preconditioning.inputStd ?? 1
        guard let schedule, !objective.isFlow else { return PreconditionedLevel(flowTime: Double(s), sigmaData: sd, inputStd: k) }
        let ab = schedule.alphaBar(scheduleIndex(time: s, timesteps: schedule.timesteps))
        return PreconditionedLevel(objective: objective, alphaBar: ab, sigmaData: sd, inputStd: k)
    }

    public func predict(x: BufferView, time: Float, out: BufferView, batch B: Int, rowOffset: Int) throws {
        let n = B * dataDim
        precondition(n <= scaled.count, "batch \(B) over the preconditioned denoiser's maximum")
        let l = level(time: time)
        let xin = BufferView(scaled, offset: 0, count: n)
        backend.axpby(a: Float(l.cin), x: x.slice(0, n), b: 0, y: x.slice(0, n), out: xin)
        try inner.predict(x: xin, time: time, out: out, batch: B, rowOffset: rowOffset)
        backend.axpby(a: Float(l.outX), x: x.slice(0, n), b: Float(l.outF), y: out.slice(0, n), out: out.slice(0, n))
    }
}

public extension PreconditionedDenoiser {
    /// The denoiser samplers should use for a network trained with `config`: wrapped when the
    /// model was trained with preconditioning, the network itself otherwise.
    static func forSampling(_ network: Denoiser, config: TrainConfig, schedule: NoiseSchedule?, maxBatch: Int) throws -> Denoiser {
        guard let p = config.preconditioning else { return network }
        return try PreconditionedDenoiser(inner: network, preconditioning: p, schedule: schedule, maxBatch: maxBatch)
    }
}
