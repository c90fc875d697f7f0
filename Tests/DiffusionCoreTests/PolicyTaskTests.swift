// PolicyTaskTests.swift — the policy_obstacle dataset (both modes, no collisions, the average of
// the modes collides) and PolicyTask.collides / side on hand-made chunks.
import Foundation
import Testing
import DiffusionCore

@Suite struct PolicyTaskTests {
    static let n = 4000

    func row(_ a: [Float], _ i: Int, _ width: Int) -> [Float] { Array(a[(i * width)..<((i + 1) * width)]) }

    /// A chunk of 16 waypoints on the straight line from `from` to `to` (excluding `from`).
    func line(from: [Float], to: [Float]) -> [Float] {
        (0..<16).flatMap { k -> [Float] in
            let t = Float(k + 1) / 16
            return [from[0] + t * (to[0] - from[0]), from[1] + t * (to[1] - from[1])]
        }
    }

    @Test func datasetShapeAndBothModesInEqualShares() throws {
        let ds = try BuiltinDatasets.make("policy_obstacle", count: Self.n, seed: 1)
        #expect(ds.dim == PolicyTask.actionDim && ds.dim == 32)
        #expect(ds.condDim == PolicyTask.observationDim && ds.condDim == 4)
        #expect(ds.conditions?.count == Self.n * 4)
        #expect(ds.numClasses == 2)
        let labels = try #require(ds.labels)
        let leftShare = Double(labels.filter { $0 == PolicyTask.left }.count) / Double(Self.n)
        #expect(abs(leftShare - 0.5) < 0.03, "left share \(leftShare)")
        // observations: start near (0, 0), goal near (0, 4)
        let obs = try #require(ds.conditions)
        for i in 0..<Self.n {
            let o = row(obs, i, 4)
            #expect(abs(o[0]) < 0.6 && abs(o[1]) < 0.6 && abs(o[2]) < 0.6 && abs(o[3] - 4) < 0.6)
        }
    }

    @Test func noDemonstrationCollidesAndEachIsOnItsLabelledSide() throws {
        let ds = try BuiltinDatasets.make("policy_obstacle", count: Self.n, seed: 2)
        let obs = try #require(ds.conditions), labels = try #require(ds.labels)
        for i in 0..<Self.n {
            let chunk = row(ds.points, i, 32), o = row(obs, i, 4)
            #expect(!PolicyTask.collides(chunk: chunk, observation: o), "demonstration \(i) collides")
            #expect(PolicyTask.side(chunk: chunk, observation: o) == labels[i], "demonstration \(i) side")
            #expect(PolicyTask.reachesGoal(chunk: chunk, observation: o), "demonstration \(i) misses the goal")
        }
    }

    @Test func theAverageOfALeftAndARightDemonstrationCollides() throws {
        let ds = try BuiltinDatasets.make("policy_obstacle", count: 400, seed: 3)
        let obs = try #require(ds.conditions), labels = try #require(ds.labels)
        let lefts = labels.indices.filter { labels[$0] == 0 }, rights = labels.indices.filter { labels[$0] == 1 }
        let pairs = min(lefts.count, rights.count)
        #expect(pairs > 100)
        for p in 0..<pairs {
            let a = row(ds.points, lefts[p], 32), b = row(ds.points, rights[p], 32)
            let mean = zip(a, b).map { ($0 + $1) / 2 }
            let o = zip(row(obs, lefts[p], 4), row(obs, rights[p], 4)).map { ($0 + $1) / 2 }
            #expect(PolicyTask.collides(chunk: mean, observation: o), "pair \(p): the mean chunk passes the obstacle")
            #expect(PolicyTask.side(chunk: mean, observation: o) == nil)
        }
    }

    @Test func collidesOnHandMadeChunks() {
        let start: [Float] = [0, 0], goal: [Float] = [0, 4], obs: [Float] = [0, 0, 0, 4]
        // straight through the centre
        #expect(PolicyTask.collides(chunk: line(from: start, to: goal), observation: obs))
        // a straight line beside the obstacle (x = 1.5 > radius 0.8) does not collide
        #expect(!PolicyTask.collides(chunk: line(from: [1.5, 0], to: [1.5, 4]), observation: [1.5, 0, 1.5, 4]))
        // grazing inside the radius (x = 0.7) collides
        #expect(PolicyTask.collides(chunk: line(from: [0.7, 0], to: [0.7, 4]), observation: [0.7, 0, 0.7, 4]))
        // wide detours on either side do not collide and report their side
        let leftDetour = PolicyTask.chunk(start: start, goal: goal, side: PolicyTask.left, viaOffset: 2.5)
        let rightDetour = PolicyTask.chunk(start: start, goal: goal, side: PolicyTask.right, viaOffset: 2.5)
        #expect(!PolicyTask.collides(chunk: leftDetour, observation: obs))
        #expect(!PolicyTask.collides(chunk: rightDetour, observation: obs))
        #expect(PolicyTask.side(chunk: leftDetour, observation: obs) == 0)
        #expect(PolicyTask.side(chunk: rightDetour, observation: obs) == 1)
        #expect(leftDetour[16] < 0 && rightDetour[16] > 0)
        // every waypoint outside the disc but one segment jumping across it: still a collision
        var jump = [Float](repeating: 0, count: 32)
        for k in 0..<16 { jump[2 * k] = 0; jump[2 * k + 1] = k < 8 ? 0.1 * Float(k) : 3.5 + 0.03 * Float(k - 8) }
        #expect(PolicyTask.collides(chunk: jump, observation: obs))
        // the segment from the start to the first waypoint counts too
        var fromInside = PolicyTask.chunk(start: start, goal: goal, side: 1, viaOffset: 2.5)
        let obsBelow: [Float] = [0, 1.0, 0, 4]     // start 1.0 from the centre: outside the disc
        #expect(!PolicyTask.collides(chunk: fromInside, observation: obsBelow))
        let obsInside: [Float] = [0, 1.5, 0, 4]    // start 0.5 from the centre: inside
        #expect(PolicyTask.collides(chunk: fromInside, observation: obsInside))
        fromInside[0] = 0; fromInside[1] = 2       // first waypoint at the centre
        #expect(PolicyTask.collides(chunk: fromInside, observation: obs))
        // a chunk that never reaches the obstacle's height has no side
        let short = line(from: start, to: [0.2, 0.5])
        #expect(!PolicyTask.collides(chunk: short, observation: obs))
        #expect(PolicyTask.side(chunk: short, observation: obs) == nil)
    }
}

@Suite struct PolicyMetricsTests {
    @Test func demonstrationsScoreCleanAndTheirAverageCollides() throws {
        let ds = try BuiltinDatasets.make("policy_obstacle", count: 1000, seed: 6)
        let obs = try #require(ds.conditions)
        let m = PolicyTask.evaluate(chunks: ds.points, observations: obs)
        #expect(m.chunks == 1000 && m.collisionRate == 0 && m.unclearShare == 0 && m.goalReachedRate == 1)
        #expect(abs(m.leftShare - 0.5) < 0.05 && abs(m.leftShare + m.rightShare - 1) < 1e-12)
        // the regression answer: the mean chunk for the nominal observation, repeated
        var mean = [Float](repeating: 0, count: 32)
        for i in 0..<1000 { for j in 0..<32 { mean[j] += ds.points[i * 32 + j] / 1000 } }
        let averaged = PolicyTask.evaluate(chunks: mean + mean, observations: [0, 0, 0, 4])
        #expect(averaged.collisionRate == 1 && averaged.unclearShare == 1)
        #expect(averaged.summary["collision_rate"] == 1)
        // non-finite chunks count as collisions
        let broken = PolicyTask.evaluate(chunks: [Float](repeating: .nan, count: 32), observations: [0, 0, 0, 4])
        #expect(broken.collisionRate == 1)
    }
}
