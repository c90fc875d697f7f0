// SampleDistances.swift — two-sample distances between generated samples and fresh data, for any
// dataset: the energy distance and the RBF-kernel MMD² with a median-heuristic bandwidth.
//
// Both are O(m²·dim) in the number of points m, so each side is subsampled (uniformly, without
// replacement, seeded) to at most `maxPoints` rows — `Metrics.defaultMaxPoints` = 2000, which
// keeps one call near 50 ms (energy) / 250 ms (MMD) in 2-D. Both are unbiased U-statistics: ≈ 0
// (and possibly slightly negative) when the two samples come from the same distribution.
// Rows with a non-finite value are left out; with fewer than 2 finite rows on either side the
// result is NaN (callers that serialise metrics should drop it).
import Foundation

public enum Metrics {
    public static let defaultMaxPoints = 2000

    /// Energy distance 2E|X−Y| − E|X−X'| − E|Y−Y'| between point sets a (na, dim) and b (nb, dim).
    public static func energyDistance(_ a: [Float], _ b: [Float], dim: Int, maxPoints: Int = defaultMaxPoints,
                                      seed: UInt64 = 0) -> Double {
        guard let (x, y) = subsamplePair(a, b, dim: dim, maxPoints: maxPoints, seed: seed) else { return .nan }
        let xy = meanPairwise(x, y, dim: dim, same: false) { $0.squareRoot() }
        let xx = meanPairwise(x, x, dim: dim, same: true) { $0.squareRoot() }
        let yy = meanPairwise(y, y, dim: dim, same: true) { $0.squareRoot() }
        return 2 * xy - xx - yy
    }

    /// Unbiased MMD² with the RBF kernel k(x, y) = exp(−|x−y|² / (2h²)). The bandwidth h is
    /// `bandwidth`, or by default the median pairwise distance of the pooled subsamples
    /// (computed on at most 1000 pooled points).
    public static func mmd(_ a: [Float], _ b: [Float], dim: Int, maxPoints: Int = defaultMaxPoints,
                           seed: UInt64 = 0, bandwidth: Double? = nil) -> Double {
        guard let (x, y) = subsamplePair(a, b, dim: dim, maxPoints: maxPoints, seed: seed) else { return .nan }
        let h = bandwidth ?? medianPairwiseDistance(x + y, dim: dim, maxPoints: 1000, seed: seed ^ 0x9E37_79B9)
        let gamma = 1 / (2 * max(h * h, 1e-12))
        let kernel: (Double) -> Double = { exp(-gamma * $0) }
        return meanPairwise(x, x, dim: dim, same: true, kernel) + meanPairwise(y, y, dim: dim, same: true, kernel)
            - 2 * meanPairwise(x, y, dim: dim, same: false, kernel)
    }

    /// Median Euclidean distance over all pairs of at most `maxPoints` rows of points (n, dim).
    public static func medianPairwiseDistance(_ points: [Float], dim: Int, maxPoints: Int = 1000, seed: UInt64 = 0) -> Double {
        var rng = PhiloxStream(seed: seed)
        let p = subsample(points, dim: dim, maxPoints: maxPoints, rng: &rng)
        let m = p.count / dim
        guard m >= 2 else { return 1 }
        var d = [Double]()
        d.reserveCapacity(m * (m - 1) / 2)
        for i in 0..<m {
            for j in (i + 1)..<m {
                var s = 0.0
                for c in 0..<dim { let e = Double(p[i * dim + c]) - Double(p[j * dim + c]); s += e * e }
                d.append(s.squareRoot())
            }
        }
        d.sort()
        let mid = d.count / 2
        let median = d.count % 2 == 1 ? d[mid] : 0.5 * (d[mid - 1] + d[mid])
        return median > 0 ? median : 1
    }

    /// Uniform subsample without replacement of at most maxPoints rows (partial Fisher–Yates).
    static func subsample(_ points: [Float], dim: Int, maxPoints: Int, rng: inout PhiloxStream) -> [Float] {
        precondition(dim > 0 && points.count % dim == 0, "points (\(points.count)) not rows of dim \(dim)")
        let n = points.count / dim
        guard n > maxPoints else { return points }
        var index = Array(0..<n)
        var out = [Float]()
        out.reserveCapacity(maxPoints * dim)
        for i in 0..<maxPoints {
            let j = i + rng.int(n - i)
            index.swapAt(i, j)
            out.append(contentsOf: points[(index[i] * dim)..<((index[i] + 1) * dim)])
        }
        return out
    }

    /// Finite rows of a and b, each subsampled to at most maxPoints; nil when either side has
    /// fewer than 2 finite rows.
    static func subsamplePair(_ a: [Float], _ b: [Float], dim: Int, maxPoints: Int, seed: UInt64) -> ([Float], [Float])? {
        precondition(maxPoints >= 2, "maxPoints must be at least 2")
        precondition(dim > 0 && a.count % dim == 0 && b.count % dim == 0, "point sets (\(a.count), \(b.count)) not rows of dim \(dim)")
        let fa = a.allSatisfy { $0.isFinite } ? a : finiteRows(a, dim: dim)
        let fb = b.allSatisfy { $0.isFinite } ? b : finiteRows(b, dim: dim)
        guard fa.count >= 2 * dim && fb.count >= 2 * dim else { return nil }
        var rng = PhiloxStream(seed: seed)
        let x = subsample(fa, dim: dim, maxPoints: maxPoints, rng: &rng)
        let y = subsample(fb, dim: dim, maxPoints: maxPoints, rng: &rng)
        return (x, y)
    }

    /// Mean of f(|x_i − y_j|²) over all pairs, or over i ≠ j when `same` (x and y are the same set).
    static func meanPairwise(_ x: [Float], _ y: [Float], dim: Int, same: Bool, _ f: (Double) -> Double) -> Double {
        let nx = x.count / dim, ny = y.count / dim
        var total = 0.0
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeBufferPointer { yp in
                for i in 0..<nx {
                    var row = 0.0
                    for j in (same ? i + 1 : 0)..<ny {
                        var s: Float = 0
                        for c in 0..<dim { let e = xp[i * dim + c] - yp[j * dim + c]; s += e * e }
                        row += f(Double(s))
                    }
                    total += row
                }
            }
        }
        let pairs = same ? Double(nx * (nx - 1) / 2) : Double(nx * ny)
        return total / pairs
    }
}
