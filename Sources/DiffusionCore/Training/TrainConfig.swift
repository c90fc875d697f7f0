// TrainConfig.swift — every knob of a training run, resolved (no optionals), plus the
// learning-rate schedule (linear warmup, then cosine decay).
import Foundation

public struct TrainConfig: Codable, Equatable, Sendable {
    public var model: ModelConfig
    public var objective: Objective
    public var schedule: ScheduleConfig
    public var steps: Int
    public var batchSize: Int
    public var lr: Double
    public var warmupSteps: Int
    /// the cosine decay ends at lr·minLRFactor
    public var minLRFactor: Double
    public var weightDecay: Double
    /// global gradient-norm clip (0 = off)
    public var clipNorm: Double
    public var emaDecay: Double
    /// probability of replacing a label by the null class (classifier-free guidance)
    public var condDropout: Double
    public var seed: UInt64
    /// σ_data-aware preconditioning (nil: a model trained before it existed; see Preconditioning.swift)
    public var preconditioning: Preconditioning?
    /// weighting of the per-example loss across noise levels (nil = uniform)
    public var lossWeighting: LossWeighting?
    /// γ of min-SNR-γ weighting (nil = 5)
    public var minSNRGamma: Double?
    /// which noise levels training draws (nil = uniform)
    public var noiseLevels: NoiseLevelDistribution?

    public var weighting: LossWeighting { lossWeighting ?? .uniform }
    public var levelDistribution: NoiseLevelDistribution { noiseLevels ?? .uniform }
    public var gamma: Double { minSNRGamma ?? 5 }

    public init(model: ModelConfig, objective: Objective = .eps, schedule: ScheduleConfig = ScheduleConfig(),
                steps: Int = 5000, batchSize: Int = 512, lr: Double = 1e-3, warmupSteps: Int = 100,
                minLRFactor: Double = 0.1, weightDecay: Double = 0, clipNorm: Double = 1, emaDecay: Double = 0.999,
                condDropout: Double = 0.1, seed: UInt64 = 0, preconditioning: Preconditioning? = nil,
                lossWeighting: LossWeighting? = nil, minSNRGamma: Double? = nil, noiseLevels: NoiseLevelDistribution? = nil) {
        self.model = model; self.objective = objective; self.schedule = schedule; self.steps = steps
        self.batchSize = batchSize; self.lr = lr; self.warmupSteps = warmupSteps; self.minLRFactor = minLRFactor
        self.weightDecay = weightDecay; self.clipNorm = clipNorm; self.emaDecay = emaDecay
        self.condDropout = condDropout; self.seed = seed
        self.preconditioning = preconditioning; self.lossWeighting = lossWeighting
        self.minSNRGamma = minSNRGamma; self.noiseLevels = noiseLevels
    }

    /// Learning rate at optimizer step s (1-based).
    public func learningRate(at s: Int) -> Double {
        if warmupSteps > 0 && s <= warmupSteps { return lr * Double(s) / Double(warmupSteps) }
        let span = max(steps - warmupSteps, 1)
        let progress = min(max(Double(s - warmupSteps) / Double(span), 0), 1)
        let cosine = 0.5 * (1 + cos(Double.pi * progress))
        return lr * (minLRFactor + (1 - minLRFactor) * cosine)
    }

    /// EMA decay at step s, warmed up so early averages are not dominated by the initial weights.
    public func emaDecay(at s: Int) -> Double {
        min(emaDecay, (1 + Double(s)) / (10 + Double(s)))
    }
}
