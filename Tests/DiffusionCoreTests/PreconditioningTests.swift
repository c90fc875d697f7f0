// PreconditioningTests.swift — the preconditioned formulation (Preconditioning.swift):
// coefficients against their closed forms, the ideal network output of every objective on the
// exact ring8 score sampled with every sampler (no training), the new schedule / spacing /
// sampler, and a short v-prediction run that learns.
import Testing
import DiffusionCore
import CPUBackend
import Foundation

/// The ideal F of an objective: the exact mixture's ε̂ (diffusion) or velocity (flow), turned
/// into the objective's prediction and then into F = (prediction − outX·x_t)/outF. It receives the scaled input c_in·x_t, as a
/// trained network would.
final class IdealPreconditionedNetwork: Denoiser {
    let exact: ExactMixtureDenoiser
    let objective: Objective
    let precond: Preconditioning
    let schedule: NoiseSchedule?
    var backend: Backend { exact.backend }
    var dataDim: Int { exact.dataDim }
    init(exact: ExactMixtureDenoiser, objective: Objective, precond: Preconditioning, schedule: NoiseSchedule?) {
        self.exact = exact; self.objective = objective; self.precond = precond; self.schedule = schedule
    }
    func predict(x: BufferView, time: Float, out: BufferView, batch B: Int, rowOffset: Int) throws {
        let n = B * dataDim
        let level: PreconditionedLevel
        let a: Double, s: Double
        if objective.isFlow {
            a = 1 - Double(time); s = Double(time)
            level = PreconditionedLevel(flowTime: Double(time), sigmaData: precond.sigmaData, inputStd: precond.inputStd ?? 1)
        } else {
            let i = Int((Double(time) * Double(schedule!.timesteps)).rounded()) - 1
            let ab = schedule!.alphaBar(i)
            a = ab.squareRoot(); s = (1 - ab).squareRoot()
            level = PreconditionedLevel(objective: objective, alphaBar: ab, sigmaData: precond.sigmaData, inputStd: precond.inputStd ?? 1)
        }
        let xin = try backend.read(x.slice(0, n))
        let xt = xin.map { Double($0) / level.cin }
        let xtBuf = try backend.makeBuffer(xt.map { Float($0) })
        try exact.predict(x: BufferView(xtBuf), time: time, out: out, batch: B, rowOffset: rowOffset)
        let e = try backend.read(out.slice(0, n)).map(Double.init)
        // exact: ε̂ (diffusion) or velocity (flow) → the objective's own prediction → F through
        // out = outX·x_t + outF·F (outF ≠ 0 at every level, t = 0 included, where pf = 0)
        let pred = (0..<n).map { k -> Double in
            switch objective {
            case .eps, .flow: return e[k]
            case .x0: return (xt[k] - s * e[k]) / a
            case .v: return a * e[k] - s * (xt[k] - s * e[k]) / a
            case .regression: preconditionFailure("regression is not preconditioned (and not in allCases)")
            }
        }
        let f = (0..<n).map { k in Float((pred[k] - level.outX * xt[k]) / level.outF) }
        backend.write(f, to: out.slice(0, n))
    }
}

@Suite("preconditioning")
struct PreconditioningTests {
    static let levels: [(Double, Double)] = [(0.9999, 0.01), (0.8, 0.6), (0.5, 0.8660254), (0.1, 0.99498744), (0.01, 0.99995)]

    @Test(arguments: [0.5, 1.0, 3.0])
    func coefficientsMatchTheirClosedForms(_ sd: Double) {
        for objective in Objective.allCases {
            for (aRaw, sRaw) in Self.levels {
                // diffusion levels are VP (a² + s² = 1); flow uses a = 1 − t, s = t
                let (a, s) = objective.isFlow ? (1 - sRaw, sRaw) : (aRaw, (1 - aRaw * aRaw).squareRoot())
                let l = PreconditionedLevel(objective: objective, a: a, s: s, sigmaData: sd)
                let V = a * a * sd * sd + s * s
                // the network input has unit variance
                #expect(abs(l.cin * l.cin * V - 1) < 1e-12)
                // the target has unit variance for x0 ~ (·, σ_d²), ε ~ N(0, 1)
                let targetVar = l.tx0 * l.tx0 * sd * sd + l.teps * l.teps
                #expect(abs(targetVar - 1) < 1e-9, "\(objective) target variance \(targetVar)")
                // with F = F*, x̂0 = px·x_t + pf·F* is x0 exactly: coefficients of x0 and ε
                let x0Coef = l.px * a + l.pf * l.tx0, epsCoef = l.px * s + l.pf * l.teps
                #expect(abs(x0Coef - 1) < 1e-9 && abs(epsCoef) < 1e-9, "\(objective): x̂0 = \(x0Coef)·x0 + \(epsCoef)·ε")
                // and the prediction the samplers read is the objective's own target
                let outX0 = l.outX * a + l.outF * l.tx0, outEps = l.outX * s + l.outF * l.teps
                let want: (Double, Double)
                switch objective {
                case .eps: want = (0, 1)
                case .x0: want = (1, 0)
                case .v: want = (-s, a)
                case .flow: want = (-1, 1)
                case .regression: preconditionFailure("regression is not preconditioned (and not in allCases)")
                }
                #expect(abs(outX0 - want.0) < 1e-9 && abs(outEps - want.1) < 1e-9,
                        "\(objective) at a=\(a): prediction \(outX0)·x0 + \(outEps)·ε, want \(want)")
            }
        }
    }

    @Test func vWithUnitDataIsTheUsualV() {
        let l = PreconditionedLevel(objective: .v, alphaBar: 0.36, sigmaData: 1)
        #expect(abs(l.teps - 0.6) < 1e-12 && abs(l.tx0 + 0.8) < 1e-12)   // v = a·ε − s·x0
        #expect(abs(l.outX) < 1e-12 && abs(l.outF - 1) < 1e-12)
        #expect(abs(l.cin - 1) < 1e-12)
    }

    @Test func minSNRWeightMatchesThePaperPerObjective() {
        let gamma = 5.0
        for (a, s) in [(0.99, 0.141), (0.5, 0.866), (0.1, 0.995)] {
            let snr = a * a / (s * s)
            let eps = PreconditionedLevel(objective: .eps, a: a, s: s, sigmaData: 1)
            let v = PreconditionedLevel(objective: .v, a: a, s: s, sigmaData: 1)
            let x0 = PreconditionedLevel(objective: .x0, a: a, s: s, sigmaData: 1)
            let w = LossWeighting.minSNR
            #expect(abs(w.weight(a: a, s: s, pf: eps.pf, sigmaData: 1, gamma: gamma) - min(snr, gamma) / snr) < 1e-9)
            #expect(abs(w.weight(a: a, s: s, pf: v.pf, sigmaData: 1, gamma: gamma) - min(snr, gamma) / (snr + 1)) < 1e-6)
            // x0 shares v's F (EDM's skip): its x0-space weight min(SNR, γ) carries pf² = 1/(SNR + 1) on F
            #expect(abs(w.weight(a: a, s: s, pf: x0.pf, sigmaData: 1, gamma: gamma) - min(snr, gamma) / (snr + 1)) < 1e-6)
            // EDM's λ on the x̂0 error is uniform on F, for any σ_d
            for sd in [0.5, 1.0, 6.0] {
                let l = PreconditionedLevel(objective: .x0, a: a, s: s, sigmaData: sd)
                #expect(abs(LossWeighting.edm.weight(a: a, s: s, pf: l.pf, sigmaData: sd, gamma: gamma) - 1) < 1e-9)
            }
        }
    }

    static let samplerCases: [SamplerCase] = [
        SamplerCase(kind: .ddpm, steps: 1000), SamplerCase(kind: .ddim, steps: 50), SamplerCase(kind: .sde, steps: 1000),
        SamplerCase(kind: .ode, steps: 50), SamplerCase(kind: .dpmpp2m, steps: 20), SamplerCase(kind: .edmHeun, steps: 18),
        SamplerCase(kind: .flowEuler, steps: 200), SamplerCase(kind: .flowHeun, steps: 50),
    ]

    @Test(arguments: samplerCases)
    func idealOutputOfEveryObjectiveSamplesOnModes(_ c: SamplerCase) throws {
        let backend = ReferenceBackend()
        let schedule = try NoiseSchedule(ScheduleConfig())
        // ring8 at std 3 per dimension, as the network sees data with dataScale = 3
        let scale: Float = 3 / 1.4142135
        let means = Ring8.means.map { $0.map { $0 * scale } }
        let precond = Preconditioning(sigmaData: 3, inputStd: 8)
        for objective in Objective.allCases where objective.isFlow == c.kind.isFlow {
            let sched: NoiseSchedule? = objective.isFlow ? nil : schedule
            let exact = ExactMixtureDenoiser(backend: backend, means: means, std: Ring8.std * scale,
                                             objective: objective.isFlow ? .flow : .eps, schedule: sched)
            let ideal = IdealPreconditionedNetwork(exact: exact, objective: objective, precond: precond, schedule: sched)
            let wrapped = try PreconditionedDenoiser(inner: ideal, preconditioning: precond, schedule: sched, maxBatch: 400)
            let sampler = try Sampler(config: SamplerConfig(kind: c.kind, steps: c.steps, seed: 4), denoiser: wrapped, schedule: sched)
            let pts = try sampler.sample(count: 400).samples.map { $0 / scale }
            let s = Ring8.score(pts)
            #expect(s.modes == 8 && s.inMode >= 0.97, "\(objective) with \(c.testDescription): \(s.modes)/8 modes, \(s.inMode) in a mode")
        }
    }

    @Test func karrasScheduleAndSpacingFollowTheRho7Grid() throws {
        let sched = try NoiseSchedule(ScheduleConfig(kind: .karras, timesteps: 1000))
        let sigma = { (i: Int) -> Double in let a = sched.alphaBar(i); return ((1 - a) / a).squareRoot() }
        #expect(abs(sigma(0) - KarrasSigmas.sigmaMin) < 1e-9 && abs(sigma(999) - KarrasSigmas.sigmaMax) < 1e-6)
        // midpoint of the grid in σ^{1/7}
        let mid = pow((pow(KarrasSigmas.sigmaMin, 1 / 7.0) + pow(KarrasSigmas.sigmaMax, 1 / 7.0)) / 2, 7)
        #expect(abs(sigma(Int((999.0 / 2).rounded(.down))) / mid - 1) < 0.02)
        let linear = try NoiseSchedule(ScheduleConfig())
        let idx = TimestepSpacing.karras.indices(steps: 18, schedule: linear)
        #expect(idx.count >= 16 && idx.first == 999 && idx == idx.sorted(by: >))
        // ρ = 7 puts most steps at low noise: steps uniform in σ^{1/7} leave ~87% of them below
        // the midpoint of σ's linear range on this schedule (σ from 0.01 to 157)
        let sig = idx.map { i -> Double in let a = linear.alphaBar(i); return ((1 - a) / a).squareRoot() }
        let midpoint = (sig.min()! + sig.max()!) / 2
        #expect(Double(sig.filter { $0 < midpoint }.count) > 0.75 * Double(sig.count), "karras spacing σ \(sig)")
        #expect(TimestepSpacing.preferred(for: .edmHeun) == .karras)
    }

    /// The lowest loss any network can reach on these levels: the ideal F (from the exact
    /// mixture) against the target, averaged over `count` draws of (level, x0, ε) as training
    /// draws them (uniform timesteps). Per element, as the trainer reports it.
    static func idealLossFloor(objective: Objective, data: Dataset, means: [[Float]], std: Float, precond: Preconditioning,
                               schedule: NoiseSchedule, count: Int) throws -> Double {
        let backend = ReferenceBackend()
        let exact = ExactMixtureDenoiser(backend: backend, means: means, std: std, objective: .eps, schedule: schedule)
        let ideal = IdealPreconditionedNetwork(exact: exact, objective: objective, precond: precond, schedule: schedule)
        var rng = PhiloxStream(seed: 17)
        let n = data.points.count / 2
        var total = 0.0
        let xin = try backend.makeBuffer(count: 2), out = try backend.makeBuffer(count: 2)
        for _ in 0..<count {
            let i = rng.int(schedule.timesteps)
            let row = rng.int(n)
            let level = PreconditionedLevel(objective: objective, alphaBar: schedule.alphaBar(i), sigmaData: precond.sigmaData,
                                            inputStd: precond.inputStd ?? 1)
            let a = schedule.alphaBar(i).squareRoot(), sg = (1 - schedule.alphaBar(i)).squareRoot()
            let x0 = [Double(data.points[2 * row]), Double(data.points[2 * row + 1])]
            let eps = [Double(rng.normal()), Double(rng.normal())]
            let xt = (0..<2).map { a * x0[$0] + sg * eps[$0] }
            backend.write(xt.map { Float($0 * level.cin) }, to: BufferView(xin))
            try ideal.predict(x: BufferView(xin), time: Float(i + 1) / Float(schedule.timesteps), out: BufferView(out), batch: 1, rowOffset: 0)
            let f = try backend.read(BufferView(out))
            for d in 0..<2 {
                let target = level.tx0 * x0[d] + level.teps * eps[d]
                total += (Double(f[d]) - target) * (Double(f[d]) - target)
            }
        }
        return total / Double(2 * count)
    }

    @Test func shortVPredictionRunLearns() throws {
        // ring8 at the default data scale (6) and network input std (8)
        let backend = SIMDBackend()
        let dataScale: Float = 6
        var raw = ring8Data(count: 4000, seed: 5)
        let norm = Normalizer(fit: raw).scaled(by: dataScale)
        raw = norm.applied(to: raw)
        var config = smallTrainConfig(steps: 3000, objective: .v)
        let precond = Preconditioning(sigmaData: Preconditioning.estimateSigmaData(points: raw.points, dim: 2), inputStd: 8)
        config.preconditioning = precond
        #expect(abs(precond.sigmaData - Double(dataScale)) < 0.01)
        let trainer = try Trainer(config: config, data: raw, backend: backend)
        var losses: [Float] = []
        for _ in 0..<config.steps {
            trainer.trainStep()
            if trainer.mustDrainLosses { losses += try trainer.drainLosses().map(\.loss) }
        }
        losses += try trainer.drainLosses().map(\.loss)
        // the ideal network's loss on the same data: what "learned" is measured against
        let means = Ring8.means.map { m in (0..<2).map { (m[$0] - norm.mean[$0]) / norm.std[$0] } }
        let floor = try Self.idealLossFloor(objective: .v, data: raw, means: means, std: Ring8.std / norm.std[0],
                                            precond: precond, schedule: trainer.schedule, count: 4000)
        let early = Double(losses.prefix(20).reduce(0, +) / 20), late = Double(losses.suffix(300).reduce(0, +) / 300)
        // v ≈ 0 (the failure this guards against) keeps the loss at its initial ≈ 1
        #expect(early > 0.9 && floor < 0.8 * early, "initial loss \(early), ideal \(floor)")
        #expect(late - floor < 0.3 * (early - floor), "v loss did not fall most of the way to the ideal: \(early) → \(late), ideal \(floor)")
        let net = try TrainedDenoiser(model: trainer.model, params: trainer.ema, objective: .v, maxBatch: 1000)
        let d = try PreconditionedDenoiser.forSampling(net, config: config, schedule: trainer.schedule, maxBatch: 1000)
        let sampler = try Sampler(config: SamplerConfig(kind: .ddim, steps: 50, seed: 3), denoiser: d, schedule: trainer.schedule)
        var pts = try sampler.sample(count: 1000).samples
        norm.undo(&pts)
        let s = Ring8.score(pts)
        #expect(s.modes == 8 && s.inMode > 0.8, "v-prediction: \(s.modes)/8 modes, \(s.inMode) in a mode")
    }
}
