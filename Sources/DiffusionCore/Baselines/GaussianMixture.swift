// GaussianMixture.swift — a fitted Gaussian mixture model (the classical baseline next to the
// diffusion models): its parameters (Codable, saved by a gmm job as a model), its log-likelihood
// and sampling. Fitting (EM with k-means++ initialisation) is in GaussianMixtureFit.swift.
import Foundation

public enum CovarianceType: String, Codable, CaseIterable, Sendable {
    case diagonal = "diag"
    case full
}

public struct GaussianMixture: Codable, Equatable, Sendable {
    public var dim: Int
    public var covarianceType: CovarianceType
    /// mixing weights (K), summing to 1
    public var weights: [Double]
    /// component means (K, dim)
    public var means: [[Double]]
    /// per component: diagonal variances (dim) or the full covariance (dim × dim, row-major)
    public var covariances: [[Double]]
    /// added to every variance (the diagonal) in each M-step
    public var regularization: Double

    public var components: Int { weights.count }

    public init(dim: Int, covarianceType: CovarianceType, weights: [Double], means: [[Double]],
                covariances: [[Double]], regularization: Double) {
        self.dim = dim; self.covarianceType = covarianceType; self.weights = weights
        self.means = means; self.covariances = covariances; self.regularization = regularization
    }

    /// Mean log-likelihood per point of points (n, dim) under the mixture.
    public func logLikelihood(points: [Float], dim: Int) -> Double {
        precondition(dim == self.dim, "points have dim \(dim), the mixture \(self.dim)")
        precondition(points.count % dim == 0 && !points.isEmpty, "points (\(points.count)) not rows of dim \(dim)")
        let eval = ComponentEvaluator(self)
        let n = points.count / dim, k = components
        var logp = [Double](repeating: 0, count: k)
        var total = 0.0
        var x = [Double](repeating: 0, count: dim), scratch = x
        for i in 0..<n {
            for d in 0..<dim { x[d] = Double(points[i * dim + d]) }
            eval.logWeightedDensities(x, into: &logp, scratch: &scratch)
            total += logSumExp(logp)
        }
        return total / Double(n)
    }

    /// Draws `count` points (count, dim) from the mixture; the same seed gives the same points.
    public func sample(count: Int, seed: UInt64) -> [Float] {
        precondition(count >= 0)
        var rng = PhiloxStream(seed: seed)
        let factors = covariances.map { cov -> [Double] in
            switch covarianceType {
            case .diagonal: return cov.map { $0.squareRoot() }
            case .full: return Cholesky.factor(cov, dim: dim) ?? GaussianMixture.diagonalSqrt(cov, dim: dim)
            }
        }
        var cumulative = [Double](repeating: 0, count: components)
        var acc = 0.0
        for k in 0..<components { acc += weights[k]; cumulative[k] = acc }
        var out = [Float](repeating: 0, count: count * dim)
        var z = [Double](repeating: 0, count: dim)
        for i in 0..<count {
            let u = rng.uniformDouble() * acc
            let k = cumulative.firstIndex(where: { u < $0 }) ?? components - 1
            for d in 0..<dim { z[d] = Double(rng.normal()) }
            for d in 0..<dim {
                var v = means[k][d]
                switch covarianceType {
                case .diagonal: v += factors[k][d] * z[d]
                case .full: for j in 0...d { v += factors[k][d * dim + j] * z[j] }
                }
                out[i * dim + d] = Float(v)
            }
        }
        return out
    }

    /// √diag of a covariance as a (diagonal) lower-triangular factor, the fallback when a stored
    /// full covariance is not positive definite.
    static func diagonalSqrt(_ cov: [Double], dim: Int) -> [Double] {
        var l = [Double](repeating: 0, count: dim * dim)
        for d in 0..<dim { l[d * dim + d] = max(cov[d * dim + d], 0).squareRoot() }
        return l
    }
}

/// log Σ exp(v), stable.
func logSumExp(_ v: [Double]) -> Double {
    guard let m = v.max(), m > -Double.infinity else { return -Double.infinity }
    var s = 0.0
    for x in v { s += exp(x - m) }
    return m + log(s)
}

/// Precomputed per-component factors for evaluating log w_k + log N(x; μ_k, Σ_k), stored flat
/// so the per-point loops run over contiguous memory.
struct ComponentEvaluator {
    let dim: Int
    let components: Int
    let type: CovarianceType
    /// (K, dim)
    let means: [Double]
    /// diagonal: 1/σ² (K, dim); full: Cholesky factors L (K, dim, dim)
    let factors: [Double]
    /// (K): log w_k − ½ log det Σ_k − (dim/2) log 2π
    let constants: [Double]

    init(_ g: GaussianMixture) {
        dim = g.dim; components = g.components; type = g.covarianceType
        means = g.means.flatMap { $0 }
        var factors: [Double] = [], constants: [Double] = []
        let base = -0.5 * Double(g.dim) * log(2 * Double.pi)
        for k in 0..<g.components {
            let logW = g.weights[k] > 0 ? log(g.weights[k]) : -Double.infinity
            switch g.covarianceType {
            case .diagonal:
                factors += g.covariances[k].map { 1 / $0 }
                constants.append(logW + base - 0.5 * g.covariances[k].reduce(0) { $0 + log($1) })
            case .full:
                let l = Cholesky.factor(g.covariances[k], dim: g.dim) ?? GaussianMixture.diagonalSqrt(g.covariances[k], dim: g.dim)
                factors += l
                constants.append(logW + base - 0.5 * Cholesky.logDeterminant(l, dim: g.dim))
            }
        }
        self.factors = factors; self.constants = constants
    }

    /// out[k] = log w_k + log N(x; μ_k, Σ_k) for x (dim), out (K); scratch (dim) is workspace.
    func logWeightedDensities(_ x: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>,
                              scratch r: UnsafeMutablePointer<Double>) {
        means.withUnsafeBufferPointer { mp in
            factors.withUnsafeBufferPointer { fp in
                for k in 0..<components {
                    let mu = mp.baseAddress! + k * dim
                    var q = 0.0
                    switch type {
                    case .diagonal:
                        let f = fp.baseAddress! + k * dim
                        for d in 0..<dim { let e = x[d] - mu[d]; q += e * e * f[d] }
                    case .full:
                        let l = fp.baseAddress! + k * dim * dim
                        for i in 0..<dim {            // forward solve L z = x − μ
                            var v = x[i] - mu[i]
                            let row = l + i * dim
                            for j in 0..<i { v -= row[j] * r[j] }
                            r[i] = v / row[i]
                            q += r[i] * r[i]
                        }
                    }
                    out[k] = constants[k] - 0.5 * q
                }
            }
        }
    }

    /// Same, on arrays.
    func logWeightedDensities(_ x: [Double], into out: inout [Double], scratch r: inout [Double]) {
        x.withUnsafeBufferPointer { xp in
            out.withUnsafeMutableBufferPointer { op in
                r.withUnsafeMutableBufferPointer { rp in
                    logWeightedDensities(xp.baseAddress!, into: op.baseAddress!, scratch: rp.baseAddress!)
                }
            }
        }
    }
}
