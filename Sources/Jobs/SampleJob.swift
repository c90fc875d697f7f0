// SampleJob.swift — a sampling job: draw samples from a named model with any sampler, write
// them (CSV or .npy), and report metrics computed from them: mode coverage and quality on the
// built-in mixtures, energy distance and MMD against the data, the trajectory-variance
// hallucination filter, and collision / mode rates for the policy task.
import DiffusionCore
import Foundation

enum SampleJob {
    /// Default fast sampler for a model: flow-heun-50 for flow models, DDIM-50 otherwise.
    static func defaultSampler(for model: StoredModel, seed: UInt64) -> SamplerConfig {
        let flow = model.metadata.train?.config.objective.isFlow ?? false
        return SamplerConfig(kind: flow ? .flowHeun : .ddim, steps: 50, seed: seed)
    }

    /// Samples right after training, for the train job's metrics and plots.
    static func previewSamples(model: StoredModel, backend: Backend, count: Int, seed: UInt64) throws -> Generated {
        let request = GenerationRequest(count: count, sampler: defaultSampler(for: model, seed: seed ^ 0xABCDEF),
                                        conditionsRaw: try referenceConditions(model, count: count))
        return try Generation.run(model, backend: backend, request: request)
    }

    /// Observations to condition on when the user gave none: those of fresh reference data.
    static func referenceConditions(_ model: StoredModel, count: Int) throws -> [Float]? {
        let info = model.metadata.dataset
        guard info.condDim > 0 else { return nil }
        let ref = try JobData.reference(for: info, count: count)
        guard let c = ref.conditions, ref.condDim == info.condDim else { return nil }
        let rows = c.count / info.condDim
        return (0..<count).flatMap { i in c[((i % rows) * info.condDim)..<((i % rows + 1) * info.condDim)] }
    }

    static func run(_ s: SampleSettings, context ctx: JobContext) throws -> JobOutcome {
        let model = try ModelStore.load(s.model, modelsDir: ctx.modelsDir, allowPath: true)
        let meta = model.metadata
        let (backend, reason) = try BackendSelection.make(BackendOptions(choice: s.backend ?? ctx.backend, device: ctx.device,
                                                                          shaderDir: ctx.shaderDir, cpuThreads: ctx.cpuThreads))
        var conditions: [Float]? = nil
        if let file = s.conditionFile {
            do { conditions = try DataLoader.load(path: file).points } catch let e as DataError { throw JobError.data(e.description) }
        } else if meta.dataset.condDim > 0 {
            conditions = try referenceConditions(model, count: s.count)
            ctx.emit(JobEvent(kind: .log, message: "no conditionFile: conditioning on \(s.count) observations of fresh \(meta.dataset.name) data"))
        }
        let steps = meta.kind == .gmm ? 1 : s.sampler.steps
        ctx.emit(JobEvent(kind: .started, total: steps,
                          message: "sampling \(s.count) from '\(meta.name)' with \(meta.kind == .gmm ? "the GMM" : s.sampler.kind.rawValue) on \(backend.info.kind) (\(backend.info.deviceName)); \(reason)"))
        let reportEvery = max(1, steps / 50)
        let start = Date()
        var cancelled = false
        let request = GenerationRequest(count: s.count, sampler: s.sampler, guidance: s.guidance, classLabel: s.classLabel,
                                        conditionsRaw: conditions, progress: { done, total in
            if ctx.isCancelled() || ctx.shouldStop() { cancelled = true; return false }
            if done % reportEvery == 0 || done == total {
                let rate = Double(done) / max(Date().timeIntervalSince(start), 1e-9)
                ctx.emit(JobEvent(kind: .progress, step: done, total: total, stepsPerSecond: rate))
            }
            return true
        })
        let gen: Generated
        do { gen = try Generation.run(model, backend: backend, request: request) } catch is SamplingCancelled {
            return ctx.isCancelled() ? .cancelled : .interrupted
        }
        if cancelled { return ctx.isCancelled() ? .cancelled : .interrupted }
        let elapsed = Date().timeIntervalSince(start)
        let dim = meta.dataset.dim
        var metrics: [String: Double] = ["seconds": elapsed, "model_evaluations": Double(gen.modelEvaluations)]
        var outputs: [String: String] = [:]

        // hallucination filter: drop the highest trajectory-variance samples
        var kept = gen.points
        var keptLabels = gen.labels
        if let fraction = s.hallucinationFilter, let variance = gen.x0VarianceByWindow[s.sampler.varianceWindow] {
            let filter = HallucinationFilter.apply(points: gen.points, dim: dim, variance: variance, dropFraction: fraction)
            kept = filter.kept
            keptLabels = gen.labels.map { labs in filter.keptIndices.map { labs[$0] } }
            metrics["filter_threshold"] = Double(filter.threshold)
            metrics["filter_kept"] = Double(filter.keptIndices.count)
            if let modes = meta.dataset.modes, let std = meta.dataset.modeStd {
                let inMode = HallucinationFilter.inModeFlags(points: gen.points, dim: dim, modes: modes, std: std)
                for (k, v) in HallucinationFilter.report(inMode: inMode, keptIndices: filter.keptIndices) { metrics[k] = v }
                let between = inMode.map { !$0 }
                for (window, v) in gen.x0VarianceByWindow {
                    if let auc = HallucinationFilter.auroc(scores: v, positive: between) { metrics["hallucination_auroc_w\(window)"] = auc }
                }
                metrics["hallucination_auroc"] = metrics["hallucination_auroc_w\(s.sampler.varianceWindow)"]
                // the same rule on the training distribution itself: its tails past 3 std count as
                // "between" too, a floor no filter can go below
                if let reference = try? JobData.reference(for: meta.dataset, count: 50_000) {
                    let flags = HallucinationFilter.inModeFlags(points: reference.points, dim: dim, modes: modes, std: std)
                    metrics["between_modes_data"] = Double(flags.filter { !$0 }.count) / Double(max(flags.count, 1))
                }
            }
            let scoresURL = ctx.jobDir.appendingPathComponent("x0_variance.csv")
            try AtomicFile.write(Data(("x0_variance\n" + variance.map { "\($0)" }.joined(separator: "\n") + "\n").utf8), to: scoresURL)
            outputs["x0_variance"] = scoresURL.path
        }

        let jobSamples = ctx.jobDir.appendingPathComponent("samples.csv")
        try SampleWriter.writeCSV(points: kept, dim: dim, to: jobSamples, columnNames: meta.dataset.columnNames, labels: keptLabels)
        outputs["samples"] = jobSamples.path
        if let out = s.out, !out.isEmpty {
            let url = URL(fileURLWithPath: out)
            try OutputFile.checkReplaceable(out, force: s.force)   // again: it may have appeared since the job was queued
            do {
                if url.pathExtension.lowercased() == "npy" {
                    try SampleWriter.writeNPY(points: kept, dim: dim, to: url)
                } else {
                    try SampleWriter.writeCSV(points: kept, dim: dim, to: url, columnNames: meta.dataset.columnNames, labels: keptLabels)
                }
            } catch { throw JobError.failed("cannot write \(out): \(error)") }
            outputs["out"] = url.path
        }

        // metrics against the data the model learned
        let reference = try? JobData.reference(for: meta.dataset)
        var modeMetrics: ModeMetrics? = nil
        if let reference {
            let (m, modes) = SampleMetrics.compute(samples: kept, dim: dim, reference: classSubset(reference, s.classLabel),
                                                   modes: meta.dataset.modes, modeStd: meta.dataset.modeStd, seed: s.sampler.seed)
            for (k, v) in m { metrics[k] = v }
            modeMetrics = modes
            if let k = s.classLabel, let modes { metrics["in_requested_mode"] = modes.modeCounts.indices.contains(k) ? Double(modes.modeCounts[k]) / Double(max(modes.sampleCount, 1)) : 0 }
        }
        if meta.dataset.source == "policy_obstacle", let conds = gen.conditions {
            for (k, v) in PolicyReport.metrics(chunks: gen.points, observations: conds) { metrics[k] = v }
        }
        if !gen.trajectory.isEmpty {
            let url = ctx.jobDir.appendingPathComponent("trajectory.csv")
            try TrajectoryFile.write(gen.trajectory, steps: gen.trajectorySteps, dim: dim, maxSamples: 64, to: url)
            outputs["trajectory"] = url.path
        }
        if let reference { try JobData.writeReference(reference, jobDir: ctx.jobDir) }
        outputs.merge(JobPlots.sampling(jobDir: ctx.jobDir, samples: kept, reference: reference, dim: dim, modes: modeMetrics,
                                        trajectory: gen.trajectory, trajectorySteps: gen.trajectorySteps, title: "\(meta.name) · \(meta.kind == .gmm ? "gmm" : s.sampler.kind.rawValue)"),
                      uniquingKeysWith: { $1 })
        ctx.emit(JobEvent(kind: .metrics, metrics: metrics))
        return .succeeded(JobResult(outputs: outputs, metrics: metrics))
    }

    /// The reference points of one class (for metrics of class-conditional samples).
    static func classSubset(_ d: Dataset, _ k: Int?) -> Dataset {
        guard let k, let labels = d.labels, labels.contains(k) else { return d }
        var pts: [Float] = []
        for (i, l) in labels.enumerated() where l == k { pts += d.point(i) }
        var out = d
        out.points = pts
        out.labels = Array(repeating: k, count: pts.count / d.dim)
        out.conditions = nil
        return out
    }
}

/// Trajectory snapshots as CSV: step,sample,x0,x1,...
enum TrajectoryFile {
    static func write(_ snapshots: [[Float]], steps: [Int], dim: Int, maxSamples: Int, to url: URL) throws {
        var text = "step,sample," + (0..<dim).map { "x\($0)" }.joined(separator: ",") + "\n"
        for (s, snap) in snapshots.enumerated() {
            let n = min(snap.count / dim, maxSamples)
            for i in 0..<n {
                text += "\(steps[s]),\(i)," + (0..<dim).map { "\(snap[i * dim + $0])" }.joined(separator: ",") + "\n"
            }
        }
        try AtomicFile.write(Data(text.utf8), to: url)
    }
}
