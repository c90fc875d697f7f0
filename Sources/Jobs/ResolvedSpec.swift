// ResolvedSpec.swift — a spec with every default the resolution fills written back into the same
// flat keys the client sends (`--dry-run` and `diffctl show` print it). The values come from
// resolvedTrain() / resolvedSample() / …, so what is shown is what the job runs with.
import DiffusionCore
import Foundation

extension JobSpec {
    /// This spec with every default filled. Throws what the resolution throws for a bad spec.
    /// Settings that are the daemon's (checkpointEvery, backend) stay as given; the daemon adds them.
    public func withDefaults() throws -> JobSpec {
        var s = self
        switch kind {
        case .train:
            let t = try resolvedTrain()
            let c = t.config
            s.fill(t.data)
            s.steps = c.steps
            s.objective = c.objective.rawValue
            s.schedule = c.schedule.kind.rawValue
            s.timesteps = c.schedule.timesteps
            s.betaStart = c.schedule.betaStart
            s.betaEnd = c.schedule.betaEnd
            s.zeroTerminalSNR = c.schedule.zeroTerminalSNR
            s.width = c.model.width
            s.depth = c.model.depth
            s.timeEmbedDim = c.model.timeEmbedDim
            s.classEmbedDim = c.model.classEmbedDim
            s.activation = c.model.activation.rawValue
            s.batchSize = c.batchSize
            s.lr = c.lr
            s.warmupSteps = c.warmupSteps
            s.weightDecay = c.weightDecay
            s.clipNorm = c.clipNorm
            s.emaDecay = c.emaDecay
            s.conditional = t.conditional
            s.condDropout = c.condDropout
            s.prior = t.prior
            s.preconditioning = c.preconditioning == nil ? "none" : "edm"
            s.inputStd = c.preconditioning?.inputStd
            s.lossWeighting = c.lossWeighting?.rawValue
            s.minSNRGamma = c.lossWeighting == .minSNR ? c.gamma : nil
            s.noiseLevels = c.noiseLevels?.rawValue
            s.seed = c.seed
        case .gmm:
            let g = try resolvedGMM()
            s.fill(g.data)
            s.components = g.components
            s.covariance = g.covariance.rawValue
            s.iterations = g.iterations
            s.seed = g.seed
        case .sample:
            let r = try resolvedSample()
            s.sampler = r.sampler.kind.rawValue
            s.steps = r.sampler.steps
            s.eta = r.sampler.eta
            s.spacing = r.sampler.spacing.rawValue
            s.seed = r.sampler.seed
            s.trajectoryEvery = r.sampler.trajectoryEvery
            s.count = r.count
            s.guidance = r.guidance
            s.force = r.force
            if r.hallucinationFilter != nil { s.varianceWindow = r.sampler.varianceWindow }
        case .eval:
            if task != nil {
                let p = try resolvedPolicyEval()
                s.episodes = p.episodes
                s.disturb = p.disturb
                s.sampler = p.sampler?.rawValue   // nil: ddim, or flow-euler for a flow model
                s.steps = p.steps
                s.seed = p.seed
            } else {
                let e = try resolvedEval()
                s.fill(e.data)
            }
        case .sweep:
            let w = try resolvedSweep()
            s.samplers = self.samplers ?? JobSpec.defaultSweepSamplers
            s.guidanceScales = w.guidanceScales
            s.count = w.count
            s.seed = w.seed
        }
        return s
    }

    /// The sampler runs of a sweep given none.
    public static let defaultSweepSamplers = ["ddim:10,20,50", "dpm++2m:5,10,20", "ddpm:1000"]

    private mutating func fill(_ d: DataSettings) {
        if d.isBuiltin { datasetSize = d.size }
        normalize = d.normalize
        if d.normalize { dataScale = d.scale }
        seed = d.seed
    }
}

extension JobSpec {
    /// The known spec key closest to `key` (a typo's likely meaning), if one is close enough.
    public static func suggestion(for key: String) -> String? {
        let lower = key.lowercased()
        if let same = knownKeys.first(where: { $0.lowercased() == lower }) { return same }
        let scored = knownKeys.map { ($0, editDistance(lower, $0.lowercased())) }.min { $0.1 < $1.1 }
        guard let (best, distance) = scored, distance <= max(2, key.count / 3) else { return nil }
        return best
    }

    /// Every key a spec may hold.
    public static var allKeys: [String] { knownKeys }
}

private func editDistance(_ a: String, _ b: String) -> Int {
    let x = Array(a), y = Array(b)
    if x.isEmpty { return y.count }
    if y.isEmpty { return x.count }
    var previous = Array(0...y.count)
    for i in 1...x.count {
        var current = [i] + Array(repeating: 0, count: y.count)
        for j in 1...y.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[y.count]
}
