// DataBuiltinTests.swift — statistics of every built-in dataset: mode centres recovered by
// per-label means, stds, equal shares, supports of moons/swissroll/checkerboard, determinism.
import Foundation
import Testing
import DiffusionCore

@Suite struct DataBuiltinTests {
    @Test(arguments: ["ring8", "grid25", "gauss1d_close"])
    func mixtureStatistics(name: String) throws {
        let n = 30_000
        let ds = try BuiltinDatasets.make(name, count: n, seed: 11)
        let modes = try #require(ds.modes)
        #expect(ds.count == n)
        #expect(ds.modeStd == 0.05)
        #expect(ds.numClasses == modes.count)
        #expect(ds.labels?.count == n)
        let stats = perLabelStatistics(ds)
        let uniform = Double(n) / Double(modes.count)
        for k in 0..<modes.count {
            #expect(abs(Double(stats.counts[k]) - uniform) < 0.15 * uniform, "mode \(k) share \(stats.counts[k]) of \(n)")
            for d in 0..<ds.dim {
                #expect(abs(stats.means[k][d] - Double(modes[k][d])) < 0.01, "mode \(k) dim \(d) mean \(stats.means[k][d])")
                #expect(abs(stats.stds[k][d] - 0.05) < 0.006, "mode \(k) dim \(d) std \(stats.stds[k][d])")
            }
        }
    }

    @Test func mixtureCentresAreTheDefinedOnes() throws {
        let ring = try #require(BuiltinDatasets.make("ring8", count: 8, seed: 0).modes)
        #expect(ring.count == 8)
        #expect(abs(ring[0][0] - 2) < 1e-6 && abs(ring[0][1]) < 1e-6)
        #expect(abs(ring[2][0]) < 1e-6 && abs(ring[2][1] - 2) < 1e-6)
        #expect(abs(ring[1][0] - 2 * Float(cos(Double.pi / 4))) < 1e-6)
        let grid = try #require(BuiltinDatasets.make("grid25", count: 8, seed: 0).modes)
        #expect(grid.count == 25)
        #expect(Set(grid.map { "\(Int($0[0])),\(Int($0[1]))" }).count == 25)
        #expect(grid.allSatisfy { [-4, -2, 0, 2, 4].contains($0[0]) && [-4, -2, 0, 2, 4].contains($0[1]) })
        let close = try BuiltinDatasets.make("gauss1d_close", count: 8, seed: 0)
        #expect(close.dim == 1 && close.modes == [[1], [2], [3]])
    }

    @Test func moonsLieOnTheirArcs() throws {
        let n = 20_000
        let ds = try BuiltinDatasets.make("moons", count: n, seed: 3)
        let labels = try #require(ds.labels)
        #expect(ds.dim == 2 && ds.numClasses == 2)
        let upper = labels.filter { $0 == 0 }.count
        #expect(abs(Double(upper) / Double(n) - 0.5) < 0.02)
        var radiusSum = [0.0, 0.0]
        for i in 0..<n {
            // moon 0: (2cos t − 1, 2sin t − 0.5); moon 1: its negation. Undo the offset.
            var x = Double(ds.points[2 * i]), y = Double(ds.points[2 * i + 1])
            if labels[i] == 1 { x = -x; y = -y }
            x += 1; y += 0.5
            let r = (x * x + y * y).squareRoot()
            #expect(abs(r - 2) < 0.6, "point \(i) radius \(r)")
            #expect(y > -0.6, "point \(i) below its arc: \(y)")
            radiusSum[labels[i]] += r
        }
        #expect(abs(radiusSum[0] / Double(upper) - 2) < 0.02)
        #expect(abs(radiusSum[1] / Double(n - upper) - 2) < 0.02)
        // noise std 0.1 is what spreads a moon: the mean of the upper moon's y is 4/π − 0.5
        let stats = perLabelStatistics(ds)
        #expect(abs(stats.means[0][1] - (4 / Double.pi - 0.5)) < 0.03)
        #expect(abs(stats.means[0][0] + 1) < 0.03 && abs(stats.means[1][0] - 1) < 0.03)
    }

    @Test func swissrollSupport() throws {
        let n = 20_000
        let ds = try BuiltinDatasets.make("swissroll", count: n, seed: 5)
        #expect(ds.dim == 2 && ds.labels == nil)
        var sumT = 0.0
        for i in 0..<n {
            let x = 7.5 * Double(ds.points[2 * i]), y = 7.5 * Double(ds.points[2 * i + 1])
            let r = (x * x + y * y).squareRoot()
            #expect(r > 1.5 * Double.pi - 1.5 && r < 4.5 * Double.pi + 1.5, "point \(i) radius \(r)")
            sumT += r
        }
        // t = 1.5π(1 + 2u) is uniform on [1.5π, 4.5π]: mean 3π; the radius tracks t
        #expect(abs(sumT / Double(n) - 3 * Double.pi) < 0.1)
        // the spiral: radius grows with the angle, so points at angle θ have r ≈ θ + 2πm
        var onSpiral = 0
        for i in 0..<n {
            let x = 7.5 * Double(ds.points[2 * i]), y = 7.5 * Double(ds.points[2 * i + 1])
            let r = (x * x + y * y).squareRoot()
            let theta = atan2(y, x)
            let m = ((r - theta) / (2 * Double.pi)).rounded()
            if abs(r - (theta + 2 * Double.pi * m)) < 1.2 { onSpiral += 1 }
        }
        #expect(Double(onSpiral) / Double(n) > 0.99)
    }

    @Test func checkerboardSupport() throws {
        let n = 16_000
        let ds = try BuiltinDatasets.make("checkerboard", count: n, seed: 9)
        let labels = try #require(ds.labels)
        #expect(ds.numClasses == 8 && BuiltinDatasets.checkerboardSquares.count == 8)
        for (i, j) in BuiltinDatasets.checkerboardSquares { #expect((i + j) % 2 == 0 && (-2...1).contains(i) && (-2...1).contains(j)) }
        for p in 0..<n {
            let square = BuiltinDatasets.checkerboardSquares[labels[p]]
            let x = ds.points[2 * p], y = ds.points[2 * p + 1]
            #expect(x >= Float(2 * square.i) && x < Float(2 * square.i + 2), "point \(p) x \(x) outside square \(square)")
            #expect(y >= Float(2 * square.j) && y < Float(2 * square.j + 2), "point \(p) y \(y) outside square \(square)")
        }
        let stats = perLabelStatistics(ds)
        for (s, square) in BuiltinDatasets.checkerboardSquares.enumerated() {
            #expect(abs(Double(stats.counts[s]) - 2000) < 200)
            #expect(abs(stats.means[s][0] - Double(2 * square.i + 1)) < 0.05)
            #expect(abs(stats.means[s][1] - Double(2 * square.j + 1)) < 0.05)
            // uniform on a side of 2: std 2/√12
            #expect(abs(stats.stds[s][0] - 2 / 12.0.squareRoot()) < 0.03)
        }
    }

    @Test(arguments: BuiltinDatasets.names)
    func deterministicForASeed(name: String) throws {
        let a = try BuiltinDatasets.make(name, count: 500, seed: 42)
        let b = try BuiltinDatasets.make(name, count: 500, seed: 42)
        let c = try BuiltinDatasets.make(name, count: 500, seed: 43)
        #expect(a.points == b.points && a.labels == b.labels && a.conditions == b.conditions)
        #expect(a.points != c.points)
        #expect(a.name == name && a.count == 500 && a.columnNames.count == a.dim)
        #expect(a.points.allSatisfy { $0.isFinite })
    }

    @Test func unknownNameListsTheKnownOnes() {
        let message = dataErrorMessage { _ = try BuiltinDatasets.make("ring9", count: 10, seed: 0) }
        #expect(message?.contains("unknown dataset 'ring9'") == true)
        for name in BuiltinDatasets.names { #expect(message?.contains(name) == true) }
        #expect(dataErrorMessage { _ = try BuiltinDatasets.make("ring8", count: 0, seed: 0) }?.contains("count must be positive") == true)
    }
}
