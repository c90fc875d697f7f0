// SweepJobTests.swift — sampler × steps × guidance sweeps: every run scored, the exact-score
// baseline beside the model's, a CSV table, and bad sweep specs rejected by field.
import Foundation
import Testing
import Jobs

@Suite struct SweepJobTests {
    @Test func sweepScoresEveryRunBesideTheExactScore() throws {
        let state = TrainedModels.state
        var spec = JobSpec(kind: .sweep)
        spec.model = "eps"; spec.samplers = ["ddim:5,20", "dpm++2m:10"]; spec.count = 300; spec.seed = 2
        let r = try #require(try JobRunner.run(spec, context: state.context("sw")).result)
        let csv = try String(contentsOfFile: try #require(r.outputs["sweep_csv"]), encoding: .utf8).split(separator: "\n")
        for key in ["ddim-5", "ddim-20", "dpm++2m-10"] {
            #expect(r.metrics["\(key).high_quality"] != nil, "missing \(key)")
            #expect(r.metrics["\(key).exact_high_quality"] != nil, "missing exact \(key)")
        }
        // with enough steps the exact score puts samples on the modes (5 DDIM steps need not)
        #expect(try #require(r.metrics["ddim-20.exact_high_quality"]) > 0.9, "\(csv)")
        #expect(try #require(r.metrics["dpm++2m-10.exact_high_quality"]) > 0.9, "\(csv)")
        #expect(csv.count == 4)
        #expect(csv[0].hasPrefix("sampler,steps,guidance,model_evaluations"))
        #expect(r.metrics["ddim-5.model_evaluations"] == 5 && r.metrics["dpm++2m-10.model_evaluations"] == 10)
        // the pick: the cheapest run within one point of the most expensive one (ddim-20 here)
        let hq = ["ddim-5": r.metrics["ddim-5.high_quality"]!, "ddim-20": r.metrics["ddim-20.high_quality"]!,
                  "dpm++2m-10": r.metrics["dpm++2m-10.high_quality"]!]
        let cost = ["ddim-5": 5.0, "ddim-20": 20, "dpm++2m-10": 10]
        let want = hq.filter { $0.value >= hq["ddim-20"]! - 0.01 }.min { cost[$0.key]! < cost[$1.key]! }!.key
        #expect(r.metrics["recommended_model_evaluations"] == cost[want])
        #expect(r.metrics["reference_high_quality"] == hq["ddim-20"])
        let summary = try String(contentsOf: state.jobDir("sw").appendingPathComponent("sweep-summary.txt"), encoding: .utf8)
        #expect(summary.contains("of ddim-20") && summary.contains(": \(want) ("), "\(summary)")
    }

    @Test func conditionalSweepReportsTheRequestedModeShare() throws {
        let state = TrainedModels.state
        var train = trainSpec(name: "cond", steps: 400); train.conditional = true
        _ = try JobRunner.run(train, context: state.context("train-cond"))
        var spec = JobSpec(kind: .sweep)
        spec.model = "cond"; spec.samplers = ["ddim:20"]; spec.guidanceScales = [0, 3]; spec.classLabel = 2; spec.count = 300
        let r = try #require(try JobRunner.run(spec, context: state.context("swc")).result)
        for w in ["0.0", "3.0"] {
            let share = try #require(r.metrics["ddim-20@w\(w).in_requested_mode"])
            #expect((0...1).contains(share))
            // the exact conditional score puts (nearly) everything on the requested mode
            #expect(try #require(r.metrics["ddim-20@w\(w).exact_high_quality"]) > 0.9)
        }
    }

    @Test func badSweepsNameTheField() {
        var spec = JobSpec(kind: .sweep); spec.model = "m"; spec.samplers = ["warp:10"]
        #expect { try JobRunner.validate(spec) } throws: { if case JobError.invalid(let f, _) = $0 { return f == "samplers" }; return false }
        spec.samplers = ["ddim:ten"]
        #expect { try JobRunner.validate(spec) } throws: { if case JobError.invalid(let f, _) = $0 { return f == "samplers" }; return false }
        spec.samplers = ["ddim:10"]; spec.guidanceScales = [2]
        #expect { try JobRunner.validate(spec) } throws: { if case JobError.invalid(let f, _) = $0 { return f == "guidanceScales" }; return false }
    }
}
