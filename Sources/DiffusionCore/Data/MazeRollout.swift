// MazeRollout.swift — closed-loop episodes of `policy_maze` with any batched policy: every
// replanning round, all live episodes are observed together and the policy returns one chunk for
// each; each episode executes the first `MazeTask.execute` actions of its chunk (stopping early at
// the goal, at a collision or after `MazeTask.maxSteps` steps) and is observed again. With
// `disturb`, each episode is pushed once right after step `MazeTask.pushStep` (`MazeTask.push`;
// the push itself is not a control segment and is not collision-tested) and observes again at once.
// Starts and goals come from PhiloxStream(seed), episode e's push from its own block of a stream
// of the seed, so the same seed gives the same
// episodes whatever the policy.
import Foundation

public struct MazeEpisode: Sendable {
    public var start: (x: Float, y: Float)
    public var goal: (x: Float, y: Float)
    /// positions p_0, p_1, ... (the pushed position follows the pushed-from one)
    public var path: [(x: Float, y: Float)]
    public var steps = 0
    public var success = false
    public var collided = false
    public var pushed = false
    /// homotopy class 0..3 (LL, LR, RL, RR) of the path, nil when it did not pass both obstacles
    public var homotopyClass: Int? { MazeTask.homotopyClass(of: path) }
    var previous: (x: Float, y: Float)
    var done: Bool { success || collided || steps >= MazeTask.maxSteps }
}

public enum MazeRollout {
    /// Episode e's start and goal: drawn in order from PhiloxStream(seed).
    public static func episodes(count: Int, seed: UInt64) -> [MazeEpisode] {
        var rng = PhiloxStream(seed: seed)
        return (0..<count).map { _ in
            let (s, g) = MazeExpert.drawEndpoints(rng: &rng)
            return MazeEpisode(start: s, goal: g, path: [s], previous: s)
        }
    }

    /// Runs `count` episodes to the end. `policy(episodeIndices, observations)` gets the live
    /// episodes' indices and their observations (n × 6, row-major) and returns n × 32 actions.
    /// `round` is called after each replanning round with the number of chunks it asked for.
    public static func run(count: Int, seed: UInt64, disturb: Bool,
                           policy: ([Int], [Float]) throws -> [Float],
                           round: (Int) -> Void = { _ in }) throws -> [MazeEpisode] {
        var eps = episodes(count: count, seed: seed)
        while true {
            let live = eps.indices.filter { !eps[$0].done }
            if live.isEmpty { break }
            var obs: [Float] = []
            obs.reserveCapacity(live.count * MazeTask.observationDim)
            for e in live { obs += MazeTask.observation(previous: eps[e].previous, current: eps[e].path.last!, goal: eps[e].goal) }
            let chunks = try policy(live, obs)
            guard chunks.count == live.count * MazeTask.actionDim else {
                throw DataError("policy returned \(chunks.count) values for \(live.count) chunks of \(MazeTask.actionDim)")
            }
            round(live.count)
            for (r, e) in live.enumerated() {
                for j in 0..<MazeTask.execute where !eps[e].done {
                    let base = r * MazeTask.actionDim + 2 * j
                    let p = eps[e].path.last!
                    let q = MazeTask.step(p, chunks[base], chunks[base + 1])
                    eps[e].steps += 1
                    eps[e].previous = p
                    eps[e].path.append(q)
                    if MazeTask.segmentCollides(p, q) { eps[e].collided = true; break }
                    if MazeTask.reachedGoal(q, goal: eps[e].goal) { eps[e].success = true; break }
                    if disturb && !eps[e].pushed && eps[e].steps == MazeTask.pushStep {
                        var pushRNG = PhiloxStream(seed: seed ^ 0x9E37_79B9_7F4A_7C15, block: UInt64(e) << 20)
                        let off = MazeTask.push(at: q, rng: &pushRNG)
                        eps[e].pushed = true
                        eps[e].path.append((q.x + off.x, q.y + off.y))
                        break
                    }
                }
            }
        }
        return eps
    }

    /// success_rate, collision_rate, timeout_rate, share_LL ... share_RR (of the successes),
    /// classes_covered (classes with at least one success), mean_steps_to_goal (successes only).
    public static func metrics(_ eps: [MazeEpisode]) -> [String: Double] {
        let n = Double(max(eps.count, 1))
        let wins = eps.filter(\.success)
        var m: [String: Double] = [
            "episodes": Double(eps.count),
            "success_rate": Double(wins.count) / n,
            "collision_rate": Double(eps.filter(\.collided).count) / n,
            "timeout_rate": Double(eps.filter { !$0.success && !$0.collided }.count) / n,
        ]
        var counts = [0, 0, 0, 0]
        for e in wins { if let c = e.homotopyClass { counts[c] += 1 } }
        for (c, name) in MazeTask.classNames.enumerated() {
            m["share_\(name)"] = wins.isEmpty ? 0 : Double(counts[c]) / Double(wins.count)
        }
        m["classes_covered"] = Double(counts.filter { $0 > 0 }.count)
        if !wins.isEmpty { m["mean_steps_to_goal"] = Double(wins.map(\.steps).reduce(0, +)) / Double(wins.count) }
        return m
    }
}
