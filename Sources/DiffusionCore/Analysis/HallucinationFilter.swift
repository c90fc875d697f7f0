// HallucinationFilter.swift — the trajectory-variance score of Aithal et al. (2024),
// "Understanding Hallucinations in Diffusion Models through Mode Interpolation": samples whose
// predicted x̂0 keeps moving over the last steps of the reverse process tend to end between
// modes. The score is the variance of x̂0 over those steps (mean over dimensions); the filter
// drops the highest-scoring fraction.
//
// The window matters. The paper's code scores DDPM-1000 over the last 10 of its 1000 steps. Measured
// on gauss1d_close with the exact score (DDPM-1000, β_t variance, 20k samples; AUROC = probability
// that a between-mode sample scores above an in-mode one): window 5 → 0.63, 10 → 0.86, 20 → 0.93,
// 50 → 0.98, 100 → 0.86, 200 → 0.52. Over long windows every sample's x̂0 moves while it commits
// to a mode, which drowns the signal; hence a default of the last 2% of the steps.
public enum HallucinationFilter {
    /// Default window: the last 2% of the sampler steps, at least 2.
    public static func defaultWindow(samplerSteps: Int) -> Int { window(fraction: 0.02, samplerSteps: samplerSteps) }

    /// Windows scored beside the chosen one (the last 1%, 2%, 5% and 10% of the steps), so a
    /// run on data with known modes shows which window separates its hallucinations best.
    public static func compareWindows(samplerSteps: Int) -> [Int] {
        Array(Set([0.01, 0.02, 0.05, 0.1].map { window(fraction: $0, samplerSteps: samplerSteps) })).sorted()
    }

    static func window(fraction: Double, samplerSteps: Int) -> Int { max(2, Int((Double(samplerSteps) * fraction).rounded())) }

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
                              variance: [Float]? = nil, radiusInStd: Float = 3) -> [String: Double] {
        report(inMode: inModeFlags(points: points, dim: dim, modes: modes, std: std, radiusInStd: radiusInStd),
               keptIndices: keptIndices, variance: variance)
    }

    /// The same from per-sample in-mode flags (see inModeFlags).
    public static func report(inMode flags: [Bool], keptIndices: [Int], variance: [Float]? = nil) -> [String: Double] {
        let n = flags.count
        let between = flags.filter { !$0 }.count
        let keptFlags = keptIndices.map { flags[$0] }
        let keptBetween = keptFlags.filter { !$0 }.count
        let inModeTotal = n - between
        let inModeKept = keptFlags.count - keptBetween
        var r = [
            "between_modes_before": Double(between) / Double(max(n, 1)),
            "between_modes_after": Double(keptBetween) / Double(max(keptIndices.count, 1)),
            "hallucinations_removed": between > 0 ? 1 - Double(keptBetween) / Double(between) : 0,
            "in_mode_kept": inModeTotal > 0 ? Double(inModeKept) / Double(inModeTotal) : 0,
        ]
        if let variance, let auc = auroc(scores: variance, positive: flags.map { !$0 }) { r["hallucination_auroc"] = auc }
        return r
    }

    /// Per sample: within `radiusInStd`·std of some mode centre.
    public static func inModeFlags(points: [Float], dim: Int, modes: [[Float]], std: Float, radiusInStd: Float = 3) -> [Bool] {
        let n = points.count / dim
        let r2 = Double(radiusInStd * std) * Double(radiusInStd * std)
        return (0..<n).map { i in
            modes.contains { m in
                var d2 = 0.0
                for j in 0..<dim { let e = Double(points[i * dim + j]) - Double(m[j]); d2 += e * e }
                return d2 <= r2
            }
        }
    }

    /// Area under the ROC curve of `scores` for separating `positive` from the rest: the probability
    /// that a random positive scores above a random negative (ties count half). nil without both.
    public static func auroc(scores: [Float], positive: [Bool]) -> Double? {
        precondition(scores.count == positive.count)
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var rankSumPositive = 0.0
        var i = 0
        while i < order.count {                       // average ranks over runs of tied scores
            var j = i
            while j + 1 < order.count && scores[order[j + 1]] == scores[order[i]] { j += 1 }
            let rank = Double(i + j) / 2 + 1
            for k in i...j where positive[order[k]] { rankSumPositive += rank }
            i = j + 1
        }
        let p = Double(positive.filter { $0 }.count), q = Double(positive.count) - p
        guard p > 0, q > 0 else { return nil }
        return (rankSumPositive - p * (p + 1) / 2) / (p * q)
    }
}
