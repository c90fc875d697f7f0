// HallucinationTests.swift — the trajectory-variance score (Aithal et al., 2024) and its filter.
//
// With the exact gauss1d_close score and the paper's sampler (DDPM-1000, β_t variance) samples that
// end between modes have a higher x̂0 variance over the last steps than in-mode ones, as long as the
// window is short (the last 1–5% of the steps; over the last 20% every sample's x̂0 is still moving
// while it commits to a mode and the score no longer separates them). Deterministic few-step
// samplers are the opposite case: DDIM-10 strands samples on the segment between two modes where
// the exact x̂0 sits still, so they score LOWER; the filter is a tool for stochastic samplers.
import Testing
import DiffusionCore
import CPUBackend

@Suite struct HallucinationTests {
    @Test func x0VarianceIsZeroWhenThePredictionNeverMoves() throws {
        let backend = SIMDBackend()
        let schedule = try NoiseSchedule(ScheduleConfig())
        // a single (nearly) point mass: the exact x̂0 is the mode at every step
        let point = ExactMixtureDenoiser(backend: backend, means: [[1.5]], std: 1e-6, objective: .eps, schedule: schedule)
        let still = try Sampler(config: SamplerConfig(kind: .ddim, steps: 20, seed: 1, varianceWindow: 10),
                                denoiser: point, schedule: schedule).sample(count: 200)
        #expect(try #require(still.x0Variance).allSatisfy { $0 < 1e-8 })
        // three modes: x̂0 moves while the sample commits to a mode
        let three = ExactMixtureDenoiser(backend: backend, means: [[1], [2], [3]], std: 0.05, objective: .eps, schedule: schedule)
        let moving = try Sampler(config: SamplerConfig(kind: .ddim, steps: 20, seed: 1, varianceWindow: 10),
                                 denoiser: three, schedule: schedule).sample(count: 200)
        let v = try #require(moving.x0Variance)
        #expect(v.count == 200 && v.reduce(0, +) / 200 > 1e-4)
    }

    @Test func filterDropsTheHighestScoresAndReportsBeforeAndAfter() {
        // 10 one-dimensional samples: 7 on modes {1, 2, 3}, 3 between them with the highest scores
        let points: [Float] = [1, 2, 3, 1.02, 1.98, 3.01, 2.0, 1.5, 2.5, 2.45]
        let variance: [Float] = [0.1, 0.2, 0.1, 0.3, 0.2, 0.1, 0.25, 0.9, 0.8, 0.7]
        let f = HallucinationFilter.apply(points: points, dim: 1, variance: variance, dropFraction: 0.3)
        #expect(f.keptIndices == [0, 1, 2, 3, 4, 5, 6])
        #expect(f.kept == Array(points.prefix(7)))
        let r = HallucinationFilter.report(points: points, dim: 1, keptIndices: f.keptIndices, modes: [[1], [2], [3]], std: 0.05)
        #expect(r["between_modes_before"] == 0.3)
        #expect(r["between_modes_after"] == 0)
        #expect(r["hallucinations_removed"] == 1)
        #expect(r["in_mode_kept"] == 1)
        // dropping nothing keeps everything
        #expect(HallucinationFilter.apply(points: points, dim: 1, variance: variance, dropFraction: 0).keptIndices.count == 10)
    }

    /// gauss1d_close's mixture (modes 1, 2, 3, std 0.05) sampled with its exact score.
    func exactGauss1dClose(kind: SamplerKind, steps: Int, window: Int, count: Int) throws -> (points: [Float], variance: [Float], between: [Bool]) {
        let backend = SIMDBackend()
        let schedule = try NoiseSchedule(ScheduleConfig())
        let modes: [[Float]] = [[1], [2], [3]]
        let exact = ExactMixtureDenoiser(backend: backend, means: modes, std: 0.05, objective: .eps, schedule: schedule)
        let r = try Sampler(config: SamplerConfig(kind: kind, steps: steps, seed: 11, varianceWindow: window),
                            denoiser: exact, schedule: schedule).sample(count: count)
        let flags = HallucinationFilter.inModeFlags(points: r.samples, dim: 1, modes: modes, std: 0.05)
        return (r.samples, try #require(r.x0Variance), flags.map { !$0 })
    }

    func mean(_ v: [Float], where keep: [Bool], _ want: Bool) -> Double {
        let picked = zip(v, keep).filter { $0.1 == want }.map { Double($0.0) }
        return picked.reduce(0, +) / Double(max(picked.count, 1))
    }

    @Test func betweenModeSamplesScoreHigherUnderTheExactScoreWithDDPM() throws {
        let run = try exactGauss1dClose(kind: .ddpmLarge, steps: 1000, window: 20, count: 10_000)
        let betweenCount = run.between.filter { $0 }.count
        #expect(betweenCount >= 10, "too few between-mode samples to compare (\(betweenCount))")
        let auc = try #require(HallucinationFilter.auroc(scores: run.variance, positive: run.between))
        #expect(auc > 0.8, "AUROC \(auc)")
        #expect(mean(run.variance, where: run.between, true) > 2 * mean(run.variance, where: run.between, false))
        // and the filter acts on it: dropping the top 5% removes more than 5% of the between samples
        let f = HallucinationFilter.apply(points: run.points, dim: 1, variance: run.variance, dropFraction: 0.05)
        let r = HallucinationFilter.report(points: run.points, dim: 1, keptIndices: f.keptIndices, modes: [[1], [2], [3]],
                                           std: 0.05, variance: run.variance)
        #expect(try #require(r["hallucinations_removed"]) > 0.3)
        #expect(try #require(r["in_mode_kept"]) > 0.94)
        #expect(r["hallucination_auroc"] == auc)
    }

    @Test func aLongWindowDrownsTheSignal() throws {
        // the last 20% of DDPM-1000: every sample is still committing to its mode
        let run = try exactGauss1dClose(kind: .ddpmLarge, steps: 1000, window: 200, count: 10_000)
        let auc = try #require(HallucinationFilter.auroc(scores: run.variance, positive: run.between))
        #expect(abs(auc - 0.5) < 0.15, "AUROC \(auc)")
    }

    @Test func fewStepDDIMStrandsSamplesWhereTheExactX0SitsStill() throws {
        let run = try exactGauss1dClose(kind: .ddim, steps: 10, window: 2, count: 4000)
        #expect(run.between.filter { $0 }.count > 400)          // DDIM-10 leaves many between modes...
        let auc = try #require(HallucinationFilter.auroc(scores: run.variance, positive: run.between))
        #expect(auc < 0.5, "AUROC \(auc)")                       // ...and they score lower, not higher
    }

    @Test func aurocCountsOrderedPairsAndTies() throws {
        #expect(HallucinationFilter.auroc(scores: [1, 2, 3, 4], positive: [false, false, true, true]) == 1)
        #expect(HallucinationFilter.auroc(scores: [1, 2, 3, 4], positive: [true, true, false, false]) == 0)
        #expect(HallucinationFilter.auroc(scores: [1, 1, 1, 1], positive: [true, false, true, false]) == 0.5)
        #expect(HallucinationFilter.auroc(scores: [3, 1, 2], positive: [true, false, false]) == 1)
        #expect(HallucinationFilter.auroc(scores: [1, 2], positive: [false, false]) == nil)
        #expect(HallucinationFilter.defaultWindow(samplerSteps: 1000) == 20)
        #expect(HallucinationFilter.defaultWindow(samplerSteps: 20) == 2)
    }

    @Test func compareWindowsMatchSeparateRuns() throws {
        let backend = SIMDBackend()
        let schedule = try NoiseSchedule(ScheduleConfig())
        let exact = ExactMixtureDenoiser(backend: backend, means: [[1], [2], [3]], std: 0.05, objective: .eps, schedule: schedule)
        var config = SamplerConfig(kind: .ddpmLarge, steps: 100, seed: 5, varianceWindow: 2, maxBatch: 128)
        config.varianceCompareWindows = [5, 20, 2]
        let both = try Sampler(config: config, denoiser: exact, schedule: schedule).sample(count: 300)  // 3 chunks
        #expect(Set(both.x0VarianceByWindow.keys) == [2, 5, 20])
        #expect(both.x0Variance == both.x0VarianceByWindow[2])
        for w in [5, 20] {
            let alone = try Sampler(config: SamplerConfig(kind: .ddpmLarge, steps: 100, seed: 5, varianceWindow: w, maxBatch: 128),
                                    denoiser: exact, schedule: schedule).sample(count: 300)
            #expect(alone.samples == both.samples)
            #expect(alone.x0Variance == both.x0VarianceByWindow[w], "window \(w)")
        }
        #expect(HallucinationFilter.compareWindows(samplerSteps: 1000) == [10, 20, 50, 100])
        #expect(HallucinationFilter.compareWindows(samplerSteps: 50) == [2, 3, 5])
    }
}
