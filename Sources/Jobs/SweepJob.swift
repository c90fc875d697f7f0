// SweepJob.swift — samplers × step counts (× guidance scales) on one trained model, each run
// scored by the same metrics, so a user can pick the cheapest sampler that reaches the quality of
// DDPM-1000. Where the data is a known isotropic mixture, the same sampler is also run on the
// exact score: the gap between the two is the model's error, not the sampler's. Each run is a
// task (`runTask`) and the summary is computed from all tasks' results (`summarize`): locally in
// one loop, under executor = slurm as a job array whose summary the daemon computes.
import DiffusionCore
import Foundation

public struct SweepSettings: Codable, Equatable, Sendable {
    public var model: String
    /// (sampler, steps) pairs in the order given
    public var runs: [SweepRun]
    public var guidanceScales: [Double]
    public var classLabel: Int?
    public var count: Int
    public var seed: UInt64
    public var backend: BackendChoice?
}

public struct SweepRun: Codable, Equatable, Sendable {
    public var sampler: SamplerKind
    public var steps: Int
    public var label: String { "\(sampler.rawValue)-\(steps)" }
}

extension JobSpec {
    public func resolvedSweep() throws -> SweepSettings {
        guard kind == .sweep else { throw JobError.invalid(field: "kind", message: "expected sweep") }
        let model = try checkModelRef(self.model)
        let specs = samplers ?? JobSpec.defaultSweepSamplers
        var runs: [SweepRun] = []
        for item in specs {
            let parts = item.split(separator: ":", maxSplits: 1).map(String.init)
            guard let kind = SamplerKind(rawValue: parts[0]) else {
                throw JobError.invalid(field: "samplers", message: "'\(parts[0])' is not one of \(SamplerKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let stepList = parts.count > 1 ? parts[1].split(separator: ",").map(String.init) : ["50"]
            for s in stepList {
                guard let n = Int(s), (1...100_000).contains(n) else {
                    throw JobError.invalid(field: "samplers", message: "'\(item)': steps must be whole numbers in 1...100000 (got '\(s)')")
                }
                runs.append(SweepRun(sampler: kind, steps: n))
            }
        }
        guard !runs.isEmpty, runs.count <= 200 else { throw JobError.invalid(field: "samplers", message: "give 1...200 sampler runs") }
        let scales = guidanceScales ?? [0]
        if let bad = scales.first(where: { !(0...100).contains($0) }) {
            throw JobError.invalid(field: "guidanceScales", message: "each scale must be in 0...100 (got \(bad))")
        }
        if scales.contains(where: { $0 > 0 }) && classLabel == nil {
            throw JobError.invalid(field: "guidanceScales", message: "--guidance-scales needs a class to guide towards: add --class K")
        }
        let count = count ?? 2000
        guard (1...1_000_000).contains(count) else { throw JobError.invalid(field: "count", message: "must be in 1...1000000 (got \(count))") }
        return SweepSettings(model: model, runs: runs, guidanceScales: scales, classLabel: classLabel, count: count,
                             seed: seed ?? 0, backend: try backendChoice(backend))
    }
}

/// One run of a sweep: a (sampler, steps) pair at one guidance scale.
public struct SweepTask: Equatable, Sendable {
    public var run: SweepRun
    public var guidance: Double
    /// the run's name in metrics and progress ("ddim-10", or "ddim-10@w2.0" with several scales)
    public var key: String
}

/// What one sweep run produced: its CSV row, metrics and score; the summary is computed from all
/// of them (`SweepJob.summarize`). Written by a Slurm array task to jobs/<id>/tasks/<i>.json.
public struct SweepTaskResult: Codable, Equatable, Sendable {
    public var index: Int
    public var key: String
    /// why the run was skipped (a sampler that does not fit the model), else nil
    public var skipped: String?
    public var row: [String]?
    public var metrics: [String: Double]
    public var evaluations: Int?
    public var highQuality: Double?
    /// whether the row has the exact_high_quality column
    public var exactColumn: Bool
}

public enum SweepJob {
    public static func tasks(_ s: SweepSettings) -> [SweepTask] {
        s.runs.flatMap { run in
            s.guidanceScales.map { w in SweepTask(run: run, guidance: w, key: s.guidanceScales.count > 1 ? "\(run.label)@w\(w)" : run.label) }
        }
    }

    /// What every run of a sweep needs, loaded once per process.
    struct Shared {
        let model: StoredModel
        let backend: Backend
        let reason: String
        let reference: Dataset
        let conditions: [Float]?
        let exact: ExactScoreBaseline?

        init(_ s: SweepSettings, context ctx: JobContext) throws {
            model = try ModelStore.load(s.model, modelsDir: ctx.modelsDir, allowPath: true)
            guard model.metadata.kind == .diffusion else {
                throw JobError.invalid(field: "model", message: "'\(s.model)' is a GMM; sweeps compare diffusion samplers")
            }
            (backend, reason) = try BackendSelection.make(BackendOptions(choice: s.backend ?? ctx.backend, device: ctx.device,
                                                                          shaderDir: ctx.shaderDir, cpuThreads: ctx.cpuThreads))
            reference = SampleJob.classSubset(try JobData.reference(for: model.metadata.dataset), s.classLabel)
            conditions = try SampleJob.referenceConditions(model, count: s.count)
            exact = ExactScoreBaseline.make(model, backend: backend, classLabel: s.classLabel)
        }
    }

    static func run(_ s: SweepSettings, context ctx: JobContext) throws -> JobOutcome {
        let shared = try Shared(s, context: ctx)
        let tasks = Self.tasks(s)
        ctx.emit(JobEvent(kind: .started, total: tasks.count,
                          message: "sweeping \(tasks.count) sampler settings on '\(s.model)' (\(shared.backend.info.kind)); \(shared.reason)"))
        var results: [SweepTaskResult] = []
        for i in tasks.indices {
            if ctx.isCancelled() { return .cancelled }
            if ctx.shouldStop() { return .interrupted }
            let r = try runTask(s, index: i, shared: shared)
            results.append(r)
            if let why = r.skipped { ctx.emit(JobEvent(kind: .log, message: "skipped \(r.key): \(why)")) }
            else { ctx.emit(JobEvent(kind: .progress, step: i + 1, total: tasks.count, message: r.key)) }
        }
        return .succeeded(try summarize(results, jobDir: ctx.jobDir, emit: ctx.emit))
    }

    /// Run `index` of the sweep alone (a Slurm array task), loading what it needs.
    public static func runTask(_ s: SweepSettings, index: Int, context ctx: JobContext) throws -> SweepTaskResult {
        guard tasks(s).indices.contains(index) else {
            throw JobError.invalid(field: "task", message: "the sweep has \(tasks(s).count) runs; there is no run \(index)")
        }
        return try runTask(s, index: index, shared: try Shared(s, context: ctx))
    }

    static func runTask(_ s: SweepSettings, index: Int, shared: Shared) throws -> SweepTaskResult {
        let task = tasks(s)[index], run = task.run, w = task.guidance, key = task.key
        let info = shared.model.metadata.dataset
        let config = SamplerConfig(kind: run.sampler, steps: run.steps, seed: s.seed)
        let start = Date()
        let gen: Generated
        do {
            gen = try Generation.run(shared.model, backend: shared.backend, request: GenerationRequest(
                count: s.count, sampler: config, guidance: w, classLabel: s.classLabel, conditionsRaw: shared.conditions))
        } catch let JobError.invalid(field, message) where field == "sampler" {
            return SweepTaskResult(index: index, key: key, skipped: message, row: nil, metrics: [:], evaluations: nil, highQuality: nil,
                                   exactColumn: shared.exact != nil)
        }
        let seconds = Date().timeIntervalSince(start)
        let (m, modes) = SampleMetrics.compute(samples: gen.points, dim: info.dim, reference: shared.reference,
                                               modes: info.modes, modeStd: info.modeStd, seed: s.seed)
        var inRequested = Double.nan
        if let k = s.classLabel, let modes, modes.modeCounts.indices.contains(k) {
            inRequested = Double(modes.modeCounts[k]) / Double(max(modes.sampleCount, 1))
        }
        var metrics: [String: Double] = [:]
        metrics["\(key).seconds"] = seconds
        metrics["\(key).model_evaluations"] = Double(gen.modelEvaluations)
        for name in ["high_quality", "between_modes", "modes_covered", "energy_distance"] { if let v = m[name] { metrics["\(key).\(name)"] = v } }
        if inRequested.isFinite { metrics["\(key).in_requested_mode"] = inRequested }
        var row = [run.sampler.rawValue, "\(run.steps)", "\(w)", "\(gen.modelEvaluations)", fmt(seconds), fmt(m["high_quality"]), fmt(m["between_modes"]),
                   fmt(m["modes_covered"]), fmt(m["energy_distance"]), fmt(inRequested.isFinite ? inRequested : nil)]
        if let exact = shared.exact {
            let e = try exact.score(config: config, count: min(s.count, 2000), modes: info.modes!, std: info.modeStd!,
                                    normalizer: shared.model.metadata.normalizer)
            metrics["\(key).exact_high_quality"] = e
            row.append(fmt(e))
        }
        return SweepTaskResult(index: index, key: key, skipped: nil, row: row, metrics: metrics, evaluations: gen.modelEvaluations,
                               highQuality: m["high_quality"], exactColumn: shared.exact != nil)
    }

    /// The sweep's outputs from all its runs' results (in task order): sweep.csv, the pick of the
    /// cheapest good-enough run (sweep-summary.txt and a log event), the metrics event.
    public static func summarize(_ results: [SweepTaskResult], jobDir: URL, emit: (JobEvent) -> Void) throws -> JobResult {
        var header = ["sampler", "steps", "guidance", "model_evaluations", "seconds", "high_quality", "between_modes", "modes_covered", "energy_distance", "in_requested_mode", "exact_high_quality"]
        if !(results.first?.exactColumn ?? false) { header.removeLast() }
        let ordered = results.sorted { $0.index < $1.index }
        var metrics: [String: Double] = [:]
        for r in ordered { metrics.merge(r.metrics) { _, new in new } }
        let scored = ordered.compactMap { r in r.highQuality.map { SweepScore(label: r.key, evaluations: r.evaluations ?? 0, highQuality: $0) } }
        let csv = ([header] + ordered.compactMap(\.row)).map { $0.joined(separator: ",") }.joined(separator: "\n") + "\n"
        let url = jobDir.appendingPathComponent("sweep.csv")
        try AtomicFile.write(Data(csv.utf8), to: url)
        if let pick = SweepScore.cheapestGoodEnough(scored) {
            metrics["recommended_model_evaluations"] = Double(pick.choice.evaluations)
            metrics["reference_high_quality"] = pick.reference.highQuality
            let text = String(format: "cheapest run within %.0f point of %@ (high_quality %.4g, %d model evaluations): %@ (%.4g, %d model evaluations)",
                              SweepScore.tolerance * 100, pick.reference.label, pick.reference.highQuality, pick.reference.evaluations,
                              pick.choice.label, pick.choice.highQuality, pick.choice.evaluations)
            try AtomicFile.write(Data((text + "\n").utf8), to: jobDir.appendingPathComponent("sweep-summary.txt"))
            emit(JobEvent(kind: .log, message: text))
        }
        emit(JobEvent(kind: .metrics, metrics: metrics))
        return JobResult(outputs: ["sweep_csv": url.path], metrics: metrics)
    }

    static func fmt(_ v: Double?) -> String {
        guard let v, v.isFinite else { return "" }
        return String(format: "%.4g", v)
    }
}

/// One scored sweep run, and the pick of the cheapest run as good as the most expensive one.
struct SweepScore: Equatable {
    var label: String
    var evaluations: Int
    var highQuality: Double

    /// "as good as": a high-quality share at most this far below the reference's
    static let tolerance = 0.01

    /// The reference is the run with the most model evaluations (DDPM-1000 in the default sweep;
    /// the best of them on a tie); the choice is the run with the fewest evaluations whose
    /// high-quality share is within `tolerance` of it (the best of them on a tie).
    static func cheapestGoodEnough(_ runs: [SweepScore]) -> (reference: SweepScore, choice: SweepScore)? {
        guard let reference = runs.max(by: { ($0.evaluations, $0.highQuality) < ($1.evaluations, $1.highQuality) }) else { return nil }
        let good = runs.filter { $0.highQuality >= reference.highQuality - tolerance }
        guard let choice = good.min(by: { ($0.evaluations, -$0.highQuality) < ($1.evaluations, -$1.highQuality) }) else { return nil }
        return (reference, choice)
    }
}

/// The exact score of the model's training mixture in the model's normalized space (per-dimension
/// normalization turns the isotropic mixture into a diagonal one with stds std / scale_j).
struct ExactScoreBaseline {
    let denoiser: ExactMixtureDenoiser
    let schedule: NoiseSchedule?

    static func make(_ model: StoredModel, backend: Backend, classLabel: Int?) -> ExactScoreBaseline? {
        let meta = model.metadata
        guard let modes = meta.dataset.modes, let std = meta.dataset.modeStd, let train = meta.train else { return nil }
        let scales = meta.normalizer.std
        guard scales.count == modes.first?.count else { return nil }
        var normalized: [[Float]] = []
        for m in modes { var v = m; meta.normalizer.apply(&v); normalized.append(v) }
        let objective: Objective = train.config.objective.isFlow ? .flow : .eps
        let schedule = objective.isFlow ? nil : try? NoiseSchedule(train.config.schedule)
        let d = ExactMixtureDenoiser(backend: backend, means: normalized, stds: scales.map { std / $0 },
                                     objective: objective, schedule: schedule)
        if let classLabel { d.classes = [classLabel] }
        return ExactScoreBaseline(denoiser: d, schedule: schedule)
    }

    /// High-quality share of samples drawn with the exact score.
    func score(config: SamplerConfig, count: Int, modes: [[Float]], std: Float, normalizer: Normalizer) throws -> Double {
        var c = config
        if denoiser.objective.isFlow != c.kind.isFlow { return .nan }
        c.maxBatch = count
        let sampler = try Sampler(config: c, denoiser: denoiser, schedule: schedule)
        var pts = try sampler.sample(count: count).samples
        normalizer.undo(&pts)
        return Metrics.modes(samples: pts, dim: modes[0].count, modes: modes, std: std).highQualityFraction
    }
}
