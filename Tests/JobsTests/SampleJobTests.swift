// SampleJobTests.swift — sampling, eval and GMM jobs through the runner: every sampler on a
// trained model, output formats, conditioning errors, the hallucination filter's report, and the
// GMM baseline scored by the same metrics.
import Foundation
import Testing
import Jobs
import DiffusionCore

/// Two models trained once for the whole suite (a temporary state dir under /tmp).
enum TrainedModels {
    static let state: TestState = {
        let state = try! TestState()
        // eps learns ring8 well enough at the default data scale for the filter to have modes to keep
        _ = try! JobRunner.run(trainSpec(name: "eps", steps: 4000), context: state.context("train-eps"))
        var flow = trainSpec(name: "flow", steps: 400); flow.objective = "flow"
        _ = try! JobRunner.run(flow, context: state.context("train-flow"))
        return state
    }()
}

@Suite struct SampleJobTests {
    var state: TestState { TrainedModels.state }

    @Test(arguments: ["ddpm", "ddpm-large", "ddim", "sde", "pc", "ode", "dpm++2m", "langevin"])
    func everyDiffusionSamplerRunsAndReports(_ sampler: String) throws {
        let steps = ["ddpm", "ddpm-large", "sde", "pc"].contains(sampler) ? 200 : 20
        let outcome = try JobRunner.run(sampleSpec(model: "eps", sampler: sampler, steps: steps), context: state.context("s-\(sampler)"))
        let r = try #require(outcome.result)
        #expect(r.metrics["non_finite"] == 0)
        #expect(r.metrics["samples"] == 300)
        #expect(r.metrics["high_quality"] != nil && r.metrics["energy_distance"] != nil)
        let rows = try String(contentsOfFile: r.outputs["samples"]!, encoding: .utf8).split(separator: "\n")
        #expect(rows.count == 301)
    }

    @Test func flowModelSamplesWithFlowSamplersOnly() throws {
        let out = state.root.appendingPathComponent("flow.npy")
        var spec = sampleSpec(model: "flow", sampler: "flow-heun", steps: 20)
        spec.out = out.path
        let r = try #require(try JobRunner.run(spec, context: state.context("fh")).result)
        let bytes = try Data(contentsOf: out)
        #expect(bytes.prefix(6) == Data([0x93] + Array("NUMPY".utf8)))
        #expect(r.outputs["out"] == out.path)
        #expect { _ = try JobRunner.run(sampleSpec(model: "flow", sampler: "ddim", steps: 10), context: state.context("bad")) }
            throws: { if case JobError.invalid(let f, let m) = $0 { return f == "sampler" && m.contains("flow-euler") }; return false }
    }

    @Test func conditioningErrorsAreClear() throws {
        var spec = sampleSpec(model: "eps", sampler: "ddim", steps: 10)
        spec.guidance = 2; spec.classLabel = 1
        #expect { _ = try JobRunner.run(spec, context: self.state.context("g")) }
            throws: { if case JobError.invalid(let f, _) = $0 { return f == "guidance" }; return false }
        #expect { _ = try JobRunner.run(sampleSpec(model: "nope", sampler: "ddim", steps: 10), context: self.state.context("n")) }
            throws: { if case JobError.notFound(let m) = $0 { return m.contains("eps") && m.contains("flow") }; return false }
    }

    @Test func hallucinationFilterReportsBeforeAndAfter() throws {
        var spec = sampleSpec(model: "eps", sampler: "ddim", steps: 50, count: 500)
        spec.hallucinationFilter = 0.1
        let r = try #require(try JobRunner.run(spec, context: state.context("hf")).result)
        #expect(r.metrics["filter_kept"] == 450)
        let before = try #require(r.metrics["between_modes_before"]), after = try #require(r.metrics["between_modes_after"])
        #expect(after <= before, "between modes \(before) before the filter, \(after) after")
        #expect(before < 0.3, "the suite's model should have learned ring8: \(before) between modes")
        #expect(FileManager.default.fileExists(atPath: r.outputs["x0_variance"]!))
        let dataShare = try #require(r.metrics["between_modes_data"])
        #expect(dataShare >= 0 && dataShare < 0.05)                     // ring8's own 3-std tails
        // the score's window: explicit, and refused without the filter or below 2 steps
        var windowed = spec; windowed.varianceWindow = 5
        #expect(try JobSpec.decode(windowed.encoded()).resolvedSample().sampler.varianceWindow == 5)
        #expect(try spec.resolvedSample().sampler.varianceWindow == 2)  // default: 2% of 50 steps, at least 2
        var tooShort = spec; tooShort.varianceWindow = 1
        #expect { _ = try tooShort.resolvedSample() }
            throws: { if case JobError.invalid(let f, _) = $0 { return f == "varianceWindow" }; return false }
        var noFilter = spec; noFilter.hallucinationFilter = nil; noFilter.varianceWindow = 10
        #expect { _ = try noFilter.resolvedSample() }
            throws: { if case JobError.invalid(let f, let m) = $0 { return f == "varianceWindow" && m.contains("hallucinationFilter") }; return false }
    }

    @Test func evalScoresASamplesFileAndGMMIsABaseline() throws {
        let csv = state.root.appendingPathComponent("on-modes.csv")
        var text = "x0,x1\n"
        for k in 0..<8 { for _ in 0..<20 { text += "\(2 * cos(Double(k) * .pi / 4)),\(2 * sin(Double(k) * .pi / 4))\n" } }
        try text.write(to: csv, atomically: true, encoding: .utf8)
        var eval = JobSpec(kind: .eval); eval.samples = csv.path; eval.dataset = "ring8"
        let r = try #require(try JobRunner.run(eval, context: state.context("ev")).result)
        #expect(r.metrics["high_quality"] == 1)
        #expect(r.metrics["modes_covered"] == 8)

        var few = JobSpec(kind: .gmm); few.dataset = "ring8"; few.name = "gmm3"; few.components = 3; few.datasetSize = 3000
        var many = few; many.name = "gmm8"; many.components = 8
        let r3 = try #require(try JobRunner.run(few, context: state.context("g3")).result)
        let r8 = try #require(try JobRunner.run(many, context: state.context("g8")).result)
        #expect(try #require(r3.metrics["high_quality"]) < 0.6)       // a 3-component GMM smears 8 modes
        #expect(try #require(r8.metrics["log_likelihood"]) > r3.metrics["log_likelihood"]!)
        // a GMM model samples through an ordinary sample job
        let s = try #require(try JobRunner.run(sampleSpec(model: "gmm8", sampler: "ddim", steps: 1), context: state.context("gs")).result)
        #expect(s.metrics["samples"] == 300)
    }
}
