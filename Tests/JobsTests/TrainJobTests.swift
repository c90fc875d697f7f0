// TrainJobTests.swift — training jobs through the runner: outputs, resume after an interruption
// continuing the very same run, fallback past a corrupted checkpoint, NaN losses, cancellation.
import Foundation
import Testing
import Jobs
import DiffusionCore

@Suite struct TrainJobTests {
    @Test func trainWritesModelLossCurveSamplesAndMetrics() throws {
        let state = try TestState(); defer { state.remove() }
        let rec = EventRecorder()
        let outcome = try JobRunner.run(trainSpec(name: "tiny"), context: state.context("j1", recorder: rec))
        let result = try #require(outcome.result)
        for key in ["model", "loss_csv", "samples"] {
            let path = try #require(result.outputs[key], "missing output \(key)")
            #expect(FileManager.default.fileExists(atPath: path), "\(key) at \(path)")
        }
        let lossLines = try String(contentsOfFile: result.outputs["loss_csv"]!, encoding: .utf8).split(separator: "\n")
        #expect(lossLines.count == 301)   // header + one row per step
        #expect(result.metrics["energy_distance"] != nil && result.metrics["high_quality"] != nil)
        #expect(result.metrics["samples"] == 2000)
        let progress = rec.all.filter { $0.kind == .progress }
        #expect(progress.last?.step == 300 && progress.allSatisfy { $0.total == 300 })
        #expect(rec.all.last?.kind == .finished)
        let models = ModelStore.list(modelsDir: state.models)
        #expect(models.map(\.name) == ["tiny"])
        // plots: loss curve, samples over data (SVG + PNG), mode weights, schedule
        for key in ["plot_loss", "plot_samples", "plot_modes", "plot_schedule"] {
            let path = try #require(result.outputs[key], "missing \(key) in \(result.outputs.keys.sorted())")
            let text = try String(contentsOfFile: path, encoding: .utf8)
            #expect(text.hasPrefix("<?xml") || text.hasPrefix("<svg"), "\(key) is not SVG")
        }
        let png = try Data(contentsOf: URL(fileURLWithPath: try #require(result.outputs["plot_samples_png"])))
        #expect(png.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        // the terminal preview draws samples and the loss curve with braille characters
        let preview = try #require(JobReports.preview(jobDir: state.jobDir("j1"), width: 40, height: 10))
        #expect(preview.unicodeScalars.contains { (0x2801...0x28FF).contains($0.value) })
        #expect(preview.contains("loss"))
    }

    @Test func interruptedRunResumesToTheSameResult() throws {
        let state = try TestState(); defer { state.remove() }
        let spec = trainSpec(name: "straight", steps: 200)
        _ = try JobRunner.run(spec, context: state.context("a"))
        let straight = try ModelStore.load("straight", modelsDir: state.models).parameters

        var spec2 = spec; spec2.name = "resumed"
        var calls = 0
        let first = try JobRunner.run(spec2, context: state.context("b", stop: { calls += 1; return calls > 120 }))
        #expect(first == .interrupted)
        let rec = EventRecorder()
        let second = try JobRunner.run(spec2, context: state.context("b", recorder: rec))
        #expect(second.result != nil)
        #expect(rec.all.contains { $0.kind == .log && ($0.message ?? "").contains("resumed from") })
        let resumed = try ModelStore.load("resumed", modelsDir: state.models).parameters
        #expect(resumed == straight, "a resumed run must continue the same run")
        let rows = try String(contentsOf: state.jobDir("b").appendingPathComponent("loss.csv"), encoding: .utf8).split(separator: "\n")
        #expect(rows.count == 201)
    }

    @Test func corruptedNewestCheckpointFallsBackToThePrevious() throws {
        let state = try TestState(); defer { state.remove() }
        let spec = trainSpec(name: "ck", steps: 300)
        var calls = 0
        // checkpoints at 100 and 200, then stop at ~250 (a third, newest checkpoint at the stop)
        _ = try JobRunner.run(spec, context: state.context("c", checkpointEvery: 100, stop: { calls += 1; return calls > 250 }))
        let dir = state.jobDir("c").appendingPathComponent("checkpoints")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(files.count == 2)   // retention keeps 2
        // a crash mid-write: the newest file is truncated
        let newest = dir.appendingPathComponent(files.last!)
        let bytes = try Data(contentsOf: newest)
        try bytes.prefix(bytes.count / 2).write(to: newest)
        let rec = EventRecorder()
        let outcome = try JobRunner.run(spec, context: state.context("c", recorder: rec, checkpointEvery: 100))
        #expect(outcome.result != nil)
        let logs = rec.all.compactMap(\.message)
        #expect(logs.contains { $0.contains("skipped checkpoint \(files.last!)") })
        #expect(logs.contains { $0.contains("resumed from \(files.first!)") })
    }

    @Test func nonFiniteLossStopsWithTheStep() throws {
        // raw data near 1e30 without preconditioning: the network's output and the loss overflow
        // at the first step; the job stops there, with no model and no checkpoint
        let state = try TestState(); defer { state.remove() }
        let csv = state.root.appendingPathComponent("huge.csv")
        try "a,b\n1e30,2e30\n-3e30,1e30\n2e30,-1e30\n".write(to: csv, atomically: true, encoding: .utf8)
        var spec = trainSpec(name: "nan", steps: 50, dataset: csv.path)
        spec.normalize = false
        spec.preconditioning = "none"
        #expect {
            _ = try JobRunner.run(spec, context: state.context("n"))
        } throws: { error in
            guard case JobError.failed(let m) = error else { return false }
            return m.contains("non-finite") && m.contains("at step 1") && m.contains("no checkpoint")
        }
        #expect(ModelStore.list(modelsDir: state.models).isEmpty)
        // with preconditioning (the default) the network sees the same data scaled by its std
        spec.preconditioning = nil; spec.name = "huge"
        let outcome = try JobRunner.run(spec, context: state.context("h"))
        #expect(outcome.result?.metrics["final_loss"].map { $0.isFinite } == true)
    }

    @Test func aModelNoBetterThanNoiseSucceedsWithAWarning() throws {
        let state = try TestState(); defer { state.remove() }
        let rec = EventRecorder()
        // 20 steps learn nothing of ring8: the samples are about as far from the data as noise
        let r = try #require(try JobRunner.run(trainSpec(name: "w", steps: 20), context: state.context("w", recorder: rec)).result)
        let base = try #require(r.metrics["noise_energy_distance"]), ed = try #require(r.metrics["energy_distance"])
        #expect(base > 0 && ed > 0.5 * base, "energy distance \(ed), noise baseline \(base)")
        #expect(r.warnings?.contains { $0.contains("barely better than noise") } == true, "\(r.warnings ?? [])")
        #expect(rec.all.compactMap(\.message).contains { $0.hasPrefix("warning: ") })
        // a model that learned ring8 ends without one
        let good = try #require(try JobRunner.run(trainSpec(name: "g", steps: 4000), context: state.context("g")).result)
        #expect(good.warnings == nil, "\(good.warnings ?? []); energy distance \(good.metrics["energy_distance"] ?? -1)")
        #expect(try #require(good.metrics["energy_distance"]) < 0.5 * (try #require(good.metrics["noise_energy_distance"])))
    }

    @Test func cancellationReturnsCancelled() throws {
        let state = try TestState(); defer { state.remove() }
        var calls = 0
        let outcome = try JobRunner.run(trainSpec(name: "c"), context: state.context("x", cancel: { calls += 1; return calls > 10 }))
        #expect(outcome == .cancelled)
        #expect(ModelStore.list(modelsDir: state.models).isEmpty)
    }
}
