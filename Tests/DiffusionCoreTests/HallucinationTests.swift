// HallucinationTests.swift — the trajectory-variance score (Aithal et al., 2024) and its filter.
//
// Measured while building this (3000 samples, gauss1d_close, exact score): samples that few-step
// samplers leave between modes have a LOWER x̂0 variance over the last steps than in-mode ones
// (DDIM-10: 0.012 vs 0.016; DDPM-20: 0.043 vs 0.051), because the exact posterior mean of an
// ambiguous sample stays between the modes instead of oscillating. The signal the paper uses comes
// from a learned, smooth score; these tests pin down the mechanics, not that claim.
import Testing
import DiffusionCore
import CPUBackend

@Suite struct HallucinationTests {
    @Test func x0VarianceIsZeroWhenThePredictionNeverMoves() throws {
        let backend = SIMDBackend()
        let schedule = try NoiseSchedule(ScheduleConfig())
        // a single (nearly) point mass: the exact x̂0 is the mode at every step
        let point = ExactMixtureDenoiser(backend: backend, means: [[1.5]], std: 1e-6, objective: .eps, schedule: schedule)
        let still = try Sampler(config: SamplerConfig(kind: .ddim, steps: 20, seed: 1, x0VarianceSteps: 10),
                                denoiser: point, schedule: schedule).sample(count: 200)
        #expect(try #require(still.x0Variance).allSatisfy { $0 < 1e-8 })
        // three modes: x̂0 moves while the sample commits to a mode
        let three = ExactMixtureDenoiser(backend: backend, means: [[1], [2], [3]], std: 0.05, objective: .eps, schedule: schedule)
        let moving = try Sampler(config: SamplerConfig(kind: .ddim, steps: 20, seed: 1, x0VarianceSteps: 10),
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
}
