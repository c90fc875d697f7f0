// EvalAndGMMJobs.swift — the two small job kinds: `eval` scores a samples file against a
// dataset; `gmm` fits the Gaussian-mixture baseline by EM and saves it as a model that `sample`
// jobs can draw from, so its mode coverage is compared with a diffusion model's by the same metrics.
import DiffusionCore
import Foundation

enum EvalJob {
    static func run(_ s: EvalSettings, context ctx: JobContext) throws -> JobOutcome {
        ctx.emit(JobEvent(kind: .started, total: 1, message: "evaluating \(s.samples) against \(s.data.source)"))
        let samples: Dataset
        do { samples = try SampleReader.read(path: s.samples) } catch let e as DataError { throw JobError.data(e.description) }
        let loaded = try JobData.load(s.data)
        guard samples.dim == loaded.raw.dim else {
            throw JobError.data("\(s.samples) has \(samples.dim) columns, dataset \(s.data.source) has \(loaded.raw.dim)")
        }
        let reference = loaded.info.isBuiltin ? try JobData.reference(for: loaded.info) : loaded.raw
        let (metrics, modes) = SampleMetrics.compute(samples: samples.points, dim: samples.dim, reference: reference,
                                                     modes: loaded.info.modes, modeStd: loaded.info.modeStd)
        try JobData.writeReference(reference, jobDir: ctx.jobDir)
        try SampleWriter.writeCSV(points: samples.points, dim: samples.dim, to: ctx.jobDir.appendingPathComponent("samples.csv"))
        var outputs = JobPlots.sampling(jobDir: ctx.jobDir, samples: samples.points, reference: reference, dim: samples.dim,
                                        modes: modes, trajectory: [], title: "eval · \((s.samples as NSString).lastPathComponent)")
        outputs["samples"] = s.samples
        ctx.emit(JobEvent(kind: .progress, step: 1, total: 1))
        ctx.emit(JobEvent(kind: .metrics, metrics: metrics))
        return .succeeded(JobResult(outputs: outputs, metrics: metrics))
    }
}

enum GMMJob {
    static func run(_ s: GMMSettings, context ctx: JobContext) throws -> JobOutcome {
        let loaded = try JobData.load(s.data)
        ctx.emit(JobEvent(kind: .started, total: s.iterations,
                          message: "fitting a \(s.components)-component \(s.covariance.rawValue) GMM to \(loaded.raw.name) (\(loaded.raw.count) points)"))
        if ctx.isCancelled() { return .cancelled }
        let (gmm, ll): (GaussianMixture, [Double])
        do {
            (gmm, ll) = try GaussianMixture.fit(points: loaded.normalized.points, dim: loaded.raw.dim, components: s.components,
                                                covariance: s.covariance, iterations: s.iterations, seed: s.seed)
        } catch let e as DataError { throw JobError.failed(e.description) }
        for (i, l) in ll.enumerated() where (i + 1) % max(1, ll.count / 20) == 0 || i == ll.count - 1 {
            ctx.emit(JobEvent(kind: .progress, step: i + 1, total: s.iterations, loss: -l))
        }
        let meta = ModelMetadata(kind: .gmm, name: s.name, createdAt: ISO8601DateFormatter().string(from: Date()), jobID: ctx.jobID,
                                 dataset: loaded.info, normalizer: loaded.normalizer, condNormalizer: nil, train: nil,
                                 classPrior: nil, finalLoss: nil, gmm: gmm, gmmLogLikelihood: ll.last, version: s.version ?? 1)
        let model = StoredModel(metadata: meta, parameters: [])
        try ModelStore.save(model, modelsDir: ctx.modelsDir)
        // sample it once and score it like any model
        let gen = try Generation.run(model, backend: CPUBackendFactory.hostOnly,
                                     request: GenerationRequest(count: 2000, sampler: SamplerConfig(kind: .ddim, steps: 1, seed: s.seed)))
        let reference = try JobData.reference(for: loaded.info)
        var (metrics, modes) = SampleMetrics.compute(samples: gen.points, dim: loaded.raw.dim, reference: reference,
                                                     modes: loaded.info.modes, modeStd: loaded.info.modeStd)
        metrics["log_likelihood"] = ll.last ?? 0
        metrics["em_iterations"] = Double(ll.count)
        let samplesURL = ctx.jobDir.appendingPathComponent("samples.csv")
        try SampleWriter.writeCSV(points: gen.points, dim: loaded.raw.dim, to: samplesURL, columnNames: loaded.raw.columnNames)
        try JobData.writeReference(reference, jobDir: ctx.jobDir)
        var outputs = JobPlots.sampling(jobDir: ctx.jobDir, samples: gen.points, reference: reference, dim: loaded.raw.dim,
                                        modes: modes, trajectory: [], title: "\(s.name) · GMM K=\(s.components)")
        outputs["samples"] = samplesURL.path
        outputs["model"] = ModelStore.checkpointURL(ctx.modelsDir, s.name, version: s.version ?? 1).path
        ctx.emit(JobEvent(kind: .metrics, metrics: metrics))
        return .succeeded(JobResult(outputs: outputs, metrics: metrics))
    }
}
