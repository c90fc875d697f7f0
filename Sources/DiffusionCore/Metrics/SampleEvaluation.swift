// SampleEvaluation.swift — the metrics an eval/sample job reports, in one call: mode metrics
// when the reference data has known modes, energy distance and MMD² against the reference
// (fresh data drawn by the caller, never the training set's own samples), and the policy task's
// collision and mode-choice rates.
import Foundation

extension Metrics {
    /// Flat metrics of samples (n, dim) against reference data of the same dim:
    /// "energy_distance", "mmd2", plus ModeMetrics.summary keys when `reference` has modes and
    /// "on_support" for the built-in shapes (SupportMetrics.swift).
    public static func evaluate(samples: [Float], dim: Int, reference: Dataset,
                                maxPoints: Int = defaultMaxPoints, seed: UInt64 = 0) -> [String: Double] {
        precondition(dim == reference.dim, "samples have dim \(dim), the reference \(reference.dim)")
        var out: [String: Double] = ["samples": Double(samples.count / dim)]
        let finite = finiteRows(samples, dim: dim)
        out["non_finite"] = Double(samples.count / dim - finite.count / dim)
        if let modes = reference.modes, let std = reference.modeStd {
            out.merge(Metrics.modes(samples: samples, dim: dim, modes: modes, std: std).summary) { $1 }
        }
        // built-in names only: a file's dataset is named after the file, extension included
        if let share = onSupport(samples: samples, dim: dim, dataset: reference.name) { out["on_support"] = share }
        if finite.count >= 2 * dim && reference.count >= 2 {
            out["energy_distance"] = energyDistance(finite, reference.points, dim: dim, maxPoints: maxPoints, seed: seed)
            out["mmd2"] = mmd(finite, reference.points, dim: dim, maxPoints: maxPoints, seed: seed)
        }
        return out
    }

    /// The rows of points (n, dim) whose values are all finite.
    static func finiteRows(_ points: [Float], dim: Int) -> [Float] {
        var out = [Float]()
        out.reserveCapacity(points.count)
        for i in 0..<(points.count / dim) {
            let row = points[(i * dim)..<((i + 1) * dim)]
            if row.allSatisfy({ $0.isFinite }) { out.append(contentsOf: row) }
        }
        return out
    }
}

/// How a set of action chunks does on the policy_obstacle task.
public struct PolicyMetrics: Codable, Equatable, Sendable {
    public var chunks: Int
    /// share of chunks that enter the obstacle (mode averaging shows up here)
    public var collisionRate: Double
    /// shares of chunks passing left / right / neither clearly (side == nil, collisions included)
    public var leftShare: Double
    public var rightShare: Double
    public var unclearShare: Double
    /// share of chunks whose last waypoint is within 0.3 of the goal
    public var goalReachedRate: Double

    public var summary: [String: Double] {
        ["collision_rate": collisionRate, "left_share": leftShare, "right_share": rightShare,
         "unclear_share": unclearShare, "goal_reached": goalReachedRate]
    }
}

extension PolicyTask {
    /// Evaluates chunks (n, 32) against their observations (n, 4), or one observation (4) for all.
    public static func evaluate(chunks: [Float], observations: [Float]) -> PolicyMetrics {
        precondition(chunks.count % actionDim == 0, "chunks (\(chunks.count)) not rows of \(actionDim)")
        let n = chunks.count / actionDim
        precondition(observations.count == observationDim || observations.count == n * observationDim,
                     "observations (\(observations.count)) are neither one (4) nor one per chunk (\(n), 4)")
        var collisions = 0, left = 0, right = 0, reached = 0
        for i in 0..<n {
            let chunk = Array(chunks[(i * actionDim)..<((i + 1) * actionDim)])
            let o = observations.count == observationDim ? observations
                : Array(observations[(i * observationDim)..<((i + 1) * observationDim)])
            if !chunk.allSatisfy({ $0.isFinite }) { collisions += 1; continue }
            if collides(chunk: chunk, observation: o) { collisions += 1 }
            switch side(chunk: chunk, observation: o) {
            case PolicyTask.left?: left += 1
            case PolicyTask.right?: right += 1
            default: break
            }
            if reachesGoal(chunk: chunk, observation: o) { reached += 1 }
        }
        let d = Double(max(n, 1))
        return PolicyMetrics(chunks: n, collisionRate: Double(collisions) / d, leftShare: Double(left) / d,
                             rightShare: Double(right) / d, unclearShare: Double(n - left - right) / d,
                             goalReachedRate: Double(reached) / d)
    }
}
