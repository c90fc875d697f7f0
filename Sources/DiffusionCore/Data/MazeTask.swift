// MazeTask.swift — the `policy_maze` closed-loop task (issue #15), exactly as specified so other
// implementations reproduce its numbers: a point robot p ∈ R² applies displacement actions
// clipped to norm ≤ 0.25 (p ← p + clip(a)); start (0, 0) + N(0, 0.1²I), goal (0, 6) + N(0, 0.1²I);
// two disc obstacles of radius 0.7 at (0, 2) and (0, 4). An episode succeeds when the robot is
// within 0.2 of the goal after at most 80 steps and no straight segment p_k → p_{k+1} entered a
// disc (segment–disc test, not only endpoints). Observation (6): (p_{k−1}, p_k, goal), p_{−1} = p_0.
// Action chunk (32): 16 displacements dx0, dy0, dx1, ...; a policy executes the first 8 and then
// observes again. The homotopy class of a path says on which side (x < centre: L, else R) it
// passed each obstacle: LL, LR, RL, RR (first letter: the obstacle at y = 2).
import Foundation

public enum MazeTask {
    public static let name = "policy_maze"
    /// displacements per chunk, and how many of them a policy executes before observing again
    public static let horizon = 16
    public static let execute = 8
    /// action chunk: horizon × 2; observation: previous position, position, goal
    public static let actionDim = 32
    public static let observationDim = 6
    /// largest displacement norm per step (longer actions are scaled down to it)
    public static let maxStep: Float = 0.25
    public static let maxSteps = 80
    public static let goalTolerance: Float = 0.2
    public static let obstacleCenters: [(x: Float, y: Float)] = [(0, 2), (0, 4)]
    public static let obstacleRadius: Float = 0.7
    public static let nominalStart: (x: Float, y: Float) = (0, 0)
    public static let nominalGoal: (x: Float, y: Float) = (0, 6)
    public static let endpointStd: Float = 0.1
    /// the disturbance: one push of this length, applied right after step `pushStep`
    public static let pushLength: Float = 0.5
    public static let pushStep = 16
    /// homotopy class names by index: 2·side(obstacle at y=2) + side(obstacle at y=4), L = 0, R = 1
    public static let classNames = ["LL", "LR", "RL", "RR"]

    /// `a` scaled down to norm maxStep when it is longer (direction kept); non-finite → (0, 0).
    public static func clip(_ ax: Float, _ ay: Float) -> (Float, Float) {
        guard ax.isFinite, ay.isFinite else { return (0, 0) }
        let n = (ax * ax + ay * ay).squareRoot()
        if n <= maxStep { return (ax, ay) }
        return (ax * maxStep / n, ay * maxStep / n)
    }

    /// One control step: p + clip(a).
    public static func step(_ p: (x: Float, y: Float), _ ax: Float, _ ay: Float) -> (x: Float, y: Float) {
        let (cx, cy) = clip(ax, ay)
        return (p.x + cx, p.y + cy)
    }

    /// True when the straight segment p → q comes closer than the radius to an obstacle centre
    /// (it enters the open disc), whether or not either endpoint is inside.
    public static func segmentCollides(_ p: (x: Float, y: Float), _ q: (x: Float, y: Float)) -> Bool {
        let r2 = obstacleRadius * obstacleRadius
        return obstacleCenters.contains { c in
            PolicyTask.segmentDistanceSquared(p.x, p.y, q.x, q.y, c.x, c.y) < r2
        }
    }

    public static func reachedGoal(_ p: (x: Float, y: Float), goal: (x: Float, y: Float)) -> Bool {
        let dx = p.x - goal.x, dy = p.y - goal.y
        return dx * dx + dy * dy <= goalTolerance * goalTolerance
    }

    /// The observation (6): previous position, position, goal.
    public static func observation(previous: (x: Float, y: Float), current: (x: Float, y: Float),
                                   goal: (x: Float, y: Float)) -> [Float] {
        [previous.x, previous.y, current.x, current.y, goal.x, goal.y]
    }

    /// Which side of obstacle `k`'s centre the path passed: 0 left (x < centre x), 1 right, at
    /// the first segment that reaches the centre's height (x interpolated there); nil when the
    /// path never reaches it.
    public static func side(of path: [(x: Float, y: Float)], obstacle k: Int) -> Int? {
        let c = obstacleCenters[k]
        guard path.count >= 2 else { return nil }
        for i in 0..<(path.count - 1) {
            let a = path[i], b = path[i + 1]
            if (a.y < c.y) != (b.y < c.y) || a.y == c.y {
                let t = a.y == b.y ? 0 : (c.y - a.y) / (b.y - a.y)
                let x = a.x + t * (b.x - a.x)
                return x < c.x ? 0 : 1
            }
        }
        return nil
    }

    /// Homotopy class index 0..3 (LL, LR, RL, RR) of a path, nil when it did not pass both.
    public static func homotopyClass(of path: [(x: Float, y: Float)]) -> Int? {
        guard let s0 = side(of: path, obstacle: 0), let s1 = side(of: path, obstacle: 1) else { return nil }
        return 2 * s0 + s1
    }

    /// The disturbance offset for a robot at p: length pushLength, direction θ ~ U(0, 2π) from
    /// `rng`, redrawn (at most 32 draws) until p + offset is at least radius + maxStep from both
    /// centres, so the push never lands in or against an obstacle; (0, 0) when no draw fits.
    public static func push(at p: (x: Float, y: Float), rng: inout PhiloxStream) -> (x: Float, y: Float) {
        let clearance = obstacleRadius + maxStep
        for _ in 0..<32 {
            let theta = 2 * Float.pi * rng.uniform()
            let q = (x: p.x + pushLength * cosf(theta), y: p.y + pushLength * sinf(theta))
            let clear = obstacleCenters.allSatisfy { c in
                let dx = q.x - c.x, dy = q.y - c.y
                return dx * dx + dy * dy >= clearance * clearance
            }
            if clear { return (q.x - p.x, q.y - p.y) }
        }
        return (0, 0)
    }
}
