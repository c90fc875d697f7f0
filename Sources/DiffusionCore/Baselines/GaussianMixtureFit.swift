// GaussianMixtureFit.swift — EM for a Gaussian mixture: k-means for the start (greedy k-means++
// seeding, Philox-seeded, best of 3 runs), then alternating M-steps (weights, means, regularised
// covariances) and E-steps (responsibilities, log-likelihood). The mean log-likelihood per
// point after each iteration is returned; EM makes it non-decreasing (up to rounding).
import Foundation

extension GaussianMixture {
    public static let defaultRegularization = 1e-6
    public static let defaultTolerance = 1e-7

    /// Fits K components to points (n, dim) with at most `iterations` EM iterations, stopping
    /// early when the mean log-likelihood improves by less than `tolerance`.
    /// logLikelihoods[i] is the mean log-likelihood per point after iteration i + 1.
    public static func fit(points: [Float], dim: Int, components: Int, covariance: CovarianceType,
                           iterations: Int, seed: UInt64, regularization: Double = defaultRegularization,
                           tolerance: Double = defaultTolerance) throws -> (GaussianMixture, logLikelihoods: [Double]) {
        guard dim > 0 else { throw DataError("gmm: dim must be positive, got \(dim)") }
        guard !points.isEmpty, points.count % dim == 0 else {
            throw DataError("gmm: \(points.count) values do not make rows of dim \(dim)")
        }
        let n = points.count / dim
        guard components >= 1 else { throw DataError("gmm: components must be at least 1, got \(components)") }
        guard n >= components else { throw DataError("gmm: \(components) components need at least as many points, got \(n)") }
        guard iterations >= 1 else { throw DataError("gmm: iterations must be at least 1, got \(iterations)") }
        guard regularization > 0 else { throw DataError("gmm: regularization must be positive, got \(regularization)") }
        if let bad = points.firstIndex(where: { !$0.isFinite }) {
            throw DataError("gmm: point \(bad / dim), dimension \(bad % dim) is not finite (\(points[bad]))")
        }
        let x = points.map { Double($0) }
        var rng = PhiloxStream(seed: seed)
        let centres = kMeans(x, n: n, dim: dim, k: components, rng: &rng)

        // hard assignments to the nearest centre as the first responsibilities (n, K)
        var resp = [Double](repeating: 0, count: n * components)
        for i in 0..<n { resp[i * components + nearest(x, i, centres, dim: dim).index] = 1 }

        var model = GaussianMixture(dim: dim, covarianceType: covariance, weights: [], means: [], covariances: [],
                                    regularization: regularization)
        var history: [Double] = []
        for _ in 0..<iterations {
            model.maximize(x, n: n, resp: resp, previous: centres)
            let ll = model.expect(x, n: n, resp: &resp)
            if let last = history.last, abs(ll - last) < tolerance {
                history.append(ll)
                break
            }
            history.append(ll)
        }
        return (model, history)
    }

    /// M-step: weights, means and regularised covariances from responsibilities resp (n, K).
    /// A component with (almost) no responsibility keeps its previous mean (or its k-means centre).
    mutating func maximize(_ x: [Double], n: Int, resp: [Double], previous centres: [[Double]]) {
        let k = resp.count / n, dim = self.dim
        let covSize = covarianceType == .diagonal ? dim : dim * dim
        var nk = [Double](repeating: 0, count: k)
        var mu = [Double](repeating: 0, count: k * dim)          // (K, dim)
        var cov = [Double](repeating: 0, count: k * covSize)     // (K, covSize)
        let tiny = 10 * Double.ulpOfOne
        let full = covarianceType == .full
        x.withUnsafeBufferPointer { xp in
            resp.withUnsafeBufferPointer { rp in
                mu.withUnsafeMutableBufferPointer { mp in
                    for i in 0..<n {
                        let xi = xp.baseAddress! + i * dim
                        for c in 0..<k {
                            let r = rp[i * k + c]
                            if r == 0 { continue }
                            nk[c] += r
                            let m = mp.baseAddress! + c * dim
                            for d in 0..<dim { m[d] += r * xi[d] }
                        }
                    }
                    for c in 0..<k {
                        let m = mp.baseAddress! + c * dim
                        if nk[c] > tiny { for d in 0..<dim { m[d] /= nk[c] } }
                        else {
                            let keep = means.count == k ? means[c] : centres[c]
                            for d in 0..<dim { m[d] = keep[d] }
                        }
                    }
                }
                mu.withUnsafeBufferPointer { mp in
                    cov.withUnsafeMutableBufferPointer { cp in
                        var e = [Double](repeating: 0, count: dim)
                        e.withUnsafeMutableBufferPointer { ep in
                            for i in 0..<n {
                                let xi = xp.baseAddress! + i * dim
                                for c in 0..<k {
                                    let r = rp[i * k + c]
                                    if r == 0 { continue }
                                    let m = mp.baseAddress! + c * dim, s = cp.baseAddress! + c * covSize
                                    for d in 0..<dim { ep[d] = xi[d] - m[d] }
                                    if full {
                                        for a in 0..<dim {
                                            let ra = r * ep[a], row = s + a * dim
                                            for b in 0...a { row[b] += ra * ep[b] }
                                        }
                                    } else {
                                        for d in 0..<dim { s[d] += r * ep[d] * ep[d] }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        var covariances: [[Double]] = []
        for c in 0..<k {
            let scale = nk[c] > tiny ? 1 / nk[c] : 0
            var s = Array(cov[(c * covSize)..<((c + 1) * covSize)])
            if full {
                for a in 0..<dim {
                    for b in 0...a {
                        let v = s[a * dim + b] * scale + (a == b ? regularization : 0)
                        s[a * dim + b] = v; s[b * dim + a] = v
                    }
                }
            } else {
                for d in 0..<dim { s[d] = s[d] * scale + regularization }
            }
            covariances.append(s)
        }
        let total = nk.reduce(0, +)
        weights = nk.map { max($0, tiny) / max(total, tiny) }
        let wsum = weights.reduce(0, +)
        weights = weights.map { $0 / wsum }
        means = (0..<k).map { Array(mu[($0 * dim)..<(($0 + 1) * dim)]) }
        self.covariances = covariances
    }

    /// E-step: responsibilities resp (n, K) under the current parameters; returns the mean
    /// log-likelihood per point.
    func expect(_ x: [Double], n: Int, resp: inout [Double]) -> Double {
        let k = components
        let eval = ComponentEvaluator(self)
        var logp = [Double](repeating: 0, count: k)
        var scratch = [Double](repeating: 0, count: dim)
        var total = 0.0
        x.withUnsafeBufferPointer { xp in
            resp.withUnsafeMutableBufferPointer { rp in
                logp.withUnsafeMutableBufferPointer { lp in
                    scratch.withUnsafeMutableBufferPointer { sp in
                        for i in 0..<n {
                            eval.logWeightedDensities(xp.baseAddress! + i * dim, into: lp.baseAddress!, scratch: sp.baseAddress!)
                            var m = -Double.infinity
                            for c in 0..<k { m = max(m, lp[c]) }
                            var sum = 0.0
                            for c in 0..<k { sum += exp(lp[c] - m) }
                            let lse = m + log(sum)
                            total += lse
                            for c in 0..<k { rp[i * k + c] = exp(lp[c] - lse) }
                        }
                    }
                }
            }
        }
        return total / Double(n)
    }

    /// k-means for the EM start: `restarts` runs of greedy k-means++ seeding followed by up to
    /// 50 Lloyd iterations; the run with the lowest within-cluster sum of squares wins.
    /// Returns K centres (K, dim).
    static func kMeans(_ x: [Double], n: Int, dim: Int, k: Int, rng: inout PhiloxStream, restarts: Int = 3) -> [[Double]] {
        var best: (centres: [[Double]], inertia: Double)? = nil
        for _ in 0..<restarts {
            let run = lloyd(x, n: n, dim: dim, centres: greedySeeds(x, n: n, dim: dim, k: k, rng: &rng))
            if best == nil || run.inertia < best!.inertia { best = run }
        }
        return best!.centres
    }

    /// Greedy k-means++ (as scikit-learn): the first centre uniform; then, per centre, draw
    /// 2 + ⌊ln K⌋ candidates with probability ∝ squared distance to the nearest chosen centre and
    /// keep the one that lowers the total squared distance most.
    static func greedySeeds(_ x: [Double], n: Int, dim: Int, k: Int, rng: inout PhiloxStream) -> [[Double]] {
        func row(_ i: Int) -> [Double] { Array(x[(i * dim)..<((i + 1) * dim)]) }
        var centres = [row(rng.int(n))]
        var d2 = (0..<n).map { i in squaredDistance(x, i, centres[0], dim: dim) }
        let trials = 2 + Int(log(Double(k)))
        while centres.count < k {
            let total = d2.reduce(0, +)
            var bestCandidate: (centre: [Double], d2: [Double], potential: Double)? = nil
            for _ in 0..<trials {
                var chosen = rng.int(n)      // all points on centres already: any point will do
                if total > 0 {
                    let u = rng.uniformDouble() * total
                    var acc = 0.0
                    chosen = n - 1
                    for i in 0..<n {
                        acc += d2[i]
                        if u < acc { chosen = i; break }
                    }
                }
                let c = row(chosen)
                var next = d2, potential = 0.0
                for i in 0..<n { next[i] = min(next[i], squaredDistance(x, i, c, dim: dim)); potential += next[i] }
                if bestCandidate == nil || potential < bestCandidate!.potential { bestCandidate = (c, next, potential) }
            }
            centres.append(bestCandidate!.centre)
            d2 = bestCandidate!.d2
        }
        return centres
    }

    /// Lloyd iterations until no assignment changes (at most 50); empty clusters keep their centre.
    static func lloyd(_ x: [Double], n: Int, dim: Int, centres start: [[Double]]) -> (centres: [[Double]], inertia: Double) {
        var centres = start
        let k = centres.count
        var assignment = [Int](repeating: -1, count: n)
        for _ in 0..<50 {
            var changed = false
            var sums = [[Double]](repeating: [Double](repeating: 0, count: dim), count: k)
            var counts = [Int](repeating: 0, count: k)
            for i in 0..<n {
                let a = nearest(x, i, centres, dim: dim).index
                if a != assignment[i] { assignment[i] = a; changed = true }
                counts[a] += 1
                for d in 0..<dim { sums[a][d] += x[i * dim + d] }
            }
            if !changed { break }
            for c in 0..<k where counts[c] > 0 { centres[c] = sums[c].map { $0 / Double(counts[c]) } }
        }
        var inertia = 0.0
        for i in 0..<n { inertia += nearest(x, i, centres, dim: dim).distance2 }
        return (centres, inertia)
    }

    @inline(__always)
    static func squaredDistance(_ x: [Double], _ i: Int, _ c: [Double], dim: Int) -> Double {
        x.withUnsafeBufferPointer { xp in
            c.withUnsafeBufferPointer { cp in
                var s = 0.0
                let xi = xp.baseAddress! + i * dim
                for d in 0..<dim { let e = xi[d] - cp[d]; s += e * e }
                return s
            }
        }
    }

    static func nearest(_ x: [Double], _ i: Int, _ centres: [[Double]], dim: Int) -> (index: Int, distance2: Double) {
        var best = 0, bestD = Double.infinity
        for (c, centre) in centres.enumerated() {
            let d = squaredDistance(x, i, centre, dim: dim)
            if d < bestD { bestD = d; best = c }
        }
        return (best, bestD)
    }
}
