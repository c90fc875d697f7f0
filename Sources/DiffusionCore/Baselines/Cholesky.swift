// Cholesky.swift — the small dense linear algebra the GMM baseline needs: Cholesky factor of a
// symmetric positive definite matrix and a forward solve, on row-major [Double] (dim × dim).
import Foundation

enum Cholesky {
    /// Lower-triangular L with L Lᵀ = a (dim × dim, row-major), or nil when a is not positive definite.
    static func factor(_ a: [Double], dim: Int) -> [Double]? {
        var l = [Double](repeating: 0, count: dim * dim)
        for i in 0..<dim {
            for j in 0...i {
                var s = a[i * dim + j]
                for k in 0..<j { s -= l[i * dim + k] * l[j * dim + k] }
                if i == j {
                    guard s > 0, s.isFinite else { return nil }
                    l[i * dim + i] = s.squareRoot()
                } else {
                    l[i * dim + j] = s / l[j * dim + j]
                }
            }
        }
        return l
    }

    /// Solves L z = v in place (L lower triangular, dim × dim).
    @inline(__always)
    static func forwardSolve(_ l: UnsafeBufferPointer<Double>, _ v: inout [Double], dim: Int) {
        for i in 0..<dim {
            var s = v[i]
            for k in 0..<i { s -= l[i * dim + k] * v[k] }
            v[i] = s / l[i * dim + i]
        }
    }

    /// log det(L Lᵀ) = 2 Σ log L_ii
    static func logDeterminant(_ l: [Double], dim: Int) -> Double {
        var s = 0.0
        for i in 0..<dim { s += log(l[i * dim + i]) }
        return 2 * s
    }
}
