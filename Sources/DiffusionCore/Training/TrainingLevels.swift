// TrainingLevels.swift — the noise levels a training step draws, and each level's per-row
// coefficients: network input x_in = xa·x0 + xb·ε, target F* = ta·x0 + tb·ε, loss-weight root sw
// (the F-loss of the row is weighted by sw², normalized so the mean weight over the training
// distribution is 1). Diffusion levels are the schedule's timesteps (a table built once);
// flow levels are continuous t ∈ (0, 1).
import Foundation

struct TrainingLevels {
    struct Row { var xa, xb, ta, tb, sw, time: Float }

    let objective: Objective
    let precond: Preconditioning?
    let weighting: LossWeighting
    let distribution: NoiseLevelDistribution
    let gamma: Double
    let schedule: NoiseSchedule
    /// diffusion: one row per timestep index
    private var table: [Row] = []
    /// diffusion: σ_i = s_i/a_i, increasing in i
    private var sigmas: [Double] = []
    /// 1 / mean weight over the training distribution
    private var weightNorm = 1.0
    var weighted: Bool { precond != nil && weighting != .uniform }

    init(config: TrainConfig, schedule: NoiseSchedule) {
        objective = config.objective
        precond = config.preconditioning
        weighting = config.weighting
        distribution = config.levelDistribution
        gamma = config.gamma
        self.schedule = schedule
        if !objective.isFlow {
            let T = schedule.timesteps
            sigmas = (0..<T).map { i in let ab = schedule.alphaBar(i); return ((1 - ab) / max(ab, 1e-300)).squareRoot() }
            table = (0..<T).map { i in row(a: schedule.alphaBar(i).squareRoot(), s: (1 - schedule.alphaBar(i)).squareRoot(),
                                           time: schedule.modelTime(i), rawWeight: true) }
        }
        if weighted { weightNorm = 1 / meanRawWeight() }
        if !objective.isFlow && weighted {
            let r = weightNorm.squareRoot()
            for i in table.indices { table[i].sw = Float(Double(table[i].sw) * r); table[i].ta *= table[i].sw; table[i].tb *= table[i].sw }
        }
    }

    /// The coefficients at x_t = a·x0 + s·ε. With rawWeight, sw is the unnormalized √w and the
    /// targets are not yet multiplied by it (the table applies both afterwards).
    private func row(a: Double, s: Double, time: Float, rawWeight: Bool = false) -> Row {
        guard let precond else {
            let c = objective.isFlow ? objective.coefficients(Double(time)) : objective.coefficients(a * a)
            return Row(xa: c.xa, xb: c.xb, ta: c.ta, tb: c.tb, sw: 1, time: time)
        }
        let sd = precond.sigmaData
        let l = PreconditionedLevel(objective: objective, a: a, s: s, sigmaData: sd, inputStd: precond.inputStd ?? 1)
        var sw = 1.0
        if weighting != .uniform {
            sw = weighting.weight(a: a, s: s, pf: l.pf, sigmaData: sd, gamma: gamma).squareRoot()
            if !rawWeight { sw *= weightNorm.squareRoot() }
        }
        let k = rawWeight ? 1 : sw
        return Row(xa: Float(l.cin * a), xb: Float(l.cin * s), ta: Float(l.tx0 * k), tb: Float(l.teps * k),
                   sw: Float(sw), time: time)
    }

    /// One draw of a training level.
    func draw(_ rng: inout PhiloxStream) -> Row {
        if objective.isFlow {
            let t = flowTime(&rng)
            return row(a: 1 - t, s: t, time: Float(t))
        }
        return table[index(&rng)]
    }

    private func lognormalSigma(_ rng: inout PhiloxStream) -> Double {
        let sd = precond?.sigmaData ?? 1
        // EDM's parameters are for σ_d = 0.5: scale σ with the data
        return exp(NoiseLevelDistribution.edmMean + NoiseLevelDistribution.edmStd * Double(rng.normal())) * sd / 0.5
    }

    private func flowTime(_ rng: inout PhiloxStream) -> Double {
        switch distribution {
        case .uniform: return Double(rng.uniform())
        case .lognormal:
            let sigma = lognormalSigma(&rng)
            return min(max(sigma / (1 + sigma), 1e-5), 1 - 1e-5)
        }
    }

    private func index(_ rng: inout PhiloxStream) -> Int {
        switch distribution {
        case .uniform: return rng.int(schedule.timesteps)
        case .lognormal: return nearestIndex(sigma: lognormalSigma(&rng))
        }
    }

    /// The timestep whose σ is nearest to `sigma` in log space (clamped to the schedule's range).
    func nearestIndex(sigma: Double) -> Int {
        var lo = 0, hi = sigmas.count - 1
        if sigma <= sigmas[lo] { return lo }
        if sigma >= sigmas[hi] { return hi }
        while hi - lo > 1 { let mid = (lo + hi) / 2; if sigmas[mid] <= sigma { lo = mid } else { hi = mid } }
        return log(sigma / sigmas[lo]) < log(sigmas[hi] / sigma) ? lo : hi
    }

    /// Mean of the unnormalized weight over the training distribution (exact for uniform
    /// timesteps, 8192 fixed draws otherwise).
    private func meanRawWeight() -> Double {
        func w(_ a: Double, _ s: Double) -> Double {
            let l = PreconditionedLevel(objective: objective, a: a, s: s, sigmaData: precond?.sigmaData ?? 1)
            return weighting.weight(a: a, s: s, pf: l.pf, sigmaData: precond?.sigmaData ?? 1, gamma: gamma)
        }
        var total = 0.0
        var rng = PhiloxStream(seed: 0x5EED_1E7E15)
        if objective.isFlow {
            let n = 8192
            for k in 0..<n {
                let t = distribution == .uniform ? (Double(k) + 0.5) / Double(n) : flowTime(&rng)
                total += w(1 - t, t)
            }
            return max(total / Double(n), 1e-300)
        }
        if distribution == .uniform {
            for i in 0..<schedule.timesteps { let ab = schedule.alphaBar(i); total += w(ab.squareRoot(), (1 - ab).squareRoot()) }
            return max(total / Double(schedule.timesteps), 1e-300)
        }
        let n = 8192
        for _ in 0..<n { let ab = schedule.alphaBar(index(&rng)); total += w(ab.squareRoot(), (1 - ab).squareRoot()) }
        return max(total / Double(n), 1e-300)
    }
}
