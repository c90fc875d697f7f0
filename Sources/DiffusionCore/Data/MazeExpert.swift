// MazeExpert.swift — the scripted expert of `policy_maze` and the demonstrations it records.
//
// The expert, exactly:
//   - per episode it draws the side of each obstacle independently (fair coins: left = −x,
//     right = +x, so LL, LR, RL, RR are equally likely), a lateral amplitude per obstacle
//     A_k ~ U(1.1, 1.4) and a speed v ~ U(0.17, 0.22) (displacement per step);
//   - its reference path is x(y) through the knots (start.x at start.y), (±A_0 at y = 2),
//     (±A_1 at y = 4), (goal.x at goal.y), cosine-eased between knots:
//     x = x_a + (x_b − x_a)(1 − cos πu)/2, u = (y − y_a)/(y_b − y_a), sampled at 601 evenly spaced
//     y values from start.y to goal.y (a polyline; C¹, slope 0 at the knots). It stays ≥ 0.8
//     from both centres (0.81 at worst: A_0 = 1.1, A_1 = 1.4 crossing sides);
//   - each step it pursues that path: nearest polyline vertex to the robot, target the point
//     `lookahead` = 0.4 further along the path's arc length (the goal when past the end), and a
//     displacement of length min(v, |target − p|) towards it, plus N(0, (0.01·len/v)²) noise per
//     coordinate (vanishing as it settles on the goal), clipped like any action;
//   - a chunk is 16 such steps simulated from the observed position with the task's own dynamics,
//     so executing its first 8 leads exactly where the simulation went.
// Demonstrations: one expert episode per draw of start, goal and expert, run step by step until
// the robot is within 0.02 of the goal (at most 120 steps); half the episodes (a fair coin) are
// pushed once after step 16 as in the evaluation's disturbance mode, and the expert recovers. Every
// step k gives a window (observation at k, the next 16 executed actions, zero displacements past
// the episode's end), except windows of a pushed episode that straddle the push (k < 16 < k + 16:
// their actions depend on a push the observation cannot show).
import Foundation

public struct MazeExpert: Sendable {
    public let homotopyClass: Int
    public let amplitudes: (Float, Float)
    public let speed: Float
    /// std of the action noise at full speed (MazeExpert.noise for the demonstrations; 0: none)
    public let noiseScale: Float
    public let goal: (x: Float, y: Float)
    public static let lookahead: Float = 0.4
    public static let noise: Float = 0.01
    public static let amplitudeRange: ClosedRange<Float> = 1.1...1.4
    public static let speedRange: ClosedRange<Float> = 0.17...0.22
    /// the reference path and its cumulative arc length
    let path: [(x: Float, y: Float)]
    let arc: [Float]

    public init(start: (x: Float, y: Float), goal: (x: Float, y: Float), homotopyClass: Int,
                amplitudes: (Float, Float), speed: Float, noise: Float = MazeExpert.noise) {
        precondition((0..<4).contains(homotopyClass))
        self.homotopyClass = homotopyClass; self.amplitudes = amplitudes; self.speed = speed; self.goal = goal
        noiseScale = noise
        let c = MazeTask.obstacleCenters
        let s0: Float = homotopyClass / 2 == 0 ? -1 : 1, s1: Float = homotopyClass % 2 == 0 ? -1 : 1
        let knots: [(x: Float, y: Float)] = [start, (c[0].x + s0 * amplitudes.0, c[0].y),
                                             (c[1].x + s1 * amplitudes.1, c[1].y), goal]
        var pts: [(x: Float, y: Float)] = []
        let n = 600
        for i in 0...n {
            let y = start.y + (goal.y - start.y) * Float(i) / Float(n)
            var k = 0
            while k < knots.count - 2 && y > knots[k + 1].y { k += 1 }
            let a = knots[k], b = knots[k + 1]
            let u = max(0, min(1, (y - a.y) / (b.y - a.y)))
            pts.append((a.x + (b.x - a.x) * (1 - cosf(Float.pi * u)) / 2, y))
        }
        var s: [Float] = [0]
        for i in 1..<pts.count {
            let dx = pts[i].x - pts[i - 1].x, dy = pts[i].y - pts[i - 1].y
            s.append(s[i - 1] + (dx * dx + dy * dy).squareRoot())
        }
        path = pts; arc = s
    }

    /// An expert with its class, amplitudes and speed drawn as documented above.
    public static func draw(start: (x: Float, y: Float), goal: (x: Float, y: Float), rng: inout PhiloxStream) -> MazeExpert {
        let side0 = rng.int(2), side1 = rng.int(2)   // 0 left, 1 right
        let span = amplitudeRange.upperBound - amplitudeRange.lowerBound
        let a0 = amplitudeRange.lowerBound + span * rng.uniform(), a1 = amplitudeRange.lowerBound + span * rng.uniform()
        let v = speedRange.lowerBound + (speedRange.upperBound - speedRange.lowerBound) * rng.uniform()
        return MazeExpert(start: start, goal: goal, homotopyClass: 2 * side0 + side1, amplitudes: (a0, a1), speed: v)
    }

    /// The point `lookahead` along the path past the vertex nearest to p (the goal past the end).
    func target(from p: (x: Float, y: Float)) -> (x: Float, y: Float) {
        var best = 0
        var bestD = Float.infinity
        for (i, q) in path.enumerated() {
            let dx = q.x - p.x, dy = q.y - p.y
            let d = dx * dx + dy * dy
            if d < bestD { bestD = d; best = i }
        }
        let want = arc[best] + Self.lookahead
        guard let j = arc.firstIndex(where: { $0 >= want }) else { return goal }
        return path[j]
    }

    /// One displacement from p (before clipping), with the documented noise when `rng` is given.
    public func action(at p: (x: Float, y: Float), rng: inout PhiloxStream) -> (Float, Float) {
        let t = target(from: p)
        let dx = t.x - p.x, dy = t.y - p.y
        let d = (dx * dx + dy * dy).squareRoot()
        guard d > 0 else { return (0, 0) }
        let len = min(speed, d)
        let sigma = noiseScale * len / speed
        return (dx / d * len + sigma * rng.normal(), dy / d * len + sigma * rng.normal())
    }

    /// A chunk (32) from position p: `MazeTask.horizon` pursuit steps simulated with the task's
    /// dynamics (each action is recorded as clipped, so executing the chunk replays the simulation).
    public func chunk(from p: (x: Float, y: Float), rng: inout PhiloxStream) -> [Float] {
        var q = p
        var out: [Float] = []
        out.reserveCapacity(MazeTask.actionDim)
        for _ in 0..<MazeTask.horizon {
            let (ax, ay) = action(at: q, rng: &rng)
            let (cx, cy) = MazeTask.clip(ax, ay)
            out.append(cx); out.append(cy)
            q = (q.x + cx, q.y + cy)
        }
        return out
    }

    /// Draws a start and a goal as the task does: nominal + N(0, 0.1²I) each.
    public static func drawEndpoints(rng: inout PhiloxStream) -> (start: (x: Float, y: Float), goal: (x: Float, y: Float)) {
        let s = MazeTask.nominalStart, g = MazeTask.nominalGoal, e = MazeTask.endpointStd
        let start = (x: s.x + e * rng.normal(), y: s.y + e * rng.normal())
        let goal = (x: g.x + e * rng.normal(), y: g.y + e * rng.normal())
        return (start, goal)
    }

    /// The demonstrations as a dataset of `count` windows: conditions = observation (6),
    /// points = the next 16 actions (32), label = the episode's homotopy class (0..3).
    static func makeDataset(count: Int, rng: inout PhiloxStream) -> Dataset {
        var actions: [Float] = [], observations: [Float] = [], labels: [Int] = []
        actions.reserveCapacity(count * MazeTask.actionDim)
        observations.reserveCapacity(count * MazeTask.observationDim)
        while labels.count < count {
            let (start, goal) = drawEndpoints(rng: &rng)
            let expert = draw(start: start, goal: goal, rng: &rng)
            let pushed = rng.int(2) == 1
            var p = start, prev = start
            var obs: [[Float]] = [], acts: [Float] = []
            for k in 0..<120 {
                let dx = p.x - goal.x, dy = p.y - goal.y
                if dx * dx + dy * dy <= 0.02 * 0.02 { break }
                obs.append(MazeTask.observation(previous: prev, current: p, goal: goal))
                let (ax, ay) = expert.action(at: p, rng: &rng)
                let (cx, cy) = MazeTask.clip(ax, ay)
                acts.append(cx); acts.append(cy)
                prev = p
                p = (p.x + cx, p.y + cy)
                if pushed && k + 1 == MazeTask.pushStep {
                    let off = MazeTask.push(at: p, rng: &rng)
                    prev = p
                    p = (p.x + off.x, p.y + off.y)
                }
            }
            let steps = obs.count
            for k in 0..<steps where labels.count < count {
                if pushed && k < MazeTask.pushStep && k + MazeTask.horizon > MazeTask.pushStep { continue }
                observations += obs[k]
                for j in 0..<MazeTask.horizon {
                    let i = k + j
                    if i < steps { actions.append(acts[2 * i]); actions.append(acts[2 * i + 1]) } else { actions += [0, 0] }
                }
                labels.append(expert.homotopyClass)
            }
        }
        let names = (0..<MazeTask.horizon).flatMap { ["a\($0)x", "a\($0)y"] }
        return Dataset(name: MazeTask.name, points: actions, dim: MazeTask.actionDim, labels: labels, numClasses: 4,
                       conditions: observations, condDim: MazeTask.observationDim, columnNames: names)
    }
}
