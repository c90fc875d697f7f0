// MazeTaskTests.swift — the policy_maze simulator (clipping, dynamics, the segment–disc collision
// test, homotopy classes, the push) and its demonstrations.
import Testing
import DiffusionCore

@Suite struct MazeTaskTests {
    @Test func clipScalesLongActionsToTheMaximumNorm() {
        let (x, y) = MazeTask.clip(0.3, 0.4)   // norm 0.5 → 0.25, same direction
        #expect(abs(x - 0.15) < 1e-6 && abs(y - 0.2) < 1e-6)
        let (sx, sy) = MazeTask.clip(0.1, -0.2)
        #expect(sx == 0.1 && sy == -0.2)
        let (nx, ny) = MazeTask.clip(.nan, 1)
        #expect(nx == 0 && ny == 0)
        let q = MazeTask.step((1, 2), 0, 3)
        #expect(q.x == 1 && abs(q.y - 2.25) < 1e-6)
    }

    @Test func segmentThroughADiscCollidesEvenWithBothEndpointsOutside() {
        // straight across the obstacle at (0, 2): both ends 1.0 from the centre
        #expect(MazeTask.segmentCollides((-1, 2), (1, 2)))
        // and across the one at (0, 4), diagonally
        #expect(MazeTask.segmentCollides((-0.6, 3.4), (0.6, 4.6)))
        // passing 0.75 from a centre: clear; 0.65: inside
        #expect(!MazeTask.segmentCollides((-1, 2.75), (1, 2.75)))
        #expect(MazeTask.segmentCollides((-1, 2.65), (1, 2.65)))
        // between the obstacles, and a short step that ends inside
        #expect(!MazeTask.segmentCollides((-1, 3), (1, 3)))
        #expect(MazeTask.segmentCollides((0, 1.2), (0, 1.4)))
    }

    @Test func homotopyClassIsTheSidePassedAtEachCentre() {
        #expect(MazeTask.homotopyClass(of: [(0, 0), (-1, 2), (-1, 4), (0, 6)]) == 0)   // LL
        #expect(MazeTask.homotopyClass(of: [(0, 0), (-1, 2), (1, 4), (0, 6)]) == 1)    // LR
        #expect(MazeTask.homotopyClass(of: [(0, 0), (1, 2), (-1, 4), (0, 6)]) == 2)    // RL
        #expect(MazeTask.homotopyClass(of: [(0, 0), (1, 2), (1, 4), (0, 6)]) == 3)     // RR
        #expect(MazeTask.homotopyClass(of: [(0, 0), (1, 2), (1, 3)]) == nil)           // never reached y = 4
    }

    @Test func pushHasTheLengthAndKeepsClearOfObstacles() {
        var rng = PhiloxStream(seed: 5)
        for i in 0..<200 {
            let p = (x: Float(i % 5) * 0.3 - 0.6, y: Float(i % 7))
            let off = MazeTask.push(at: p, rng: &rng)
            let len = (off.x * off.x + off.y * off.y).squareRoot()
            if len == 0 { continue }
            #expect(abs(len - MazeTask.pushLength) < 1e-5)
            for c in MazeTask.obstacleCenters {
                let dx = p.x + off.x - c.x, dy = p.y + off.y - c.y
                #expect((dx * dx + dy * dy).squareRoot() >= MazeTask.obstacleRadius + MazeTask.maxStep - 1e-5)
            }
        }
    }

    @Test func demonstrationsAreFeasibleWindowsOfAllFourClasses() throws {
        let ds = try BuiltinDatasets.make("policy_maze", count: 6000, seed: 3)
        #expect(ds.dim == MazeTask.actionDim && ds.condDim == MazeTask.observationDim && ds.numClasses == 4)
        let obs = try #require(ds.conditions), labels = try #require(ds.labels)
        var perClass = [0, 0, 0, 0], firstWindows = 0
        for n in 0..<ds.count {
            perClass[labels[n]] += 1
            let o = Array(obs[(n * 6)..<(n * 6 + 6)])
            if o[0] == o[2] && o[1] == o[3] { firstWindows += 1 }   // p_{-1} = p_0
            var p = (x: o[2], y: o[3])
            for k in 0..<MazeTask.horizon {
                let ax = ds.points[n * 32 + 2 * k], ay = ds.points[n * 32 + 2 * k + 1]
                #expect((ax * ax + ay * ay).squareRoot() <= MazeTask.maxStep + 1e-5)
                let q = (x: p.x + ax, y: p.y + ay)
                #expect(!MazeTask.segmentCollides(p, q))
                p = q
            }
        }
        #expect(firstWindows > 50)
        for c in perClass { #expect(Double(c) / Double(ds.count) > 0.15) }
    }
}
