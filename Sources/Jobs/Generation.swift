// Generation.swift — drawing samples from a stored model (diffusion or GMM) on a backend:
// weights onto the device, conditioning (labels, vectors, class-conditional sources) prepared,
// the sampler run, and the samples mapped back to the data's units.
import DiffusionCore
import Foundation

struct Generated {
    /// samples (n, d) in the data's units
    var points: [Float]
    /// class label per sample, when the model is class-conditional and labels were used
    var labels: [Int]?
    /// conditioning vectors (n, condDim) in the data's units, when the model takes them
    var conditions: [Float]?
    /// trajectory snapshots in data units, and their sampler steps
    var trajectory: [[Float]]
    var trajectorySteps: [Int]
    var steps: Int
    var modelEvaluations: Int
    /// x̂0 variance by window (the filter's window and the compare windows)
    var x0VarianceByWindow: [Int: [Float]] = [:]
}

struct GenerationRequest {
    var count: Int
    var sampler: SamplerConfig
    var guidance: Double = 0
    /// one label for all samples, or nil
    var classLabel: Int? = nil
    /// conditioning vectors in data units: one row for all samples or one per sample
    var conditionsRaw: [Float]? = nil
    var progress: (Int, Int) -> Bool = { _, _ in true }
}

enum Generation {
    static func run(_ model: StoredModel, backend: Backend, request r: GenerationRequest) throws -> Generated {
        let meta = model.metadata
        if meta.kind == .gmm, let gmm = meta.gmm {
            var pts = gmm.sample(count: r.count, seed: r.sampler.seed)
            meta.normalizer.undo(&pts)
            return Generated(points: pts, labels: nil, conditions: nil, trajectory: [], trajectorySteps: [],
                             steps: 0, modelEvaluations: 0)
        }
        guard let train = meta.train else { throw JobError.data("model '\(meta.name)' has no training settings") }
        let config = train.config.model
        let net = try MLPDenoiser(config: config, backend: backend)
        guard model.parameters.count == net.parameterCount else {
            throw JobError.data("model '\(meta.name)' holds \(model.parameters.count) parameters, its config needs \(net.parameterCount)")
        }
        let params = try backend.makeBuffer(model.parameters)
        let denoiser = try TrainedDenoiser(model: net, params: BufferView(params), objective: train.config.objective,
                                           maxBatch: min(r.count, r.sampler.maxBatch))
        denoiser.guidance = Float(r.guidance)
        if r.guidance > 0 && !config.usesClasses {
            throw JobError.invalid(field: "guidance", message: "--guidance: model '\(meta.name)' was trained without class labels (train with --conditional)")
        }
        if r.guidance > 0 && r.classLabel == nil {
            throw JobError.invalid(field: "guidance", message: "--guidance needs a class to guide towards: add --class K")
        }
        // labels: the requested class, or per-sample classes drawn by the data's class shares when the
        // source is class-conditional, or nil (the null class: unconditional)
        var labels: [Int]? = nil
        if let k = r.classLabel {
            guard config.usesClasses else {
                throw JobError.invalid(field: "classLabel", message: "--class: model '\(meta.name)' was trained without class labels (train with --conditional)")
            }
            guard k < config.numClasses else {
                throw JobError.invalid(field: "classLabel", message: "--class \(k) is out of range: model '\(meta.name)' knows classes 0...\(config.numClasses - 1)")
            }
            labels = Array(repeating: k, count: r.count)
        } else if let prior = meta.classPrior {
            var rng = PhiloxStream(seed: r.sampler.seed ^ 0xC1A5_5E5)
            let total = prior.counts.reduce(0, +)
            labels = (0..<r.count).map { _ in
                var u = rng.int(max(total, 1))
                for (k, c) in prior.counts.enumerated() { if u < c { return k }; u -= c }
                return prior.counts.count - 1
            }
        }
        // conditioning vectors
        var condNormalized: [Float]? = nil
        if config.condDim > 0 {
            guard var raw = r.conditionsRaw else {
                throw JobError.invalid(field: "conditionFile", message: "model '\(meta.name)' needs conditioning vectors of \(config.condDim) values (a CSV/NPY file with one row per sample or one row for all)")
            }
            guard raw.count % config.condDim == 0 else {
                throw JobError.invalid(field: "conditionFile", message: "conditioning rows must have \(config.condDim) values")
            }
            let rows = raw.count / config.condDim
            guard rows == 1 || rows == r.count else {
                throw JobError.invalid(field: "conditionFile", message: "\(rows) conditioning rows for \(r.count) samples: give one row, or one per sample")
            }
            meta.condNormalizer?.apply(&raw)
            condNormalized = raw
        } else if r.conditionsRaw != nil {
            throw JobError.invalid(field: "conditionFile", message: "model '\(meta.name)' takes no conditioning vectors")
        }
        do { try denoiser.setConditioning(labels: labels, conditions: condNormalized) } catch let e as ModelError {
            throw JobError.invalid(field: "classLabel", message: e.description)
        }
        // the source: N(0, I); for flow models with a class-conditional source, the per-class
        // Gaussians they were trained from; diffusion models with one sample in class-whitened
        // coordinates from N(0, I), mapped back through the class Gaussian afterwards
        var initial: [Float]? = nil
        var whitened: (ClassPrior, [Int])? = nil
        if let prior = meta.classPrior, let labels {
            if train.config.objective.isFlow {
                var z = Philox.gaussianNoise(count: r.count * config.dataDim, seed: r.sampler.seed ^ 0x5012CE, counterBase: 0)
                prior.fromStandard(&z, labels: labels)
                initial = z
            } else {
                guard prior.whitensDiffusion == true else {
                    throw JobError.invalid(field: "model", message: "model '\(meta.name)' was trained with an earlier class-prior formulation for diffusion that no longer samples correctly; train it again")
                }
                whitened = (prior, labels)
            }
        }
        if train.config.objective == .regression {
            // the behaviour-cloning baseline: one forward pass, no sampler, no trajectory
            var points = try RegressionPredict.run(denoiser, count: r.count, maxBatch: min(r.count, r.sampler.maxBatch))
            meta.normalizer.undo(&points)
            return Generated(points: points, labels: labels, conditions: Self.conditionsOut(r, condDim: config.condDim),
                             trajectory: [], trajectorySteps: [], steps: 1, modelEvaluations: r.count)
        }
        let schedule = train.config.objective.isFlow ? nil : try NoiseSchedule(train.config.schedule)
        let sampler: Sampler
        let sampling = try PreconditionedDenoiser.forSampling(denoiser, config: train.config, schedule: schedule,
                                                              maxBatch: min(r.count, r.sampler.maxBatch))
        do { sampler = try Sampler(config: r.sampler, denoiser: sampling, schedule: schedule) } catch let e as ModelError {
            throw JobError.invalid(field: "sampler", message: e.description)
        }
        let result = try sampler.sample(count: r.count, initial: initial, progress: r.progress)
        var points = result.samples
        if let (prior, labels) = whitened { prior.fromStandard(&points, labels: labels) }
        meta.normalizer.undo(&points)
        let trajectory = result.trajectory.map { snap -> [Float] in
            var s = snap
            if let (prior, labels) = whitened { prior.fromStandard(&s, labels: labels) }
            meta.normalizer.undo(&s)
            return s
        }
        return Generated(points: points, labels: labels, conditions: Self.conditionsOut(r, condDim: config.condDim),
                         trajectory: trajectory, trajectorySteps: result.trajectorySteps, steps: sampler.stepCount,
                         modelEvaluations: result.modelEvaluations, x0VarianceByWindow: result.x0VarianceByWindow)
    }

    /// The request's conditioning rows, one per sample (a single row repeated).
    static func conditionsOut(_ r: GenerationRequest, condDim: Int) -> [Float]? {
        guard let raw = r.conditionsRaw, condDim > 0 else { return nil }
        let rows = raw.count / condDim
        return rows == r.count ? raw : Array((0..<r.count).map { _ in raw }.joined())
    }
}
