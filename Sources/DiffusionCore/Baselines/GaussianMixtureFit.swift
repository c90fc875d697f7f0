// GaussianMixtureFit.swift — EM for a Gaussian mixture: k-means++ seeding (Philox-seeded) and
// a few Lloyd iterations for the start, then alternating M-steps (weights, means, regularised
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
        let k = resp.count / n
        var nk = [Double](repeating: 0, count: k)
        var mu = [[Double]](repeating: [Double](repeating: 0, count: dim), count: k)
        for i in 0..<n {
            for c in 0..<k {
                let r = resp[i * k + c]
                if r == 0 { continue }
                nk[c] += r
                for d in 0..<dim { mu[c][d] += r * x[i * dim + d] }
            }
        }
        let tiny = 10 * Double.ulpOfOne
        for c in 0..<k {
            if nk[c] > tiny { for d in 0..<dim { mu[c][d] /= nk[c] } }
            else { mu[c] = means.count == k ? means[c] : centres[c] }
        }
        let covSize = covarianceType == .diagonal ? dim : dim * dim
        var cov = [[Double]](repeating: [Double](repeating: 0, count: covSize), count: k)
        var e = [Double](repeating: 0, count: dim)
        for i in 0..<n {
            for c in 0..<k {
                let r = resp[i * k + c]
                if r == 0 { continue }
                for d in 0..<dim { e[d] = x[i * dim + d] - mu[c][d] }
                switch covarianceType {
                case .diagonal:
                    for d in 0..<dim { cov[c][d] += r * e[d] * e[d] }
                case .full:
                    for a in 0..<dim { for b in 0...a { cov[c][a * dim + b] += r * e[a] * e[b] } }
                }
            }
        }
        for c in 0..<k {
            let scale = nk[c] > tiny ? 1 / nk[c] : 0
            switch covarianceType {
            case .diagonal:
                for d in 0..<dim { cov[c][d] = cov[c][d] * scale + regularization }
            case .full:
                for a in 0..<dim {
                    for b in 0...a {
                        let v = cov[c][a * dim + b] * scale + (a == b ? regularization : 0)
                        cov[c][a * dim + b] = v; cov[c][b * dim + a] = v
                    }
                }
            }
        }
        let total = nk.reduce(0, +)
        weights = nk.map { max($0, tiny) / max(total, tiny) }
        let wsum = weights.reduce(0, +)
        weights = weights.map { $0 / wsum }
        means = mu
        covariances = cov
    }

    /// E-step: responsibilities resp (n, K) under the current parameters; returns the mean
    /// log-likelihood per point.
    func expect(_ x: [Double], n: Int, resp: inout [Double]) -> Double {
        let k = components
        let eval = ComponentEvaluator(self)
        var logp = [Double](repeating: 0, count: k)
        var xi = [Double](repeating: 0, count: dim)
        var total = 0.0
        for i in 0..<n {
            for d in 0..<dim { xi[d] = x[i * dim + d] }
            eval.logWeightedDensities(xi, into: &logp)
            let lse = logSumExp(logp)
            total += lse
            for c in 0..<k { resp[i * k + c] = exp(logp[c] - lse) }
        }
        return total / Double(n)
    }

    /// k-means++ seeding (first centre uniform, each next with probability ∝ squared distance to
    /// the nearest chosen centre), then up to 20 Lloyd iterations. Returns K centres (K, dim).
    static func kMeans(_ x: [Double], n: Int, dim: Int, k: Int, rng: inout PhiloxStream) -> [[Double]] {
        func row(_ i: Int) -> [Double] { Array(x[(i * dim)..<((i + 1) * dim)]) }
        var centres = [row(rng.int(n))]
        var d2 = (0..<n).map { i in squaredDistance(x, i, centres[0], dim: dim) }
        while centres.count < k {
            let total = d2.reduce(0, +)
            var chosen = n - 1
            if total > 0 {
                let u = rng.uniformDouble() * total
                var acc = 0.0
                for i in 0..<n {
                    acc += d2[i]
                    if u < acc { chosen = i; break }
                }
            } else {
                chosen = rng.int(n)  // all points coincide with centres: any point will do
            }
            let c = row(chosen)
            centres.append(c)
            for i in 0..<n { d2[i] = min(d2[i], squaredDistance(x, i, c, dim: dim)) }
        }
        var assignment = [Int](repeating: -1, count: n)
        for _ in 0..<20 {
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
        return centres
    }

    static func squaredDistance(_ x: [Double], _ i: Int, _ c: [Double], dim: Int) -> Double {
        var s = 0.0
        for d in 0..<dim { let e = x[i * dim + d] - c[d]; s += e * e }
        return s
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
