// Normalizer.swift — per-dimension standardisation fitted on training data: apply maps x to
// (x − mean) / std, undo maps back. Saved with a model so samples come out in data units.
// The std is floored (default 1e-3) so a constant column does not divide by ~0.
import Foundation

public struct Normalizer: Codable, Equatable, Sendable {
    /// per-dimension mean and (floored) std, dim entries each
    public var mean: [Float]
    public var std: [Float]
    public var dim: Int { mean.count }
    /// true when apply/undo leave points unchanged
    public var isIdentity: Bool { mean.allSatisfy { $0 == 0 } && std.allSatisfy { $0 == 1 } }

    public static let defaultStdFloor: Float = 1e-3

    public init(mean: [Float], std: [Float]) {
        precondition(mean.count == std.count, "mean has \(mean.count) entries, std \(std.count)")
        precondition(std.allSatisfy { $0 > 0 }, "std must be positive")
        self.mean = mean; self.std = std
    }

    /// The identity normalizer of a dimension (normalize = false).
    public static func identity(dim: Int) -> Normalizer {
        Normalizer(mean: [Float](repeating: 0, count: dim), std: [Float](repeating: 1, count: dim))
    }

    /// Fits mean/std of points (n, dim) per dimension, accumulating in Double.
    public init(fitPoints points: [Float], dim: Int, stdFloor: Float = Normalizer.defaultStdFloor) {
        precondition(dim > 0 && points.count % dim == 0 && !points.isEmpty, "points (\(points.count)) not rows of dim \(dim)")
        let n = points.count / dim
        var sum = [Double](repeating: 0, count: dim)
        for i in 0..<n { for d in 0..<dim { sum[d] += Double(points[i * dim + d]) } }
        let m = sum.map { $0 / Double(n) }
        var sq = [Double](repeating: 0, count: dim)
        for i in 0..<n { for d in 0..<dim { let e = Double(points[i * dim + d]) - m[d]; sq[d] += e * e } }
        self.init(mean: m.map { Float($0) }, std: sq.map { max(Float(($0 / Double(n)).squareRoot()), stdFloor) })
    }

    /// Fits the data points of a dataset.
    public init(fit dataset: Dataset, stdFloor: Float = Normalizer.defaultStdFloor) {
        self.init(fitPoints: dataset.points, dim: dataset.dim, stdFloor: stdFloor)
    }

    /// Fits the conditioning vectors of a dataset (identity of dim 0 when it has none).
    public init(fitConditions dataset: Dataset, stdFloor: Float = Normalizer.defaultStdFloor) {
        if let c = dataset.conditions, dataset.condDim > 0, !c.isEmpty {
            self.init(fitPoints: c, dim: dataset.condDim, stdFloor: stdFloor)
        } else {
            self.init(mean: [], std: [])
        }
    }

    /// The same centring with every std divided by `scale`: normalized data gets std `scale`
    /// per dimension instead of 1.
    public func scaled(by scale: Float) -> Normalizer {
        precondition(scale > 0, "scale must be positive")
        return Normalizer(mean: mean, std: std.map { $0 / scale })
    }

    /// points (n, dim) in place: x ← (x − mean) / std
    public func apply(_ points: inout [Float]) {
        let dim = self.dim
        guard dim > 0 else { return }
        precondition(points.count % dim == 0, "\(points.count) values not rows of dim \(dim)")
        let inv = std.map { 1 / $0 }
        points.withUnsafeMutableBufferPointer { p in
            for i in 0..<(p.count / dim) { for d in 0..<dim { p[i * dim + d] = (p[i * dim + d] - mean[d]) * inv[d] } }
        }
    }

    /// points (n, dim) in place: x ← x · std + mean
    public func undo(_ points: inout [Float]) {
        let dim = self.dim
        guard dim > 0 else { return }
        precondition(points.count % dim == 0, "\(points.count) values not rows of dim \(dim)")
        points.withUnsafeMutableBufferPointer { p in
            for i in 0..<(p.count / dim) { for d in 0..<dim { p[i * dim + d] = p[i * dim + d] * std[d] + mean[d] } }
        }
    }

    /// Normalized copy of a dataset's points and conditions (labels, names kept). Known mode
    /// centres are mapped too; modeStd is dropped when the std differs between dimensions.
    public func applied(to dataset: Dataset, conditions: Normalizer? = nil) -> Dataset {
        var out = dataset
        apply(&out.points)
        if let conditions, var c = out.conditions { conditions.apply(&c); out.conditions = c }
        if let modes = out.modes {
            out.modes = modes.map { var m = $0; apply(&m); return m }
            if let s = out.modeStd { out.modeStd = std.allSatisfy({ $0 == std[0] }) ? s / std[0] : nil }
        }
        return out
    }
}
