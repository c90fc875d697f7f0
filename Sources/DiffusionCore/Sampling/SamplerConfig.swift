// SamplerConfig.swift — which reverse process to run, with how many steps and which knobs.
public enum SamplerKind: String, Codable, CaseIterable, Sendable {
    /// DDPM ancestral sampling, fixed-small posterior variance β̃_t
    case ddpm
    /// DDPM ancestral sampling, fixed-large variance β_t
    case ddpmLarge = "ddpm-large"
    /// DDIM with η ∈ [0, 1] on strided timesteps
    case ddim
    /// reverse VP-SDE, Euler–Maruyama
    case sde
    /// predictor–corrector: Euler–Maruyama predictor + Langevin corrector
    case pc
    /// probability-flow ODE, Heun's method (2nd order)
    case ode
    /// DPM-Solver++(2M), multistep 2nd order in log-SNR
    case dpmpp2m = "dpm++2m"
    /// EDM's deterministic sampler (Karras et al. 2022, Alg. 1): Heun on the probability-flow ODE
    /// in σ, on the ρ = 7 σ grid, Euler into σ = 0
    case edmHeun = "edm-heun"
    /// flow matching / rectified flow, Euler
    case flowEuler = "flow-euler"
    /// flow matching / rectified flow, Heun
    case flowHeun = "flow-heun"
    /// annealed Langevin dynamics on the noised scores, then a final denoise
    case langevin

    public var isFlow: Bool { self == .flowEuler || self == .flowHeun }
    public var isStochastic: Bool { [.ddpm, .ddpmLarge, .sde, .pc, .langevin].contains(self) }

    public var summary: String {
        switch self {
        case .ddpm: return "DDPM ancestral, fixed-small variance β̃_t"
        case .ddpmLarge: return "DDPM ancestral, fixed-large variance β_t"
        case .ddim: return "DDIM (η = 0 deterministic, η = 1 ≈ DDPM), strided steps"
        case .sde: return "reverse VP-SDE, Euler–Maruyama"
        case .pc: return "predictor–corrector: Euler–Maruyama + Langevin corrector"
        case .ode: return "probability-flow ODE, Heun 2nd order"
        case .dpmpp2m: return "DPM-Solver++(2M), few-step multistep solver"
        case .edmHeun: return "EDM (Karras et al. 2022): Heun on the PF-ODE, ρ = 7 σ steps"
        case .flowEuler: return "flow matching / rectified flow, Euler"
        case .flowHeun: return "flow matching / rectified flow, Heun"
        case .langevin: return "annealed Langevin dynamics on the learned score"
        }
    }
}

public struct SamplerConfig: Codable, Equatable, Sendable {
    public var kind: SamplerKind
    public var steps: Int
    public var eta: Double
    public var spacing: TimestepSpacing
    public var seed: UInt64
    /// record x every k-th step (0 = no trajectory)
    public var trajectoryEvery: Int
    /// corrector / Langevin steps per noise level (pc, langevin)
    public var langevinSteps: Int
    /// corrector signal-to-noise ratio r (pc), step-size scale (langevin)
    public var langevinSNR: Double
    /// track the variance of x̂0 over the last `varianceWindow` steps (0 = off)
    public var varianceWindow: Int
    /// further windows scored in the same pass, for comparison (`SampleResult.x0VarianceByWindow`)
    public var varianceCompareWindows: [Int]?
    /// largest batch sent through the model at once
    public var maxBatch: Int

    public init(kind: SamplerKind, steps: Int, eta: Double = 0, spacing: TimestepSpacing? = nil,
                seed: UInt64 = 0, trajectoryEvery: Int = 0, langevinSteps: Int = 1, langevinSNR: Double = 0.16,
                varianceWindow: Int = 0, maxBatch: Int = 16384) {
        self.kind = kind; self.steps = steps; self.eta = eta; self.spacing = spacing ?? .preferred(for: kind); self.seed = seed
        self.trajectoryEvery = trajectoryEvery; self.langevinSteps = langevinSteps; self.langevinSNR = langevinSNR
        self.varianceWindow = varianceWindow; self.maxBatch = maxBatch
    }
}

public struct SampleResult {
    /// samples (N, d), in the model's (normalized) space
    public var samples: [Float]
    /// snapshots of x (N, d) at the recorded steps, first = the starting noise
    public var trajectory: [[Float]]
    /// sampler step index of each snapshot
    public var trajectorySteps: [Int]
    /// per-sample variance of x̂0 (mean over dimensions) for every tracked window (varianceWindow
    /// and the compare windows), by window
    public var x0VarianceByWindow: [Int: [Float]] = [:]
    /// the window of `x0Variance` (config.varianceWindow; 0 = not tracked)
    public var x0VarianceWindow = 0
    /// per-sample variance of x̂0 over the main window, when tracked
    public var x0Variance: [Float]? { x0VarianceWindow > 0 ? x0VarianceByWindow[x0VarianceWindow] : nil }
    /// model evaluations per sample
    public var modelEvaluations: Int
}
