// ModeMetrics.swift — sample quality on data with known modes (the built-in mixtures):
// how many samples land on a mode, which modes are covered and with what weights, and how many
// fall between modes (the hallucination rate on gauss1d_close and grid25).
//
// Rules (stated once, used everywhere):
// - a sample is "high quality" when its Euclidean distance to the nearest mode is ≤ 3·std
//   (`radiusInStd`); it is then assigned to that mode. Anything else (including non-finite
//   samples) is "between modes".
// - a mode is "covered" when it receives at least 20% of the uniform share of samples, i.e.
//   ≥ 0.2 · n / K high-quality samples (`coverageShare`; PacGAN's grid25 rule: 20 of 2500),
//   and at least one.
// - mode weights are each mode's share of the high-quality samples (they sum to 1, or are all 0
//   when no sample is high quality); `weightTotalVariation` = ½ Σ_k |w_k − 1/K|.
import Foundation

public struct ModeMetrics: Codable, Equatable, Sendable {
    public var sampleCount: Int
    public var modeCount: Int
    /// share of samples within radiusInStd·std of some mode
    public var highQualityFraction: Double
    /// 1 − highQualityFraction: share of samples not near any mode
    public var betweenModesFraction: Double
    /// modes with at least `coverageMinCount` high-quality samples
    public var modesCovered: Int
    /// the high-quality sample count a mode needs to count as covered
    public var coverageMinCount: Int
    /// high-quality samples per mode (K)
    public var modeCounts: [Int]
    /// share of high-quality samples per mode (K)
    public var modeWeights: [Double]
    /// ½ Σ |w_k − 1/K| (0 = perfectly balanced, → 1 = all on one mode)
    public var weightTotalVariation: Double

    /// Flat metric names for job results and events.
    public var summary: [String: Double] {
        ["high_quality": highQualityFraction, "between_modes": betweenModesFraction,
         "modes_covered": Double(modesCovered), "modes_total": Double(modeCount),
         "mode_weight_tv": weightTotalVariation]
    }
}

extension Metrics {
    public static let defaultRadiusInStd: Float = 3
    public static let defaultCoverageShare: Double = 0.2

    /// Mode metrics of samples (n, dim) against mode centres (K, dim) of a common std.
    public static func modes(samples: [Float], dim: Int, modes: [[Float]], std: Float,
                             radiusInStd: Float = defaultRadiusInStd,
                             coverageShare: Double = defaultCoverageShare) -> ModeMetrics {
        precondition(dim > 0 && samples.count % dim == 0, "samples (\(samples.count)) not rows of dim \(dim)")
        precondition(!modes.isEmpty && modes.allSatisfy { $0.count == dim }, "modes must be non-empty rows of dim \(dim)")
        let n = samples.count / dim, k = modes.count
        let radius2 = Double(radiusInStd * std) * Double(radiusInStd * std)
        var counts = [Int](repeating: 0, count: k)
        for i in 0..<n {
            var best = -1
            var bestD2 = Double.infinity
            for m in 0..<k {
                var d2 = 0.0
                for d in 0..<dim { let e = Double(samples[i * dim + d]) - Double(modes[m][d]); d2 += e * e }
                if d2 < bestD2 { bestD2 = d2; best = m }
            }
            if best >= 0 && bestD2 <= radius2 { counts[best] += 1 }
        }
        let hq = counts.reduce(0, +)
        let minCount = max(1, Int((coverageShare * Double(n) / Double(k)).rounded(.up)))
        let weights = counts.map { hq > 0 ? Double($0) / Double(hq) : 0 }
        let tv = hq > 0 ? 0.5 * weights.reduce(0) { $0 + abs($1 - 1 / Double(k)) } : 1
        let hqFraction = n > 0 ? Double(hq) / Double(n) : 0
        return ModeMetrics(sampleCount: n, modeCount: k, highQualityFraction: hqFraction,
                           betweenModesFraction: n > 0 ? 1 - hqFraction : 0,
                           modesCovered: counts.filter { $0 >= minCount }.count, coverageMinCount: minCount,
                           modeCounts: counts, modeWeights: weights, weightTotalVariation: tv)
    }
}
