// PolicyServer.swift — low-latency action sampling for diffusion policies: a model stays loaded
// (weights on the backend, workspace for one observation), and each request conditions on one
// observation and returns one action chunk. No job, no files: this is the path a robot's control
// loop calls through the daemon socket, many times a second.
import DiffusionCore
import Foundation

public final class PolicyServer {
    public struct Action: Codable, Equatable, Sendable {
        /// the action chunk in data units (e.g. 16 waypoints × 2 = 32 numbers)
        public var action: [Float]
        public var sampler: String
        public var steps: Int
        public var microseconds: Double
        /// the policy_obstacle task's verdict on the chunk (models of that dataset only)
        public var check: Check?
    }

    public struct Check: Codable, Equatable, Sendable {
        /// "left" or "right" of the obstacle, nil when it collides or wavers
        public var side: String?
        public var collides: Bool
        public var reachesGoal: Bool
    }

    private struct Loaded {
        var network: PolicyNetwork
        var modifiedAt: Date
    }

    private let backend: Backend
    private let modelsDir: URL
    private var cache: [String: Loaded] = [:]
    private let lock = NSLock()

    /// `backend` should be a CPU backend: one observation is far too small for a GPU round trip.
    public init(backend: Backend, modelsDir: URL) {
        self.backend = backend
        self.modelsDir = modelsDir
    }

    private func loaded(_ name: String) throws -> Loaded {
        let path = try ModelStore.checkpoint(name, modelsDir: modelsDir).path
        let modified = (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date) ?? nil
        if let hit = cache[name], let modified, hit.modifiedAt == modified { return hit }
        let model = try ModelStore.load(name, modelsDir: modelsDir)
        guard model.metadata.kind == .diffusion, let train = model.metadata.train else {
            throw JobError.invalid(field: "model", message: "'\(name)' is not a diffusion model")
        }
        guard train.config.model.condDim > 0 else {
            throw JobError.invalid(field: "model", message: "'\(name)' takes no observation (train it on data with conditioning columns, e.g. policy_obstacle)")
        }
        let entry = Loaded(network: try PolicyNetwork(model: model, backend: backend, maxBatch: 1), modifiedAt: modified ?? Date())
        cache[name] = entry
        return entry
    }

    /// One action chunk for one observation (data units). Default sampler: DDIM with 10 steps
    /// (flow-euler for flow models).
    public func act(model name: String, observation: [Float], sampler: String? = nil, steps: Int = 10,
                    seed: UInt64 = 0) throws -> Action {
        let start = DispatchTime.now().uptimeNanoseconds
        lock.lock(); defer { lock.unlock() }
        let entry = try loaded(name)
        let config = entry.network.config
        guard observation.count == config.model.condDim else {
            throw JobError.invalid(field: "observation", message: "model '\(name)' expects \(config.model.condDim) numbers, got \(observation.count)")
        }
        guard observation.allSatisfy({ $0.isFinite }) else {
            throw JobError.invalid(field: "observation", message: "must be finite numbers")
        }
        guard (1...1000).contains(steps) else { throw JobError.invalid(field: "steps", message: "must be in 1...1000 (got \(steps))") }
        let kind: SamplerKind
        if let sampler {
            guard let k = SamplerKind(rawValue: sampler) else {
                throw JobError.invalid(field: "sampler", message: "'\(sampler)' is not one of \(SamplerKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            kind = k
        } else {
            kind = entry.network.defaultSampler
        }
        let (out, stepCount) = try entry.network.chunks(observations: observation, sampler: kind, steps: steps, seed: seed)
        let us = Double(DispatchTime.now().uptimeNanoseconds - start) / 1000
        var check: Check? = nil
        if entry.network.model.metadata.dataset.source == "policy_obstacle" && out.count == PolicyTask.actionDim
            && observation.count == PolicyTask.observationDim {
            check = Check(side: PolicyTask.side(chunk: out, observation: observation).map { $0 == PolicyTask.left ? "left" : "right" },
                          collides: PolicyTask.collides(chunk: out, observation: observation),
                          reachesGoal: PolicyTask.reachesGoal(chunk: out, observation: observation))
        }
        return Action(action: out, sampler: config.objective == .regression ? "regression" : kind.rawValue, steps: stepCount,
                      microseconds: us, check: check)
    }
}
