// PolicyEvalJob.swift — `eval` with a task: closed-loop episodes of a diffusion policy on
// policy_maze. Every replanning round, the chunks of all live episodes are sampled together in
// one batch (one sampler run conditioned on all their observations); the job reports success,
// collision and timeout rates, the homotopy-class shares of the successes, the mean steps to goal
// and the wall time per round and per chunk (p50 / p99), and writes episodes.csv and the plot.
import DiffusionCore
import Foundation

/// A stored diffusion policy, loaded once, sampling chunks for a batch of observations; each
/// replanning round draws with its own seed.
final class ModelPolicy {
    let network: PolicyNetwork
    let kind: SamplerKind
    let steps: Int
    let seed: UInt64
    private(set) var rounds = 0
    /// what draws the chunks, for messages: e.g. "ddim-10", "regression"
    var label: String { network.isRegression ? "regression" : "\(kind.rawValue)-\(steps)" }

    init(model: StoredModel, backend: Backend, maxBatch: Int, sampler: SamplerKind?, steps: Int, seed: UInt64) throws {
        network = try PolicyNetwork(model: model, backend: backend, maxBatch: maxBatch)
        kind = sampler ?? network.defaultSampler
        self.steps = steps; self.seed = seed
    }

    /// Chunks (n × actionDim, data units) for n observations (n × condDim, data units).
    func chunks(observations: [Float]) throws -> [Float] {
        let roundSeed = seed &+ UInt64(rounds) &* 0x9E37_79B9
        rounds += 1
        return try network.chunks(observations: observations, sampler: kind, steps: steps, seed: roundSeed).chunks
    }
}

private struct EvalCancelled: Error {}

enum PolicyEvalJob {
    static func run(_ s: PolicyEvalSettings, context ctx: JobContext) throws -> JobOutcome {
        let model = try ModelStore.load(s.model, modelsDir: ctx.modelsDir, allowPath: true)
        try PolicyFit.check(model, task: s.task)
        let (backend, reason) = try BackendSelection.make(BackendOptions(choice: s.backend ?? ctx.backend, device: ctx.device,
                                                                          shaderDir: ctx.shaderDir, cpuThreads: ctx.cpuThreads))
        let policy = try ModelPolicy(model: model, backend: backend, maxBatch: s.episodes, sampler: s.sampler, steps: s.steps, seed: s.seed)
        let maxRounds = (MazeTask.maxSteps + MazeTask.execute - 1) / MazeTask.execute + (s.disturb ? 1 : 0)
        ctx.emit(JobEvent(kind: .started, total: maxRounds,
                          message: "\(s.episodes) closed-loop \(s.task) episodes\(s.disturb ? " with a push" : "") of '\(model.metadata.name)' with \(policy.label) on \(backend.info.kind) (\(backend.info.deviceName)); \(reason)"))
        var roundMs: [Double] = [], chunkMs: [Double] = []
        var cancelled = false
        let episodes: [MazeEpisode]
        do {
            episodes = try MazeRollout.run(count: s.episodes, seed: s.seed, disturb: s.disturb, policy: { _, obs in
                if ctx.isCancelled() || ctx.shouldStop() { cancelled = true; throw EvalCancelled() }
                let t0 = DispatchTime.now().uptimeNanoseconds
                let out = try policy.chunks(observations: obs)
                let ms = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
                let n = obs.count / MazeTask.observationDim
                roundMs.append(ms); chunkMs.append(ms / Double(max(n, 1)))
                ctx.emit(JobEvent(kind: .progress, step: roundMs.count, total: maxRounds, message: "\(n) live episodes"))
                return out
            })
        } catch is EvalCancelled where cancelled {
            return .cancelled
        }
        var metrics = MazeRollout.metrics(episodes)
        metrics["chunks"] = Double(episodes.map { ($0.steps + MazeTask.execute - 1) / MazeTask.execute }.reduce(0, +))
        metrics["sampler_steps"] = policy.network.isRegression ? 1 : Double(s.steps)
        metrics["latency_round_ms_p50"] = percentile(roundMs, 0.5)
        metrics["latency_round_ms_p99"] = percentile(roundMs, 0.99)
        metrics["latency_chunk_ms_p50"] = percentile(chunkMs, 0.5)
        metrics["latency_chunk_ms_p99"] = percentile(chunkMs, 0.99)
        var outputs = try PolicyEvalOutputs.write(episodes, jobDir: ctx.jobDir,
                                                  title: "\(model.metadata.name) · \(s.task)\(s.disturb ? " (disturbed)" : "") · \(policy.label)")
        outputs["model"] = model.metadata.name
        ctx.emit(JobEvent(kind: .metrics, metrics: metrics))
        return .succeeded(JobResult(outputs: outputs, metrics: metrics))
    }

    /// Nearest-rank percentile of `values` (0 when empty).
    static func percentile(_ values: [Double], _ q: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let rank = Int((q * Double(sorted.count)).rounded(.up)) - 1
        return sorted[max(0, min(sorted.count - 1, rank))]
    }
}
