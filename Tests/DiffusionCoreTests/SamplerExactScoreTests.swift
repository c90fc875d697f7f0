// SamplerExactScoreTests.swift — every sampler driven by the exact score of ring8 (closed form,
// no training) must put its samples on the modes: ≥ 97% within 3 std of a mode, 8/8 modes hit.
import Testing
import DiffusionCore
import CPUBackend
import Foundation

enum Ring8 {
    static let std: Float = 0.05
    static let means: [[Float]] = (0..<8).map { k in
        let a = Float(k) * Float.pi / 4
        return [2 * cosf(a), 2 * sinf(a)]
    }
    /// (fraction within 3 std of its nearest mode, number of modes that got ≥ 2% of samples)
    static func score(_ samples: [Float]) -> (inMode: Double, modes: Int) {
        let n = samples.count / 2
        var hits = [Int](repeating: 0, count: 8)
        var good = 0
        for i in 0..<n {
            let x = samples[2 * i], y = samples[2 * i + 1]
            var best = Float.infinity, bestK = 0
            for (k, m) in means.enumerated() {
                let d = ((x - m[0]) * (x - m[0]) + (y - m[1]) * (y - m[1])).squareRoot()
                if d < best { best = d; bestK = k }
            }
            if best <= 3 * std { good += 1; hits[bestK] += 1 }
        }
        return (Double(good) / Double(n), hits.filter { Double($0) >= 0.02 * Double(n) }.count)
    }
}

struct SamplerCase: CustomTestStringConvertible, Sendable {
    let kind: SamplerKind
    let steps: Int
    var eta: Double = 0
    var langevinSteps = 1
    var langevinSNR = 0.16
    var testDescription: String { "\(kind.rawValue)-\(steps)" + (eta > 0 ? " η=\(eta)" : "") }
}

@Suite("samplers against the exact ring8 score")
struct SamplerExactScoreTests {
    static let cases: [SamplerCase] = [
        SamplerCase(kind: .ddpm, steps: 1000),
        SamplerCase(kind: .ddpmLarge, steps: 1000),
        SamplerCase(kind: .ddim, steps: 100),
        SamplerCase(kind: .ddim, steps: 100, eta: 1),
        SamplerCase(kind: .sde, steps: 1000),
        SamplerCase(kind: .pc, steps: 500, langevinSteps: 1, langevinSNR: 0.16),
        SamplerCase(kind: .ode, steps: 50),
        SamplerCase(kind: .dpmpp2m, steps: 30),
        SamplerCase(kind: .dpmpp2m, steps: 10),
        SamplerCase(kind: .langevin, steps: 100, langevinSteps: 10, langevinSNR: 0.3),
        SamplerCase(kind: .flowEuler, steps: 200),
        SamplerCase(kind: .flowHeun, steps: 50),
    ]

    @Test(arguments: cases)
    func samplesLandOnModes(_ c: SamplerCase) throws {
        let backend = ReferenceBackend()
        let schedule = try NoiseSchedule(ScheduleConfig())
        let denoiser = ExactMixtureDenoiser(backend: backend, means: Ring8.means, std: Ring8.std,
                                            objective: c.kind.isFlow ? .flow : .eps,
                                            schedule: c.kind.isFlow ? nil : schedule)
        let config = SamplerConfig(kind: c.kind, steps: c.steps, eta: c.eta, seed: 7,
                                   langevinSteps: c.langevinSteps, langevinSNR: c.langevinSNR)
        let sampler = try Sampler(config: config, denoiser: denoiser, schedule: c.kind.isFlow ? nil : schedule)
        let result = try sampler.sample(count: 800)
        #expect(result.samples.count == 1600)
        #expect(result.samples.allSatisfy { $0.isFinite })
        let s = Ring8.score(result.samples)
        #expect(s.inMode >= 0.97, "\(c.testDescription): only \(s.inMode) within 3 std")
        #expect(s.modes == 8, "\(c.testDescription): \(s.modes)/8 modes")
    }

    @Test func cancellationStopsSampling() throws {
        let backend = ReferenceBackend()
        let schedule = try NoiseSchedule(ScheduleConfig())
        let denoiser = ExactMixtureDenoiser(backend: backend, means: Ring8.means, std: Ring8.std, objective: .eps, schedule: schedule)
        let sampler = try Sampler(config: SamplerConfig(kind: .ddim, steps: 20), denoiser: denoiser, schedule: schedule)
        var calls = 0
        #expect(throws: SamplingCancelled.self) {
            _ = try sampler.sample(count: 10) { done, _ in calls = done; return done < 5 }
        }
        #expect(calls == 5)
    }

    @Test func flowSamplerRejectsDiffusionModel() throws {
        let backend = ReferenceBackend()
        let schedule = try NoiseSchedule(ScheduleConfig())
        let denoiser = ExactMixtureDenoiser(backend: backend, means: Ring8.means, std: Ring8.std, objective: .eps, schedule: schedule)
        #expect(throws: ModelError.self) {
            _ = try Sampler(config: SamplerConfig(kind: .flowEuler, steps: 10), denoiser: denoiser, schedule: schedule)
        }
    }
}
