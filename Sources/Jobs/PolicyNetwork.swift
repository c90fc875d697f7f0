// PolicyNetwork.swift — a stored conditional model loaded onto a backend to draw action chunks:
// the network and its weights, the denoiser the samplers call (preconditioned when the model was
// trained so) and its schedule. One call draws the chunks of n observations, in data units.
// Shared by `act` (PolicyServer, one observation) and closed-loop eval (PolicyEvalJob, a batch).
import DiffusionCore
import Foundation

final class PolicyNetwork {
    let model: StoredModel
    let config: TrainConfig
    let denoiser: TrainedDenoiser
    /// what the samplers call (the network, wrapped when it was trained with preconditioning)
    let sampling: Denoiser
    let schedule: NoiseSchedule?
    let maxBatch: Int
    /// a behaviour-cloning baseline: one forward pass per chunk, no sampler
    var isRegression: Bool { config.objective == .regression }
    /// the sampler when the request names none
    var defaultSampler: SamplerKind { config.objective.isFlow ? .flowEuler : .ddim }

    init(model: StoredModel, backend: Backend, maxBatch: Int) throws {
        let name = model.metadata.name
        guard let train = model.metadata.train else { throw JobError.data("model '\(name)' has no training settings") }
        let net = try MLPDenoiser(config: train.config.model, backend: backend)
        guard model.parameters.count == net.parameterCount else {
            throw JobError.data("model '\(name)' holds \(model.parameters.count) parameters, its config needs \(net.parameterCount)")
        }
        let params = try backend.makeBuffer(model.parameters)
        self.model = model
        config = train.config
        self.maxBatch = maxBatch
        denoiser = try TrainedDenoiser(model: net, params: BufferView(params), objective: config.objective, maxBatch: maxBatch)
        schedule = config.objective.isFlow ? nil : try NoiseSchedule(config.schedule)
        sampling = try PreconditionedDenoiser.forSampling(denoiser, config: config, schedule: schedule, maxBatch: maxBatch)
    }

    /// The chunks (n × action size) of n observations (n × condDim), both in data units, and the
    /// model evaluations per chunk (1 for the regression baseline).
    func chunks(observations: [Float], sampler kind: SamplerKind, steps: Int, seed: UInt64) throws -> (chunks: [Float], steps: Int) {
        let n = observations.count / max(config.model.condDim, 1)
        var obs = observations
        model.metadata.condNormalizer?.apply(&obs)
        try denoiser.setConditioning(labels: nil, conditions: obs)
        var out: [Float]
        var stepCount = 1
        if isRegression {
            out = try RegressionPredict.run(sampling, count: n, maxBatch: maxBatch)
        } else {
            let s: Sampler
            do {
                s = try Sampler(config: SamplerConfig(kind: kind, steps: steps, seed: seed, maxBatch: maxBatch),
                                denoiser: sampling, schedule: schedule)
            } catch let e as ModelError { throw JobError.invalid(field: "sampler", message: e.description) }
            out = try s.sample(count: n).samples
            stepCount = s.stepCount
        }
        model.metadata.normalizer.undo(&out)
        return (out, stepCount)
    }
}
