// MazeClosedLoopTests.swift — policy_maze in closed loop: the scripted expert as the policy
// succeeds in every episode (with and without the push) and keeps the class it drew; an exact
// mixture over the expert's four classes (each episode follows one component's mean chunk)
// succeeds with all four classes; the average of the four (what regression learns) collides.
import Testing
import DiffusionCore

@Suite struct MazeClosedLoopTests {
    /// Runs `count` episodes where episode e follows `experts(e)`'s chunks.
    static func run(count: Int, seed: UInt64, disturb: Bool,
                    experts: ([MazeEpisode]) -> [MazeExpert]) throws -> ([MazeEpisode], [MazeExpert]) {
        let chosen = experts(MazeRollout.episodes(count: count, seed: seed))
        var noise = (0..<count).map { PhiloxStream(seed: 77, block: UInt64($0) << 20) }
        let eps = try MazeRollout.run(count: count, seed: seed, disturb: disturb, policy: { live, obs in
            var out: [Float] = []
            for (r, e) in live.enumerated() {
                out += chosen[e].chunk(from: (obs[6 * r + 2], obs[6 * r + 3]), rng: &noise[e])
            }
            return out
        })
        return (eps, chosen)
    }

    static func drawnExperts(_ eps: [MazeEpisode]) -> [MazeExpert] {
        var rng = PhiloxStream(seed: 11)
        return eps.map { MazeExpert.draw(start: $0.start, goal: $0.goal, rng: &rng) }
    }

    @Test(arguments: [false, true])
    func expertSucceedsInEveryEpisode(disturb: Bool) throws {
        let (eps, experts) = try Self.run(count: 200, seed: 1, disturb: disturb, experts: Self.drawnExperts)
        let m = MazeRollout.metrics(eps)
        #expect(m["success_rate"] == 1)
        #expect(m["collision_rate"] == 0)
        #expect(m["classes_covered"] == 4)
        for (e, x) in zip(eps, experts) { #expect(e.homotopyClass == x.homotopyClass) }
        if disturb { #expect(eps.filter(\.pushed).count == eps.count) }
        #expect(eps.allSatisfy { $0.steps <= MazeTask.maxSteps })
    }

    /// The four components' means: nominal amplitude and speed, no noise.
    static func component(_ c: Int, _ e: MazeEpisode) -> MazeExpert {
        MazeExpert(start: e.start, goal: e.goal, homotopyClass: c, amplitudes: (1.25, 1.25), speed: 0.195, noise: 0)
    }

    @Test func exactMixturePolicySucceedsWithAllFourClasses() throws {
        var rng = PhiloxStream(seed: 21)
        let (eps, chosen) = try Self.run(count: 200, seed: 2, disturb: false,
                                         experts: { $0.map { Self.component(rng.int(4), $0) } })
        let m = MazeRollout.metrics(eps)
        #expect(try #require(m["success_rate"]) >= 0.95)
        for name in MazeTask.classNames { #expect(try #require(m["share_\(name)"]) >= 0.15) }
        for (e, x) in zip(eps, chosen) where e.success { #expect(e.homotopyClass == x.homotopyClass) }
    }

    @Test func averageOfTheFourClassesCollides() throws {
        let eps0 = MazeRollout.episodes(count: 100, seed: 3)
        let eps = try MazeRollout.run(count: 100, seed: 3, disturb: false, policy: { live, obs in
            var out: [Float] = []
            var none = PhiloxStream(seed: 0)
            for (r, e) in live.enumerated() {
                let p = (x: obs[6 * r + 2], y: obs[6 * r + 3])
                let chunks = (0..<4).map { Self.component($0, eps0[e]).chunk(from: p, rng: &none) }
                out += (0..<MazeTask.actionDim).map { i in chunks.map { $0[i] }.reduce(0, +) / 4 }
            }
            return out
        })
        let m = MazeRollout.metrics(eps)
        #expect(try #require(m["collision_rate"]) > 0.9)
        #expect(try #require(m["success_rate"]) < 0.1)
    }
}
