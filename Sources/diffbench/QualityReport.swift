// QualityReport.swift — `diffbench --only quality`: every built-in dataset × objective trained at
// default settings (or with `--set key=value` overrides of the train spec), sampled with DDPM-1000
// and DDIM-50 (flow: flow-euler-100, flow-heun-50), one table of what the sample jobs measured.
import DiffusionCore
import Foundation
import Jobs

enum QualityReport {
    static let defaultCases: [QualityCase] = {
        var cases: [QualityCase] = []
        for d in ["ring8", "grid25", "checkerboard", "moons", "swissroll"] {
            for o in Objective.allCases { cases.append(QualityCase(dataset: d, objective: o)) }
        }
        cases.append(QualityCase(dataset: "grid25", objective: TrainDefaults.objective, conditional: true, classLabel: 12))
        return cases
    }()

    /// Applies "key=value" overrides to a spec through its JSON form (numbers, booleans, strings).
    static func apply(_ overrides: [String], to spec: inout JobSpec) throws {
        guard !overrides.isEmpty else { return }
        var object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(spec)) as? [String: Any] ?? [:]
        for o in overrides {
            let parts = o.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw JobError.invalid(field: "--set", message: "'\(o)' is not key=value") }
            let v = parts[1]
            if let b = Bool(v) { object[parts[0]] = b } else if let n = Double(v) { object[parts[0]] = n } else { object[parts[0]] = v }
        }
        spec = try JSONDecoder().decode(JobSpec.self, from: JSONSerialization.data(withJSONObject: object))
    }

    static func run(cases: [QualityCase], samples: Int, overrides: [String], backend: BackendChoice,
                    log: (String) -> Void) throws -> [QualityRow] {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("diffbench-quality-\(getpid())")
        defer { try? FileManager.default.removeItem(at: work) }
        var rows: [QualityRow] = []
        for c in cases {
            var failure: Error? = nil
            let r = try QualityBenchmark.run(c, samples: samples, workDir: work, backend: backend, configure: { spec in
                do { try apply(overrides, to: &spec) } catch { failure = error }
            }, log: log)
            if let failure { throw failure }
            rows += r
            log(QualityBenchmark.format(r).split(separator: "\n").dropFirst().joined(separator: "\n"))
        }
        return rows
    }
}
