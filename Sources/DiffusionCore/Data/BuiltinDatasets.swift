// BuiltinDatasets.swift — the named toy datasets (2-D mixtures, moons, swiss roll, checkerboard,
// a close 1-D mixture, and the policy_obstacle and policy_maze tasks), drawn i.i.d. from a seeded Philox stream.
//
//   ring8         8 Gaussians at (2cos(kπ/4), 2sin(kπ/4)), std 0.05, label = k
//   grid25        25 Gaussians at (−4+2i, −4+2j), i, j = 0..4, std 0.05, label = 5i + j
//   gauss1d_close 1-D, modes at 1, 2, 3, std 0.05, label = mode index
//   moons         (2cos t − 1, 2sin t − 0.5), t ~ U(0, π), and its negation, + N(0, 0.1²) noise,
//                 label = moon (0 upper, 1 lower)
//   swissroll     ((t cos t, t sin t) + 0.25·N(0, I)) / 7.5, t = 1.5π(1 + 2u), u ~ U(0, 1); no labels
//   checkerboard  uniform on the 8 squares [2i, 2i+2) × [2j, 2j+2), i, j ∈ {−2..1}, i + j even,
//                 label = square index in `checkerboardSquares` order
//   policy_obstacle  see PolicyDataset.swift
//   policy_maze      see MazeTask.swift and MazeExpert.swift (closed-loop demonstrations)
import Foundation

public enum BuiltinDatasets {
    public static let names: [String] = [
        "ring8", "grid25", "gauss1d_close", "moons", "swissroll", "checkerboard", "policy_obstacle",
        "policy_maze",
    ]

    /// Draws `count` points of the named dataset; the same seed gives the same points.
    public static func make(_ name: String, count: Int, seed: UInt64) throws -> Dataset {
        guard count > 0 else { throw DataError("dataset '\(name)': count must be positive, got \(count)") }
        var rng = PhiloxStream(seed: seed)
        switch name {
        case "ring8":
            return mixture(name: name, centres: ring8Centres, std: 0.05, count: count, rng: &rng)
        case "grid25":
            return mixture(name: name, centres: grid25Centres, std: 0.05, count: count, rng: &rng)
        case "gauss1d_close":
            return mixture(name: name, centres: [[1], [2], [3]], std: 0.05, count: count, rng: &rng)
        case "moons":
            return moons(count: count, rng: &rng)
        case "swissroll":
            return swissroll(count: count, rng: &rng)
        case "checkerboard":
            return checkerboard(count: count, rng: &rng)
        case "policy_obstacle":
            return PolicyTask.makeDataset(count: count, rng: &rng)
        case "policy_maze":
            return MazeExpert.makeDataset(count: count, rng: &rng)
        default:
            throw DataError("unknown dataset '\(name)' (built-in: \(names.joined(separator: ", ")); or a path to a .csv / .npy file)")
        }
    }

    /// ring8 mode centres, k = 0..7.
    public static let ring8Centres: [[Float]] = (0..<8).map { k in
        let a = Double(k) * Double.pi / 4
        return [Float(2 * cos(a)), Float(2 * sin(a))]
    }

    /// grid25 mode centres, index 5i + j ↦ (−4 + 2i, −4 + 2j).
    public static let grid25Centres: [[Float]] = (0..<25).map { (m: Int) -> [Float] in
        let i: Int = m / 5, j: Int = m % 5
        return [Float(2 * i - 4), Float(2 * j - 4)]
    }

    /// checkerboard squares (i, j) with i + j even, i outer, j inner; the square is
    /// [2i, 2i+2) × [2j, 2j+2) and its position in this list is the label.
    public static let checkerboardSquares: [(i: Int, j: Int)] = {
        var out: [(i: Int, j: Int)] = []
        for i in -2...1 { for j in -2...1 where (i + j) & 1 == 0 { out.append((i, j)) } }
        return out
    }()

    // MARK: generators

    /// Equal-weight isotropic Gaussian mixture; the component index is the label.
    static func mixture(name: String, centres: [[Float]], std: Float, count: Int, rng: inout PhiloxStream) -> Dataset {
        let dim = centres[0].count
        var points = [Float](repeating: 0, count: count * dim)
        var labels = [Int](repeating: 0, count: count)
        for n in 0..<count {
            let k = rng.int(centres.count)
            labels[n] = k
            for d in 0..<dim { points[n * dim + d] = centres[k][d] + std * rng.normal() }
        }
        return Dataset(name: name, points: points, dim: dim, labels: labels, numClasses: centres.count,
                       columnNames: dim == 1 ? ["x"] : ["x", "y"], modes: centres, modeStd: std)
    }

    static func moons(count: Int, rng: inout PhiloxStream) -> Dataset {
        var points = [Float](repeating: 0, count: count * 2)
        var labels = [Int](repeating: 0, count: count)
        for n in 0..<count {
            let moon = rng.int(2)
            let t = Float.pi * rng.uniform()
            var x = 2 * cosf(t) - 1, y = 2 * sinf(t) - 0.5
            if moon == 1 { x = -x; y = -y }
            points[2 * n] = x + 0.1 * rng.normal()
            points[2 * n + 1] = y + 0.1 * rng.normal()
            labels[n] = moon
        }
        return Dataset(name: "moons", points: points, dim: 2, labels: labels, numClasses: 2, columnNames: ["x", "y"])
    }

    static func swissroll(count: Int, rng: inout PhiloxStream) -> Dataset {
        var points = [Float](repeating: 0, count: count * 2)
        for n in 0..<count {
            let t = 1.5 * Float.pi * (1 + 2 * rng.uniform())
            points[2 * n] = (t * cosf(t) + 0.25 * rng.normal()) / 7.5
            points[2 * n + 1] = (t * sinf(t) + 0.25 * rng.normal()) / 7.5
        }
        return Dataset(name: "swissroll", points: points, dim: 2, columnNames: ["x", "y"])
    }

    static func checkerboard(count: Int, rng: inout PhiloxStream) -> Dataset {
        let squares = checkerboardSquares
        var points = [Float](repeating: 0, count: count * 2)
        var labels = [Int](repeating: 0, count: count)
        for n in 0..<count {
            let s = rng.int(squares.count)
            // u < 1 always; min() keeps float rounding from landing on the open edge
            points[2 * n] = min(Float(2 * squares[s].i) + 2 * rng.uniform(), Float(2 * squares[s].i + 2).nextDown)
            points[2 * n + 1] = min(Float(2 * squares[s].j) + 2 * rng.uniform(), Float(2 * squares[s].j + 2).nextDown)
            labels[n] = s
        }
        return Dataset(name: "checkerboard", points: points, dim: 2, labels: labels, numClasses: squares.count,
                       columnNames: ["x", "y"])
    }
}
