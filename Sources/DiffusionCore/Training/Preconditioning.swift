// Preconditioning.swift — one formulation for every objective (Karras et al. 2022, "EDM"):
// the network F sees its input scaled to unit variance at every noise level, is trained on a
// unit-variance target, and its output is combined with the input into the prediction the
// samplers use. ε, x0, v and flow differ only in which target F learns (and so in the implied
// weighting of the noise levels); every sampler keeps working on every objective's model.
//
// Notation: a noise level is x_t = a·x0 + s·ε (diffusion: a = √ᾱ, s = √(1−ᾱ); flow: a = 1−t,
// s = t), σ_d is the data's std (scalar), V = a²σ_d² + s² = Var[x_t].
//
//   c_in = 1/√V                                   network input  c_in·x_t
//   x̂0  = px·x_t + pf·F                           per objective:
//     eps   F* = ε                                px = 1/a,        pf = −s/a
//     v     F* = (a·σ_d·ε − (s/σ_d)·x0)/√V        px = a·σ_d²/V,   pf = −s·σ_d/√V
//           (EDM's c_skip / c_out in VP form; σ_d = 1 gives the usual v = a·ε − s·x0)
//     x0    the same F as v: EDM's D-prediction, whose loss λ(σ)·‖x̂0 − x0‖² with EDM's λ is
//           uniform on F. Measured on grid25 (5,000 steps): a bare x̂0 = σ_d·F (no skip)
//           covers 4/25 modes, and the unweighted x̂0 error (pf² on F) 0/25; with the skip and
//           EDM's λ x0 learns as v does. The samplers read x̂0 itself.
//     flow  F* = (ε − x0)/√(1+σ_d²)               px = 1,          pf = −t·√(1+σ_d²)
// The samplers read the objective's own prediction (ε̂, x̂0, v̂ = a·ε̂ − s·x̂0, or the velocity
// ε̂ − x̂0), which is affine in (x_t, F): out = outX·x_t + outF·F.
import Foundation

/// σ_data-aware preconditioning stored with a model (nil in a model = trained before it
/// existed: the network's output is the objective's prediction and its input is x_t itself).
public struct Preconditioning: Codable, Equatable, Sendable {
    /// std of the training data as the network sees it (after normalization and data scale)
    public var sigmaData: Double
    /// std of the network's input at every noise level (nil = 1): c_in = inputStd/√V
    public var inputStd: Double?
    public init(sigmaData: Double, inputStd: Double? = nil) { self.sigmaData = sigmaData; self.inputStd = inputStd }

    /// The data std of points (n, dim): √(mean over dimensions of the per-dimension variance).
    public static func estimateSigmaData(points: [Float], dim: Int) -> Double {
        guard dim > 0, points.count >= dim else { return 1 }
        let n = points.count / dim
        var total = 0.0
        for j in 0..<dim {
            var sum = 0.0, sq = 0.0
            for i in 0..<n { let v = Double(points[i * dim + j]); sum += v; sq += v * v }
            let m = sum / Double(n)
            total += max(sq / Double(n) - m * m, 0)
        }
        return max((total / Double(dim)).squareRoot(), 1e-6)
    }
}

/// The coefficients of one noise level for one objective.
public struct PreconditionedLevel: Equatable {
    /// network input = cin · x_t
    public var cin: Double
    /// x̂0 = px·x_t + pf·F
    public var px: Double, pf: Double
    /// training target F* = tx0·x0 + teps·ε
    public var tx0: Double, teps: Double
    /// the objective's own prediction (what samplers read) = outX·x_t + outF·F
    public var outX: Double, outF: Double

    /// a, s: x_t = a·x0 + s·ε; σ_d: data std.
    public init(objective: Objective, a: Double, s: Double, sigmaData sd: Double, inputStd: Double = 1) {
        let V = a * a * sd * sd + s * s
        cin = inputStd / V.squareRoot()
        switch objective {
        case .eps:
            let aa = max(a, 1e-12)
            px = 1 / aa; pf = -s / aa
            tx0 = 0; teps = 1
            outX = 0; outF = 1                       // ε̂ = F
        case .x0:
            let rv = V.squareRoot()
            px = a * sd * sd / V; pf = -s * sd / rv
            tx0 = -(s / sd) / rv; teps = a * sd / rv
            outX = px; outF = pf                     // x̂0 itself
        case .v:
            let rv = V.squareRoot()
            px = a * sd * sd / V; pf = -s * sd / rv
            tx0 = -(s / sd) / rv; teps = a * sd / rv
            // v̂ = a·ε̂ − s·x̂0 = (a·x_t − x̂0)/s on a VP level (a² + s² = 1); with x̂0 = px·x_t + pf·F:
            // outX = (a − px)/s = a·s·(1 − σ_d²)/V,  outF = −pf/s = σ_d/√V
            outX = a * s * (1 - sd * sd) / V; outF = sd / rv
        case .regression:
            preconditionFailure("regression trains without preconditioning")
        case .flow:
            let k = (1 + sd * sd).squareRoot()
            px = 1; pf = -s * k
            tx0 = -1 / k; teps = 1 / k
            outX = 0; outF = k                       // velocity = √(1+σ_d²)·F
        }
    }

    /// Diffusion level at ᾱ.
    public init(objective: Objective, alphaBar: Double, sigmaData: Double, inputStd: Double = 1) {
        self.init(objective: objective, a: alphaBar.squareRoot(), s: (1 - alphaBar).squareRoot(), sigmaData: sigmaData,
                  inputStd: inputStd)
    }

    /// Flow level at time t.
    public init(flowTime t: Double, sigmaData: Double, inputStd: Double = 1) {
        self.init(objective: .flow, a: 1 - t, s: t, sigmaData: sigmaData, inputStd: inputStd)
    }
}

/// How the per-example loss on F is weighted across noise levels.
public enum LossWeighting: String, Codable, CaseIterable, Sendable {
    /// every example counts the same on F (the objective's "simple" loss; EDM's λ for v and x0)
    case uniform
    /// Min-SNR-γ (Hang et al. 2023): x0-space weight min(SNR, γ), SNR = a²/s²
    case minSNR = "min-snr"
    /// EDM's λ(σ) = (σ² + σ_d²)/(σ·σ_d)² on the x0 error, σ = s/a
    case edm

    /// Weight of the F-loss at a level (before normalization to mean 1 over the training levels).
    public func weight(a: Double, s: Double, pf: Double, sigmaData sd: Double, gamma: Double) -> Double {
        switch self {
        case .uniform: return 1
        case .minSNR:
            let snr = a * a / max(s * s, 1e-300)
            return min(snr, gamma) * pf * pf
        case .edm:
            let sigma = s / max(a, 1e-300)
            return (sigma * sigma + sd * sd) / max(sigma * sigma * sd * sd, 1e-300) * pf * pf
        }
    }
}

/// Which noise levels training draws.
public enum NoiseLevelDistribution: String, Codable, CaseIterable, Sendable {
    /// uniform over the schedule's timesteps (flow: t ~ U(0, 1))
    case uniform
    /// EDM: ln(σ/σ_d·0.5) ~ N(−1.2, 1.2²), σ = s/a, mapped to the nearest timestep (flow: t = σ/(1+σ))
    case lognormal

    public static let edmMean = -1.2, edmStd = 1.2
}
