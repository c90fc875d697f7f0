// PolicyEvalSettings.swift — the closed-loop form of an `eval` job (`task` set): which model,
// which task, how many episodes, the disturbance, the sampler; and the check that a model fits
// the task (its observation and action sizes), with a message naming the model and what it needs.
import DiffusionCore
import Foundation

public struct PolicyEvalSettings: Codable, Equatable, Sendable {
    public var model: String
    public var task: String
    public var episodes: Int
    public var disturb: Bool
    /// nil: DDIM (flow-euler for flow models)
    public var sampler: SamplerKind?
    public var steps: Int
    public var seed: UInt64
    public var backend: BackendChoice?
}

extension JobSpec {
    /// The tasks `eval` runs in closed loop.
    public static let policyTasks = [MazeTask.name]

    public func resolvedPolicyEval() throws -> PolicyEvalSettings {
        guard kind == .eval else { throw JobError.invalid(field: "kind", message: "expected eval") }
        guard let task, Self.policyTasks.contains(task) else {
            throw JobError.invalid(field: "task", message: "'\(task ?? "")' is not a closed-loop task (known: \(Self.policyTasks.joined(separator: ", ")))")
        }
        if samples != nil { throw JobError.invalid(field: "samples", message: "a closed-loop eval (task=\(task)) runs a model, not a samples file") }
        if dataset != nil { throw JobError.invalid(field: "dataset", message: "a closed-loop eval (task=\(task)) takes no dataset") }
        let model = try checkModelRef(self.model)
        var kind: SamplerKind? = nil
        if let raw = sampler {
            guard let k = SamplerKind(rawValue: raw) else {
                throw JobError.invalid(field: "sampler", message: "'\(raw)' is not one of \(SamplerKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            kind = k
        }
        let episodes = self.episodes ?? 200
        guard (1...100_000).contains(episodes) else { throw JobError.invalid(field: "episodes", message: "must be in 1...100000 (got \(episodes))") }
        let steps = self.steps ?? 10
        guard (1...1000).contains(steps) else { throw JobError.invalid(field: "steps", message: "must be in 1...1000 (got \(steps))") }
        return PolicyEvalSettings(model: model, task: task, episodes: episodes, disturb: disturb ?? false, sampler: kind,
                                  steps: steps, seed: seed ?? 0, backend: try backendChoice(backend))
    }
}

enum PolicyFit {
    /// Throws unless `model` is a diffusion model whose observation and action sizes are the task's.
    static func check(_ model: StoredModel, task: String) throws {
        let meta = model.metadata
        let needs = "task \(task) needs a model with an observation of \(MazeTask.observationDim) numbers (previous position, position, goal) and an action chunk of \(MazeTask.actionDim) (\(MazeTask.horizon) displacements): train one with dataset=\(MazeTask.name)"
        guard meta.kind == .diffusion, let train = meta.train else {
            throw JobError.invalid(field: "model", message: "'\(meta.name)' is a \(meta.kind.rawValue) model of \(meta.dataset.source), not a policy; \(needs)")
        }
        let c = train.config.model
        guard c.condDim == MazeTask.observationDim, c.dataDim == MazeTask.actionDim else {
            throw JobError.invalid(field: "model", message: "'\(meta.name)' was trained on \(meta.dataset.source) (observation of \(c.condDim) numbers, action of \(c.dataDim)); \(needs)")
        }
        if meta.classPrior != nil {
            throw JobError.invalid(field: "model", message: "'\(meta.name)' samples from a class-conditional source (prior=class); closed-loop eval needs the standard source")
        }
    }
}
