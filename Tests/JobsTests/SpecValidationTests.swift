// SpecValidationTests.swift — bad job specs get errors that name the field and say why.
import Foundation
import Testing
import Jobs

@Suite struct SpecValidationTests {
    func field(of error: Error) -> String? {
        if case JobError.invalid(let f, _) = error { return f }
        return nil
    }

    @Test func unknownKeysAndWrongTypesNameTheField() throws {
        #expect { _ = try JobSpec.decode(Data(#"{"kind":"train","stpes":10}"#.utf8)) } throws: { field(of: $0) == "stpes" }
        #expect { _ = try JobSpec.decode(Data(#"{"kind":"train","steps":"ten"}"#.utf8)) } throws: { field(of: $0) == "steps" }
        #expect { _ = try JobSpec.decode(Data(#"{"kind":"dance"}"#.utf8)) } throws: { field(of: $0) == "kind" }
        #expect { _ = try JobSpec.decode(Data("[1,2]".utf8)) } throws: { field(of: $0) == "spec" }
        #expect { _ = try JobSpec.decode(Data("{".utf8)) } throws: { field(of: $0) == "spec" }
        let ok = try JobSpec.decode(Data(#"{"kind":"sample","model":"m","count":5}"#.utf8))
        #expect(ok.count == 5)
    }

    @Test func outOfRangeAndMissingParameters() {
        var t = trainSpec(name: "x")
        t.steps = 0
        #expect { try JobRunner.validate(t) } throws: { field(of: $0) == "steps" }
        t = trainSpec(name: "x"); t.objective = "score"
        #expect { try JobRunner.validate(t) } throws: { field(of: $0) == "objective" }
        t = trainSpec(name: "../evil")
        #expect { try JobRunner.validate(t) } throws: { field(of: $0) == "name" }
        t = trainSpec(name: "x", dataset: "/no/such/file.csv")
        #expect { try JobRunner.validate(t) } throws: { field(of: $0) == "dataset" }
        t = trainSpec(name: "x", dataset: "spiral")
        #expect { try JobRunner.validate(t) } throws: { field(of: $0) == "dataset" }
        t = trainSpec(name: "x"); t.timeEmbedDim = 7
        #expect { try JobRunner.validate(t) } throws: { field(of: $0) == "timeEmbedDim" }
        var s = sampleSpec(model: "m", sampler: "euler", steps: 10)
        #expect { try JobRunner.validate(s) } throws: { field(of: $0) == "sampler" }
        s = sampleSpec(model: "m", sampler: "ddim", steps: 10); s.eta = 2
        #expect { try JobRunner.validate(s) } throws: { field(of: $0) == "eta" }
        s = sampleSpec(model: "m", sampler: "ddim", steps: 10); s.out = "/no/such/dir/x.csv"
        #expect { try JobRunner.validate(s) } throws: { field(of: $0) == "out" }
        s = sampleSpec(model: "m", sampler: "ddim", steps: 10); s.out = "x.txt"
        #expect { try JobRunner.validate(s) } throws: { field(of: $0) == "out" }
        var e = JobSpec(kind: .eval); e.dataset = "ring8"
        #expect { try JobRunner.validate(e) } throws: { field(of: $0) == "samples" }
    }

    @Test func scheduleReportWarnsWhenNoiseIsNotReached() throws {
        var spec = JobSpec(kind: .train)
        spec.timesteps = 50
        let short = try JobReports.schedule(spec)
        #expect(short.alphaBarLast > 0.5)
        #expect(short.warnings.contains { $0.contains("does not reach noise") })
        let standard = try JobReports.schedule(JobSpec(kind: .train))
        #expect(standard.warnings.isEmpty)
        #expect(standard.alphaBarLast < 1e-4 && standard.snrMax > standard.snrMin)
        spec.schedule = "cosine"; spec.timesteps = 1000
        #expect(try JobReports.schedule(spec).alphaBarLast < 1e-4)
        spec.zeroTerminalSNR = true
        #expect(try JobReports.schedule(spec).alphaBarLast == 0)
    }
}
