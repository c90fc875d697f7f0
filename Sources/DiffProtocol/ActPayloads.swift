// ActPayloads.swift — the low-latency policy request: one observation in, one action chunk out,
// answered directly by the daemon (no job, no files), for a robot's control loop.
import Foundation

public struct ActRequest: Codable, Equatable, Sendable {
    /// a model trained with conditioning vectors (e.g. on policy_obstacle)
    public var model: String
    /// the observation, in the data's units
    public var observation: [Double]
    /// sampler (default: ddim, or flow-euler for flow models) and its steps (default 10)
    public var sampler: String?
    public var steps: Int?
    public var seed: UInt64?
    public init(model: String, observation: [Double], sampler: String? = nil, steps: Int? = nil, seed: UInt64? = nil) {
        self.model = model; self.observation = observation; self.sampler = sampler; self.steps = steps; self.seed = seed
    }
}

public struct ActReply: Codable, Equatable, Sendable {
    /// the action chunk, in the data's units (e.g. 16 waypoints × 2)
    public var action: [Double]
    public var sampler: String
    public var steps: Int
    /// time the daemon spent on the request
    public var microseconds: Double
    /// for models of the built-in policy_obstacle task: what the chunk does (nil otherwise)
    public var check: ActCheck?
    public init(action: [Double], sampler: String, steps: Int, microseconds: Double, check: ActCheck? = nil) {
        self.action = action; self.sampler = sampler; self.steps = steps; self.microseconds = microseconds; self.check = check
    }
}

/// The built-in obstacle task's verdict on one chunk.
public struct ActCheck: Codable, Equatable, Sendable {
    /// "left" or "right" of the obstacle, or nil when it collides or wavers
    public var side: String?
    public var collides: Bool
    public var reachesGoal: Bool
    public init(side: String?, collides: Bool, reachesGoal: Bool) {
        self.side = side; self.collides = collides; self.reachesGoal = reachesGoal
    }
}
