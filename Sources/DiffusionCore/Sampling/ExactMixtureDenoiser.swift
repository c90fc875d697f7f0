// ExactMixtureDenoiser.swift — the ideal denoiser of an isotropic Gaussian mixture
// Σ w_k N(μ_k, s² I), in closed form under the forward process. No training: samplers are
// tested against it, and it separates sampler error from model error in analyses.
//
// Written for isotropic components; per-dimension stds (a diagonal mixture) replace s² by s_j².
// Diffusion (x_t = √ᾱ x0 + √(1−ᾱ) ε): p_t = Σ w_k N(√ᾱ μ_k, σ_t² I), σ_t² = ᾱ s² + 1 − ᾱ,
//   ∇log p_t(x) = Σ r_k (√ᾱ μ_k − x)/σ_t²,  ε*(x) = −√(1−ᾱ) ∇log p_t(x).
// Flow (x_t = (1−t) x0 + t ε): per component v_t = (1−t)² s² + t²,
//   E[x0|x,k] = μ_k + (1−t) s² (x − (1−t) μ_k)/v_t,  E[ε|x,k] = t (x − (1−t) μ_k)/v_t,
//   velocity = Σ r_k (E[ε|x,k] − E[x0|x,k]),  r_k ∝ w_k N(x; (1−t) μ_k, v_t I).
import Foundation

public final class ExactMixtureDenoiser: Denoiser {
    public let backend: Backend
    public let dataDim: Int
    public let objective: Objective
    public let means: [[Double]]
    public let weights: [Double]
    public let std: Double
    /// per-dimension component std (a diagonal mixture, e.g. an isotropic one after per-dimension
    /// normalization); all equal to `std` for an isotropic mixture
    public let stds: [Double]
    private let schedule: NoiseSchedule?
    /// optional per-sample class: restrict the mixture to that component (exact conditional score)
    public var classes: [Int]?

    /// objective .eps (with a schedule) or .flow (schedule nil).
    public convenience init(backend: Backend, means: [[Float]], std: Float, weights: [Double]? = nil,
                            objective: Objective, schedule: NoiseSchedule?) {
        self.init(backend: backend, means: means, stds: Array(repeating: std, count: means[0].count), weights: weights,
                  objective: objective, schedule: schedule)
    }

    public init(backend: Backend, means: [[Float]], stds: [Float], weights: [Double]? = nil,
                objective: Objective, schedule: NoiseSchedule?) {
        precondition(!means.isEmpty)
        precondition(objective == .flow || (objective == .eps && schedule != nil), "exact denoiser supports eps (with a schedule) and flow")
        self.backend = backend
        self.dataDim = means[0].count
        self.means = means.map { $0.map(Double.init) }
        let w = weights ?? Array(repeating: 1.0 / Double(means.count), count: means.count)
        let total = w.reduce(0, +)
        self.weights = w.map { $0 / total }
        precondition(stds.count == means[0].count, "one std per dimension")
        self.stds = stds.map(Double.init)
        self.std = self.stds.reduce(0, +) / Double(stds.count)
        self.objective = objective
        self.schedule = schedule
    }

    /// ᾱ for a model time s = (i+1)/T on the schedule's grid.
    private func alphaBar(time s: Float) -> Double {
        guard let schedule else { return 1 }
        let i = Int((Double(s) * Double(schedule.timesteps)).rounded()) - 1
        return schedule.alphaBar(min(max(i, -1), schedule.timesteps - 1))
    }

    public func predict(x: BufferView, time: Float, out: BufferView, batch B: Int, rowOffset: Int) throws {
        let d = dataDim
        let xs = try backend.read(x.slice(0, B * d))
        var result = [Float](repeating: 0, count: B * d)
        let K = means.count
        var logr = [Double](repeating: 0, count: K)
        for b in 0..<B {
            let row = xs[(b * d)..<((b + 1) * d)].map(Double.init)
            let allowed: ClosedRange<Int>? = classes.map { let k = $0[(rowOffset + b) % $0.count]; return k...k }
            if objective == .flow {
                let t = Double(time)
                let vt = stds.map { (1 - t) * (1 - t) * $0 * $0 + t * t }
                for k in 0..<K {
                    if let allowed, !allowed.contains(k) { logr[k] = -.infinity; continue }
                    var sq = 0.0
                    for j in 0..<d { let diff = row[j] - (1 - t) * means[k][j]; sq += diff * diff / vt[j] }
                    logr[k] = log(weights[k]) - 0.5 * sq
                }
                let r = Self.softmax(logr)
                for j in 0..<d {
                    var v = 0.0
                    for k in 0..<K where r[k] > 0 {
                        let centred = row[j] - (1 - t) * means[k][j]
                        let ex0 = means[k][j] + (1 - t) * stds[j] * stds[j] * centred / vt[j]
                        let eeps = t * centred / vt[j]
                        v += r[k] * (eeps - ex0)
                    }
                    result[b * d + j] = Float(v)
                }
            } else {
                let ab = alphaBar(time: time), a = ab.squareRoot()
                let var_t = stds.map { ab * $0 * $0 + 1 - ab }
                for k in 0..<K {
                    if let allowed, !allowed.contains(k) { logr[k] = -.infinity; continue }
                    var sq = 0.0
                    for j in 0..<d { let diff = row[j] - a * means[k][j]; sq += diff * diff / var_t[j] }
                    logr[k] = log(weights[k]) - 0.5 * sq
                }
                let r = Self.softmax(logr)
                let sigma = (1 - ab).squareRoot()
                for j in 0..<d {
                    var score = 0.0
                    for k in 0..<K where r[k] > 0 { score += r[k] * (a * means[k][j] - row[j]) / var_t[j] }
                    result[b * d + j] = Float(-sigma * score)
                }
            }
        }
        backend.write(result, to: out.slice(0, B * d))
    }

    static func softmax(_ l: [Double]) -> [Double] {
        let mx = l.max() ?? 0
        let e = l.map { $0 == -.infinity ? 0 : exp($0 - mx) }
        let s = e.reduce(0, +)
        return e.map { $0 / s }
    }
}
