// TrainingRunTests.swift — short real training runs: the loss falls, samples of the trained
// model cover all 8 modes of ring8, a run is deterministic for a seed, and resuming from a
// snapshot continues the same run.
import Testing
import Foundation
import DiffusionCore
import CPUBackend

func ring8Data(count: Int, seed: UInt64) -> Dataset {
    var rng = PhiloxStream(seed: seed)
    var pts: [Float] = []
    var labels: [Int] = []
    for _ in 0..<count {
        let k = rng.int(8)
        pts += [Ring8.means[k][0] + Ring8.std * rng.normal(), Ring8.means[k][1] + Ring8.std * rng.normal()]
        labels.append(k)
    }
    return Dataset(name: "ring8", points: pts, dim: 2, labels: labels, numClasses: 8, modes: Ring8.means, modeStd: Ring8.std)
}

func smallTrainConfig(steps: Int, objective: Objective = .eps, classes: Int = 0, seed: UInt64 = 1) -> TrainConfig {
    TrainConfig(model: ModelConfig(dataDim: 2, width: 128, depth: 3, timeEmbedDim: 32, numClasses: classes, classEmbedDim: 8),
                objective: objective, steps: steps, batchSize: 256, lr: 2e-3, warmupSteps: 50, emaDecay: 0.995, seed: seed)
}

@Suite struct TrainingRunTests {
    @Test(arguments: [Objective.eps, .flow])
    func shortRunCoversAllRing8Modes(_ objective: Objective) throws {
        let backend = SIMDBackend()
        let config = smallTrainConfig(steps: 3000, objective: objective)
        let trainer = try Trainer(config: config, data: ring8Data(count: 4000, seed: 5), backend: backend)
        var losses: [Float] = []
        for _ in 0..<config.steps {
            trainer.trainStep()
            if trainer.mustDrainLosses { losses += try trainer.drainLosses().map(\.loss) }
        }
        losses += try trainer.drainLosses().map(\.loss)
        #expect(losses.count == config.steps)
        let early = losses.prefix(50).reduce(0, +) / 50, late = losses.suffix(200).reduce(0, +) / 200
        #expect(late < early * 0.8, "loss did not fall: \(early) → \(late)")

        let denoiser = try TrainedDenoiser(model: trainer.model, params: trainer.ema, objective: objective, maxBatch: 1000)
        let sampler = try Sampler(config: SamplerConfig(kind: objective.isFlow ? .flowHeun : .ddim, steps: 50, seed: 3),
                                  denoiser: denoiser, schedule: objective.isFlow ? nil : trainer.schedule)
        let s = Ring8.score(try sampler.sample(count: 1000).samples)
        #expect(s.modes == 8, "only \(s.modes)/8 modes covered")
        #expect(s.inMode > 0.6, "only \(s.inMode) of samples within 3 std of a mode")
    }

    @Test func sameSeedSameRunAndResumeContinuesIt() throws {
        let data = ring8Data(count: 500, seed: 2)
        let config = smallTrainConfig(steps: 40)
        func run(_ steps: Int, from snapshot: TrainerSnapshot? = nil) throws -> (Trainer, [Float]) {
            let t = try Trainer(config: config, data: data, backend: ReferenceBackend())
            if let snapshot { try t.restore(snapshot) }
            var l: [Float] = []
            while t.step < steps { t.trainStep(); if t.mustDrainLosses { l += try t.drainLosses().map(\.loss) } }
            l += try t.drainLosses().map(\.loss)
            return (t, l)
        }
        let (a, lossesA) = try run(40)
        let (b, lossesB) = try run(40)
        #expect(lossesA == lossesB)
        #expect(try a.snapshot().params == b.snapshot().params)
        let (half, firstHalf) = try run(20)
        let (resumed, secondHalf) = try run(40, from: try half.snapshot())
        #expect(firstHalf + secondHalf == lossesA)
        #expect(try resumed.snapshot().ema == a.snapshot().ema)
    }

    @Test func learningRateWarmsUpThenDecays() {
        var c = smallTrainConfig(steps: 1000)
        c.lr = 3e-3
        #expect(abs(c.learningRate(at: 25) - 1.5e-3) < 1e-9)
        #expect(abs(c.learningRate(at: 50) - 3e-3) < 1e-9)
        #expect(c.learningRate(at: 500) < 3e-3 && c.learningRate(at: 500) > 3e-4)
        #expect(abs(c.learningRate(at: 1000) - 3e-4) < 1e-9)
    }
}
