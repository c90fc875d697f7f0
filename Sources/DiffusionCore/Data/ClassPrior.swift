// ClassPrior.swift — per-class mean and per-dimension std of a labelled dataset, so the reverse
// process of a conditional model can start from N(mean_c, diag(std_c²)) instead of N(0, I).
import Foundation

public struct ClassPrior: Codable, Equatable, Sendable {
    /// (numClasses, dim): mean of the points of class c
    public var means: [[Float]]
    /// (numClasses, dim): std of the points of class c per dimension, floored at `stdFloor`
    public var stds: [[Float]]
    /// points per class
    public var counts: [Int]
    public var stdFloor: Float
    /// true when a diffusion (not flow) model was trained on class-whitened data with it (see
    /// Trainer.classPrior); nil in models from before that formulation, which cannot be sampled
    public var whitensDiffusion: Bool?

    public var numClasses: Int { means.count }
    public var dim: Int { means.first?.count ?? 0 }

    public init(means: [[Float]], stds: [[Float]], counts: [Int], stdFloor: Float) {
        self.means = means; self.stds = stds; self.counts = counts; self.stdFloor = stdFloor
    }

    /// Per-class statistics of `dataset` (in whatever space its points are, e.g. after a
    /// Normalizer). Unlabelled data counts as one class. A class without points gets mean 0
    /// and std 1 (the standard prior).
    public static func fit(dataset: Dataset, stdFloor: Float = 1e-2) -> ClassPrior {
        let dim = dataset.dim, n = dataset.count
        let classes = dataset.labels == nil ? 1 : max(dataset.numClasses, (dataset.labels!.max() ?? -1) + 1)
        var sum = [[Double]](repeating: [Double](repeating: 0, count: dim), count: classes)
        var counts = [Int](repeating: 0, count: classes)
        for i in 0..<n {
            let c = dataset.labels?[i] ?? 0
            counts[c] += 1
            for d in 0..<dim { sum[c][d] += Double(dataset.points[i * dim + d]) }
        }
        let mean = (0..<classes).map { c in sum[c].map { counts[c] > 0 ? $0 / Double(counts[c]) : 0 } }
        var sq = [[Double]](repeating: [Double](repeating: 0, count: dim), count: classes)
        for i in 0..<n {
            let c = dataset.labels?[i] ?? 0
            for d in 0..<dim { let e = Double(dataset.points[i * dim + d]) - mean[c][d]; sq[c][d] += e * e }
        }
        let stds = (0..<classes).map { c in
            sq[c].map { counts[c] > 0 ? max(Float(($0 / Double(counts[c])).squareRoot()), stdFloor) : 1 }
        }
        return ClassPrior(means: mean.map { $0.map { Float($0) } }, stds: stds, counts: counts, stdFloor: stdFloor)
    }

    /// Maps standard normals z (B, dim) in place to the class priors: x = mean_c + std_c · z,
    /// with c = labels[b] (B).
    public func fromStandard(_ z: inout [Float], labels: [Int]) {
        let dim = self.dim
        precondition(z.count == labels.count * dim, "noise (\(z.count)) is not (\(labels.count), \(dim))")
        for (b, c) in labels.enumerated() {
            for d in 0..<dim { z[b * dim + d] = means[c][d] + stds[c][d] * z[b * dim + d] }
        }
    }

    /// Inverse of fromStandard: z = (x − mean_c) / std_c, x (B, dim), labels (B).
    public func toStandard(_ x: inout [Float], labels: [Int]) {
        let dim = self.dim
        precondition(x.count == labels.count * dim, "points (\(x.count)) are not (\(labels.count), \(dim))")
        x.withUnsafeMutableBufferPointer { p in
            for (b, c) in labels.enumerated() { toStandard(row: p.baseAddress! + b * dim, label: c) }
        }
    }

    /// toStandard for one row (dim values) of class `label`, in place.
    @inline(__always)
    public func toStandard(row: UnsafeMutablePointer<Float>, label c: Int) {
        for d in 0..<dim { row[d] = (row[d] - means[c][d]) / stds[c][d] }
    }
}
