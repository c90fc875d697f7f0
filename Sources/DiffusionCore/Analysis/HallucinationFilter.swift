// HallucinationFilter.swift — the trajectory-variance score of Aithal et al. (2024),
// "Understanding Hallucinations in Diffusion Models through Mode Interpolation": samples whose
// predicted x̂0 keeps moving over the last steps of the reverse process tend to end between
// modes. The score is the variance of x̂0 over those steps (mean over dimensions); the filter
// drops the highest-scoring fraction.
public enum HallucinationFilter {
    public struct Result {
        public var kept: [Float]
        public var keptIndices: [Int]
        /// samples with variance > threshold were dropped
        public var threshold: Float
    }

    /// Keeps the samples whose variance is within the lowest (1 − dropFraction) share.
    public static func apply(points: [Float], dim: Int, variance: [Float], dropFraction: Double) -> Result {
        let n = variance.count
        precondition(points.count == n * dim)
        guard n > 0, dropFraction > 0 else { return Result(kept: points, keptIndices: Array(0..<n), threshold: .infinity) }
        let sorted = variance.sorted()
        let keepCount = max(1, Int((Double(n) * (1 - dropFraction)).rounded()))
        let threshold = sorted[min(keepCount, n) - 1]
        var kept: [Float] = []
        var idx: [Int] = []
        for i in 0..<n where variance[i] <= threshold && idx.count < keepCount {
            idx.append(i)
            kept += points[(i * dim)..<((i + 1) * dim)]
        }
        return Result(kept: kept, keptIndices: idx, threshold: threshold)
    }

    /// Before/after numbers on data with known modes: the share of samples between modes before
    /// and after, the share of between-mode samples removed, and the share of in-mode samples kept.
    public static func report(points: [Float], dim: Int, keptIndices: [Int], modes: [[Float]], std: Float,
                              radiusInStd: Float = 3) -> [String: Double] {
        let n = points.count / dim
        let r2 = Double(radiusInStd * std) * Double(radiusInStd * std)
        func inMode(_ i: Int) -> Bool {
            for m in modes {
                var d2 = 0.0
                for j in 0..<dim { let e = Double(points[i * dim + j]) - Double(m[j]); d2 += e * e }
                if d2 <= r2 { return true }
            }
            return false
        }
        let flags = (0..<n).map(inMode)
        let between = flags.filter { !$0 }.count
        let keptFlags = keptIndices.map { flags[$0] }
        let keptBetween = keptFlags.filter { !$0 }.count
        let inModeTotal = n - between
        let inModeKept = keptFlags.count - keptBetween
        return [
            "between_modes_before": Double(between) / Double(max(n, 1)),
            "between_modes_after": Double(keptBetween) / Double(max(keptIndices.count, 1)),
            "hallucinations_removed": between > 0 ? 1 - Double(keptBetween) / Double(between) : 0,
            "in_mode_kept": inModeTotal > 0 ? Double(inModeKept) / Double(inModeTotal) : 0,
        ]
    }
}
