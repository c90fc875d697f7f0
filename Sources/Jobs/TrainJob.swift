// TrainJob.swift — a training job: load and normalize the data, build the model on the chosen
// backend, resume from the newest intact checkpoint in the job directory, train with progress
// events and periodic atomic checkpoints, save the EMA model under its name, then sample it once
// to report metrics and plots.
import DiffusionCore
import Foundation

enum TrainJob {
    static func modelConfig(_ s: TrainSettings, data: Dataset) -> ModelConfig {
        var m = s.config.model
        m.dataDim = data.dim
        m.numClasses = s.conditional ? data.numClasses : 0
        m.condDim = data.condDim
        return m
    }

    static func run(_ s: TrainSettings, context ctx: JobContext) throws -> JobOutcome {
        let loaded = try JobData.load(s.data)
        if s.conditional && (loaded.raw.labels == nil || loaded.raw.numClasses == 0) {
            throw JobError.invalid(field: "conditional", message: "dataset '\(s.data.source)' has no class labels")
        }
        var config = s.config
        config.model = modelConfig(s, data: loaded.raw)
        do { try config.model.validate() } catch { throw JobError.invalid(field: "model", message: "\(error)") }
        let (backend, reason) = try BackendSelection.make(BackendOptions(choice: s.backend ?? ctx.backend, device: ctx.device,
                                                                          shaderDir: ctx.shaderDir, cpuThreads: ctx.cpuThreads))
        ctx.emit(JobEvent(kind: .started, total: config.steps,
                          message: "training '\(s.name)' on \(backend.info.kind) (\(backend.info.deviceName)); \(reason)"))
        var classPrior = s.prior == "class" ? ClassPrior.fit(dataset: loaded.normalized) : nil
        if !config.objective.isFlow { classPrior?.whitensDiffusion = true }
        if config.preconditioning != nil {
            // σ_data as the network sees the data: class-whitened rows have unit variance
            let sd = classPrior?.whitensDiffusion == true ? 1
                : Preconditioning.estimateSigmaData(points: loaded.normalized.points, dim: loaded.normalized.dim)
            config.preconditioning?.sigmaData = sd
        }
        let trainer: Trainer
        do {
            trainer = try Trainer(config: config, data: loaded.normalized, backend: backend,
                                  lossRingSize: max(1, ctx.progressEvery), classPrior: classPrior)
        } catch let e as ModelError { throw JobError.invalid(field: "model", message: e.description) }

        let found = TrainCheckpoints.latest(ctx.jobDir, settings: s)
        if let found {
            try trainer.restore(found.snapshot)
            for why in found.skipped { ctx.emit(JobEvent(kind: .log, message: "skipped checkpoint \(why)")) }
            ctx.emit(JobEvent(kind: .log, message: "resumed from \(found.url.lastPathComponent) at step \(found.snapshot.step)"))
        }
        let log = try LossLog(jobDir: ctx.jobDir, keepingUpTo: found?.snapshot.step ?? 0)
        let every = s.checkpointEvery ?? ctx.checkpointEvery
        var lastTime = Date()
        var lastStep = trainer.step
        var lastCheckpointStep = trainer.step

        func drainAndReport() throws {
            let losses = try trainer.drainLosses()
            guard !losses.isEmpty else { return }
            if let bad = losses.first(where: { !$0.loss.isFinite }) {
                let kept = lastCheckpointStep > 0 ? "the last good checkpoint (step \(lastCheckpointStep)) is kept" : "no checkpoint had been written yet"
                throw JobError.failed("loss became non-finite (\(bad.loss)) at step \(bad.step); training stopped — \(kept). Try a lower lr or clipNorm.")
            }
            for l in losses { try log.append(step: l.step, loss: Double(l.loss), lr: config.learningRate(at: l.step)) }
            try log.flush(sync: false)   // one append per drain: readers (diffctl show) see the curve grow
            let now = Date()
            let rate = Double(trainer.step - lastStep) / max(now.timeIntervalSince(lastTime), 1e-9)
            lastTime = now; lastStep = trainer.step
            let mean = losses.map { Double($0.loss) }.reduce(0, +) / Double(losses.count)
            ctx.emit(JobEvent(kind: .progress, step: trainer.step, total: config.steps, loss: mean,
                              lr: config.learningRate(at: trainer.step), stepsPerSecond: rate))
        }
        func checkpoint() throws {
            // the loss rows up to this step become durable before the checkpoint that matches them
            try log.flush(sync: true)
            let url = try TrainCheckpoints.write(try trainer.snapshot(), settings: s, jobDir: ctx.jobDir, keep: ctx.checkpointKeep)
            lastCheckpointStep = trainer.step
            ctx.emit(JobEvent(kind: .checkpoint, step: trainer.step, total: config.steps, message: url.lastPathComponent))
        }

        while trainer.step < config.steps {
            if ctx.isCancelled() { return .cancelled }
            if ctx.shouldStop() {
                try drainAndReport()
                try checkpoint()
                return .interrupted
            }
            trainer.trainStep()
            let due = trainer.step % every == 0
            if trainer.mustDrainLosses || due || trainer.step == config.steps {
                try drainAndReport()
                if due && trainer.step < config.steps { try checkpoint() }
            }
        }
        try drainAndReport()
        try log.flush(sync: true)

        // the EMA weights become the named model
        try backend.synchronize()
        let ema = try backend.read(trainer.ema)
        let finalLoss = log.recentLosses.reduce(0, +) / Double(max(log.recentLosses.count, 1))
        var stored = s
        stored.config = config
        let meta = ModelMetadata(kind: .diffusion, name: s.name, createdAt: ISO8601DateFormatter().string(from: Date()),
                                 jobID: ctx.jobID, dataset: loaded.info, normalizer: loaded.normalizer,
                                 condNormalizer: loaded.condNormalizer, train: stored, classPrior: classPrior,
                                 finalLoss: finalLoss, gmm: nil, gmmLogLikelihood: nil, version: s.version ?? 1)
        let model = StoredModel(metadata: meta, parameters: ema)
        try ModelStore.save(model, modelsDir: ctx.modelsDir)
        ctx.emit(JobEvent(kind: .log, message: "saved model '\(meta.reference)' (\(ema.count) parameters)"))

        // a quick look at what it learned: samples with the default fast sampler, metrics, plots
        var outputs: [String: String] = [
            "model": ModelStore.checkpointURL(ctx.modelsDir, s.name, version: s.version ?? 1).path,
            "loss_csv": log.url.path,
        ]
        var metrics: [String: Double] = ["final_loss": finalLoss, "steps": Double(config.steps)]
        let preview = try SampleJob.previewSamples(model: model, backend: backend, count: 2000, seed: config.seed)
        let samplesURL = ctx.jobDir.appendingPathComponent("samples.csv")
        try SampleWriter.writeCSV(points: preview.points, dim: loaded.raw.dim, to: samplesURL, columnNames: loaded.raw.columnNames,
                                  labels: preview.labels)
        outputs["samples"] = samplesURL.path
        let reference = try JobData.reference(for: loaded.info)
        let (m, modes) = SampleMetrics.compute(samples: preview.points, dim: loaded.raw.dim, reference: reference,
                                               modes: loaded.info.modes, modeStd: loaded.info.modeStd)
        for (k, v) in m { metrics[k] = v }
        if loaded.info.source == "policy_obstacle", let conds = preview.conditions {
            for (k, v) in PolicyReport.metrics(chunks: preview.points, observations: conds) { metrics[k] = v }
        }
        metrics["preview_sampler_steps"] = Double(preview.steps)
        try JobData.writeReference(reference, jobDir: ctx.jobDir)
        outputs.merge(JobPlots.training(jobDir: ctx.jobDir, log: log, samples: preview.points, reference: reference,
                                        dim: loaded.raw.dim, modes: modes,
                                        schedule: config.objective.isFlow ? nil : config.schedule, title: s.name),
                      uniquingKeysWith: { $1 })
        ctx.emit(JobEvent(kind: .metrics, metrics: metrics))
        let noise = TrainingGuard.noiseBaseline(raw: loaded.raw, reference: reference, seed: config.seed)
        if let noise { metrics["noise_energy_distance"] = noise }
        let warnings = TrainingGuard.warnings(energyDistance: metrics["energy_distance"], noiseEnergyDistance: noise, losses: log.rows)
        for w in warnings { ctx.emit(JobEvent(kind: .log, message: "warning: \(w)")) }
        return .succeeded(JobResult(outputs: outputs, metrics: metrics, warnings: warnings.isEmpty ? nil : warnings))
    }
}
