// PolicyDataset.swift — the `policy_obstacle` diffusion-policy task: a 2-D point robot goes from
// a start near (0, 0) to a goal near (0, 4) around a disc obstacle at (0, 2). The observation
// (the dataset's `conditions`, condDim 4) is (start x, start y, goal x, goal y); the action (the
// dataset's `points`, dim 32) is a chunk of 16 future waypoints (x0, y0, x1, y1, ...), a quadratic
// Bézier from the start to the goal through a via-point beside the obstacle, plus small noise.
// Half the demonstrations pass on the left (x < 0, label 0), half on the right (x > 0, label 1):
// both modes are valid, and their average runs straight through the obstacle. A model that
// averages modes (regression) collides; one that picks a mode (diffusion) does not.
import Foundation

public enum PolicyTask {
    /// waypoints per action chunk
    public static let horizon = 16
    /// action dimension: horizon × 2
    public static let actionDim = 32
    /// observation dimension: start (2) + goal (2)
    public static let observationDim = 4
    /// obstacle disc centre (x, y) and radius
    public static let obstacleCenter: [Float] = [0, 2]
    public static let obstacleRadius: Float = 0.8
    /// nominal start and goal, and the std of their per-episode jitter
    public static let nominalStart: [Float] = [0, 0]
    public static let nominalGoal: [Float] = [0, 4]
    public static let endpointStd: Float = 0.1
    /// |x − centre x| of the via-point the path passes at the obstacle's height, drawn uniformly
    public static let viaOffsetRange: ClosedRange<Float> = 1.3...1.7
    /// std of the i.i.d. noise added to every waypoint coordinate
    public static let waypointNoise: Float = 0.02
    /// labels
    public static let left = 0, right = 1

    /// A clean action chunk (32) from `start` (2) to `goal` (2) through the via-point
    /// (centre x ∓ viaOffset, centre y): side 0 = left (−x), 1 = right (+x). Waypoint k is the
    /// quadratic Bézier at t = (k + 1) / horizon, so the last waypoint is the goal.
    public static func chunk(start: [Float], goal: [Float], side: Int, viaOffset: Float) -> [Float] {
        precondition(start.count == 2 && goal.count == 2 && (side == left || side == right))
        let via: [Float] = [obstacleCenter[0] + (side == left ? -viaOffset : viaOffset), obstacleCenter[1]]
        // B(1/2) = via  ⇒  control = 2·via − (start + goal)/2
        let control = (0..<2).map { 2 * via[$0] - 0.5 * (start[$0] + goal[$0]) }
        var out = [Float](repeating: 0, count: actionDim)
        for k in 0..<horizon {
            let t = Float(k + 1) / Float(horizon)
            let a = (1 - t) * (1 - t), b = 2 * t * (1 - t), c = t * t
            for d in 0..<2 { out[2 * k + d] = a * start[d] + b * control[d] + c * goal[d] }
        }
        return out
    }

    /// True when any waypoint, or any segment start → waypoint 0 → ... → waypoint 15, enters the
    /// obstacle disc. chunk (32), observation (4): start = observation[0..<2].
    public static func collides(chunk: [Float], observation: [Float]) -> Bool {
        precondition(chunk.count == actionDim, "chunk has \(chunk.count) values, expected \(actionDim)")
        precondition(observation.count >= 2, "observation has \(observation.count) values, expected \(observationDim)")
        let cx = obstacleCenter[0], cy = obstacleCenter[1], r2 = obstacleRadius * obstacleRadius
        var px = observation[0], py = observation[1]
        for k in 0..<horizon {
            let qx = chunk[2 * k], qy = chunk[2 * k + 1]
            if segmentDistanceSquared(px, py, qx, qy, cx, cy) < r2 { return true }
            px = qx; py = qy
        }
        return false
    }

    /// Which side of the obstacle the chunk passes: 0 left (x < centre), 1 right, nil when it
    /// collides, never reaches the obstacle's height band, or has waypoints on both sides there.
    public static func side(chunk: [Float], observation: [Float]) -> Int? {
        if collides(chunk: chunk, observation: observation) { return nil }
        let cx = obstacleCenter[0], cy = obstacleCenter[1]
        var leftCount = 0, rightCount = 0
        for k in 0..<horizon where abs(chunk[2 * k + 1] - cy) <= obstacleRadius {
            if chunk[2 * k] < cx { leftCount += 1 } else { rightCount += 1 }
        }
        if leftCount > 0 && rightCount == 0 { return left }
        if rightCount > 0 && leftCount == 0 { return right }
        return nil
    }

    /// True when the last waypoint is within `tolerance` of the goal (observation[2..<4]).
    public static func reachesGoal(chunk: [Float], observation: [Float], tolerance: Float = 0.3) -> Bool {
        precondition(chunk.count == actionDim && observation.count == observationDim)
        let dx = chunk[actionDim - 2] - observation[2], dy = chunk[actionDim - 1] - observation[3]
        return dx * dx + dy * dy <= tolerance * tolerance
    }

    /// Squared distance from point c to the segment p → q.
    static func segmentDistanceSquared(_ px: Float, _ py: Float, _ qx: Float, _ qy: Float,
                                       _ cx: Float, _ cy: Float) -> Float {
        let vx = qx - px, vy = qy - py
        let len2 = vx * vx + vy * vy
        var t: Float = 0
        if len2 > 0 { t = max(0, min(1, ((cx - px) * vx + (cy - py) * vy) / len2)) }
        let dx = px + t * vx - cx, dy = py + t * vy - cy
        return dx * dx + dy * dy
    }

    /// Draws `count` demonstrations; labels alternate in expectation (side ~ fair coin).
    static func makeDataset(count: Int, rng: inout PhiloxStream) -> Dataset {
        var actions = [Float](repeating: 0, count: count * actionDim)
        var observations = [Float](repeating: 0, count: count * observationDim)
        var labels = [Int](repeating: 0, count: count)
        for n in 0..<count {
            let start = [nominalStart[0] + endpointStd * rng.normal(), nominalStart[1] + endpointStd * rng.normal()]
            let goal = [nominalGoal[0] + endpointStd * rng.normal(), nominalGoal[1] + endpointStd * rng.normal()]
            let side = rng.int(2)
            let offset = viaOffsetRange.lowerBound + (viaOffsetRange.upperBound - viaOffsetRange.lowerBound) * rng.uniform()
            var action = chunk(start: start, goal: goal, side: side, viaOffset: offset)
            for i in 0..<actionDim { action[i] += waypointNoise * rng.normal() }
            actions.replaceSubrange((n * actionDim)..<((n + 1) * actionDim), with: action)
            observations.replaceSubrange((n * observationDim)..<((n + 1) * observationDim), with: start + goal)
            labels[n] = side
        }
        let names = (0..<horizon).flatMap { ["w\($0)x", "w\($0)y"] }
        return Dataset(name: "policy_obstacle", points: actions, dim: actionDim, labels: labels, numClasses: 2,
                       conditions: observations, condDim: observationDim, columnNames: names)
    }
}
