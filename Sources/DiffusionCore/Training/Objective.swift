// Objective.swift — what the network is trained to predict, and how to turn its output back
// into ε̂ and x̂0 (diffusion) or a velocity (flow matching).
//
//   diffusion:  x_t = a·x0 + σ·ε,  a = √ᾱ_t, σ = √(1−ᾱ_t)
//     eps: target ε            x0: target x0            v: target a·ε − σ·x0
//   flow matching / rectified flow:  x_t = (1−t)·x0 + t·ε,  target v = ε − x0
public enum Objective: String, Codable, CaseIterable, Sendable {
    case eps, x0, v, flow
    /// behaviour cloning: the network sees x = 0 at every level and outputs the sample itself,
    /// trained with MSE (a mode-averaging baseline; `RegressionPredict` draws from it)
    case regression

    /// The objectives that diffuse (every case but regression, which is a baseline).
    public static let allCases: [Objective] = [.eps, .x0, .v, .flow]

    public var isFlow: Bool { self == .flow }

    /// Per-row coefficients for training:  x_t = xa·x0 + xb·ε,  target = ta·x0 + tb·ε.
    public struct Coefficients: Equatable {
        public var xa: Float, xb: Float, ta: Float, tb: Float
    }

    /// Diffusion objectives at ᾱ; flow at time t (pass t as `alphaBarOrTime`).
    public func coefficients(_ alphaBarOrTime: Double) -> Coefficients {
        switch self {
        case .regression:
            return Coefficients(xa: 0, xb: 0, ta: 1, tb: 0)
        case .flow:
            let t = Float(alphaBarOrTime)
            return Coefficients(xa: 1 - t, xb: t, ta: -1, tb: 1)
        case .eps, .x0, .v:
            let a = Float(alphaBarOrTime.squareRoot()), s = Float((1 - alphaBarOrTime).squareRoot())
            switch self {
            case .eps: return Coefficients(xa: a, xb: s, ta: 0, tb: 1)
            case .x0: return Coefficients(xa: a, xb: s, ta: 1, tb: 0)
            default: return Coefficients(xa: a, xb: s, ta: -s, tb: a)
            }
        }
    }

    /// For a diffusion objective at ᾱ: ε̂ = ea·x + eb·out and x̂0 = xa·x + xb·out.
    public func predictionCoefficients(alphaBar: Double) -> (ea: Float, eb: Float, xa: Float, xb: Float) {
        let a = alphaBar.squareRoot(), s = (1 - alphaBar).squareRoot()
        switch self {
        case .eps:
            // x̂0 = (x − s ε̂)/a
            return (0, 1, Float(1 / a), Float(-s / a))
        case .x0:
            // ε̂ = (x − a x̂0)/s
            let ss = max(s, 1e-12)
            return (Float(1 / ss), Float(-a / ss), 0, 1)
        case .v:
            return (Float(s), Float(a), Float(a), Float(-s))
        case .regression:
            return (0, 0, 0, 1)   // x̂0 = out (ε̂ is meaningless: the network never saw noise)
        case .flow:
            preconditionFailure("flow objective has no ᾱ parametrisation")
        }
    }
}
