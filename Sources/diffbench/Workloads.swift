// Workloads.swift — the benchmark workloads of diffbench, each timed as the median of several
// runs after a warm-up: the reference training step and sampling 10,000 points.
import DiffusionCore
import Foundation
import Jobs

enum Workloads {
    /// The reference workload: d = 2, ring8, MLP (2+128)→256→256→256→256→2, SiLU, ε-prediction,
    /// batch 512, AdamW lr 1e-3.
    static func referenceConfig(steps: Int) -> TrainConfig {
        TrainConfig(model: ModelConfig(dataDim: 2, width: 256, depth: 4, timeEmbedDim: 128, activation: .silu),
                    objective: .eps, steps: steps, batchSize: 512, lr: 1e-3, warmupSteps: 10, seed: 1)
    }

    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
    }

    static func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : 0.5 * (s[s.count / 2 - 1] + s[s.count / 2])
    }

    /// Training steps per second (median of `repeats` runs of `steps` steps, after a warm-up).
    static func trainStepsPerSecond(_ backend: Backend, steps: Int, repeats: Int) throws -> Double {
        let data = try BuiltinDatasets.make("ring8", count: 20_000, seed: 0)
        let trainer = try Trainer(config: referenceConfig(steps: 1_000_000), data: Normalizer(fit: data).applied(to: data),
                                  backend: backend, lossRingSize: 25)
        func run(_ n: Int) throws {
            for _ in 0..<n { trainer.trainStep(); if trainer.mustDrainLosses { _ = try trainer.drainLosses() } }
            _ = try trainer.drainLosses()
        }
        try run(20)
        let times = try (0..<repeats).map { _ in try seconds { try run(steps) } }
        return Double(steps) / median(times)
    }

    /// Submissions, dispatches and host↔device bytes per training step (nil on the CPU), over
    /// `steps` steps of the reference workload including its loss drains.
    static func trainTrafficPerStep(_ backend: Backend, steps: Int) throws -> [String: Double]? {
        let data = try BuiltinDatasets.make("ring8", count: 20_000, seed: 0)
        let trainer = try Trainer(config: referenceConfig(steps: 1_000_000), data: Normalizer(fit: data).applied(to: data),
                                  backend: backend, lossRingSize: 25)
        for _ in 0..<5 { trainer.trainStep() }
        _ = try trainer.drainLosses()
        guard let before = DeviceTraffic.of(backend) else { return nil }
        for _ in 0..<steps { trainer.trainStep(); if trainer.mustDrainLosses { _ = try trainer.drainLosses() } }
        _ = try trainer.drainLosses()
        return DeviceTraffic.of(backend)?.perStep(since: before, steps: steps)
    }

    /// Seconds to draw `count` samples with a sampler from a reference-sized model.
    static func samplingSeconds(_ backend: Backend, kind: SamplerKind, steps: Int, count: Int, repeats: Int) throws -> Double {
        let config = referenceConfig(steps: 1).model
        let model = try MLPDenoiser(config: config, backend: backend)
        let params = try backend.makeBuffer(model.initialParameters(seed: 1))
        let denoiser = try TrainedDenoiser(model: model, params: BufferView(params), objective: .eps, maxBatch: count)
        let sampler = try Sampler(config: SamplerConfig(kind: kind, steps: steps, seed: 2), denoiser: denoiser,
                                  schedule: try NoiseSchedule(ScheduleConfig()))
        _ = try sampler.sample(count: min(count, 1000))
        let times = try (0..<repeats).map { _ in try seconds { _ = try sampler.sample(count: count) } }
        return median(times)
    }
}
