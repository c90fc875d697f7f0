// QualityBenchmark.swift — trains built-in datasets × objectives at default settings through the
// same JobRunner the daemon uses, samples each model with the given samplers, and reports what
// the sample jobs compute (modes covered, share in a mode or on the support, energy distance,
// MMD²) beside the same sampler on the exact mixture score where the data has one. A
// benchmark (`diffbench --only quality`), not a test: its runs are long.
import DiffusionCore
import Foundation

public struct QualityCase: Sendable {
    public var dataset: String
    public var objective: Objective
    /// class-conditional training, sampled with classLabel = `classLabel`
    public var conditional: Bool
    public var classLabel: Int?
    public init(dataset: String, objective: Objective, conditional: Bool = false, classLabel: Int? = nil) {
        self.dataset = dataset; self.objective = objective; self.conditional = conditional; self.classLabel = classLabel
    }
    public var label: String { conditional ? "\(dataset)|class \(classLabel ?? 0)" : dataset }
}

public struct QualityRow: Sendable {
    public var testCase: QualityCase
    public var sampler: String
    public var steps: Int
    /// the sample job's metrics
    public var metrics: [String: Double]
    /// share in a mode with the same sampler on the exact score (mixtures only)
    public var exactHighQuality: Double?
    public var trainSeconds: Double
    public var finalLoss: Double?
}

public enum QualityBenchmark {
    /// The samplers of the issue's table: DDPM-1000 and DDIM-50 (flow models: flow-heun-50 and
    /// flow-euler-100, their counterparts).
    public static func samplers(for objective: Objective) -> [(SamplerKind, Int)] {
        objective.isFlow ? [(.flowEuler, 100), (.flowHeun, 50)] : [(.ddpm, 1000), (.ddim, 50)]
    }

    /// Trains one case and samples it. `configure` may change the train spec (e.g. steps).
    public static func run(_ c: QualityCase, samples: Int, workDir: URL, backend: BackendChoice = .auto,
                           configure: (inout JobSpec) -> Void = { _ in },
                           log: (String) -> Void = { _ in }) throws -> [QualityRow] {
        let name = "\(c.dataset)-\(c.objective.rawValue)\(c.conditional ? "-cond" : "")"
        let models = workDir.appendingPathComponent("models")
        var train = JobSpec(kind: .train)
        train.dataset = c.dataset
        train.objective = c.objective.rawValue
        train.name = name
        if c.conditional { train.conditional = true }
        configure(&train)
        func context(_ id: String) -> JobContext {
            JobContext(jobID: id, jobDir: workDir.appendingPathComponent(id), modelsDir: models, backend: backend,
                       checkpointEvery: 1_000_000, progressEvery: 250)
        }
        let start = Date()
        var finalLoss: Double? = nil
        if case .succeeded(let r) = try JobRunner.run(train, context: context("train-\(name)")) { finalLoss = r.metrics["final_loss"] }
        let trainSeconds = Date().timeIntervalSince(start)
        log(String(format: "trained %@ in %.1f s (final loss %.4f)", name, trainSeconds, finalLoss ?? .nan))
        let model = try ModelStore.load(name, modelsDir: models)
        let exact = ExactScoreBaseline.make(model, backend: try BackendSelection.make(BackendOptions(choice: .cpu)).0,
                                            classLabel: c.classLabel)
        var rows: [QualityRow] = []
        for (kind, steps) in samplers(for: c.objective) {
            var spec = JobSpec(kind: .sample)
            spec.model = name
            spec.sampler = kind.rawValue
            spec.steps = steps
            spec.count = samples
            spec.classLabel = c.classLabel
            spec.out = workDir.appendingPathComponent("\(name)-\(kind.rawValue)-\(steps).npy").path
            spec.force = true
            guard case .succeeded(let r) = try JobRunner.run(spec, context: context("sample-\(name)-\(kind.rawValue)")) else { continue }
            var exactHQ: Double? = nil
            if let exact, let modes = model.metadata.dataset.modes, let std = model.metadata.dataset.modeStd {
                let config = SamplerConfig(kind: kind, steps: steps, seed: 11)
                exactHQ = try exact.score(config: config, count: min(samples, 2000), modes: modes, std: std,
                                          normalizer: model.metadata.normalizer)
            }
            rows.append(QualityRow(testCase: c, sampler: kind.rawValue, steps: steps, metrics: r.metrics,
                                   exactHighQuality: exactHQ, trainSeconds: trainSeconds, finalLoss: finalLoss))
        }
        return rows
    }

    /// One table line per row: dataset, objective, sampler, modes covered, share in a mode (or in
    /// the requested mode, or on the support), energy distance, MMD², the exact-score share.
    public static func format(_ rows: [QualityRow]) -> String {
        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }
        var out = pad("dataset", 18) + pad("objective", 10) + pad("sampler", 14) + pad("modes", 7) + pad("quality", 9)
            + pad("energy", 9) + pad("MMD²", 9) + pad("exact", 8) + "train s\n"
        for r in rows {
            let m = r.metrics
            let modes = m["modes_covered"].map { "\(Int($0))/\(Int(m["modes_total"] ?? 0))" } ?? "–"
            let q = m["in_requested_mode"] ?? m["high_quality"] ?? m["on_support"]
            func pct(_ v: Double?) -> String { v.map { String(format: "%.1f%%", 100 * $0) } ?? "–" }
            func num(_ v: Double?) -> String { v.map { String(format: "%.4f", $0) } ?? "–" }
            out += pad(r.testCase.label, 18) + pad(r.testCase.objective.rawValue, 10) + pad("\(r.sampler)-\(r.steps)", 14)
                + pad(modes, 7) + pad(pct(q), 9) + pad(num(m["energy_distance"]), 9) + pad(num(m["mmd2"]), 9)
                + pad(pct(r.exactHighQuality), 8) + String(format: "%.0f", r.trainSeconds) + "\n"
        }
        return out
    }
}
