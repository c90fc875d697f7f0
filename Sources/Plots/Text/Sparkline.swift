// Sparkline.swift — one-line charts ▁▂▃▄▅▆▇█ of a series, resampled by bucket means to a width.
import Foundation

extension TextPlot {
    static let sparkLevels: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    /// One character per value, or per bucket (the mean of its finite values) when `width` is
    /// smaller than the count. The lowest value maps to ▁, the highest to █; a constant series is
    /// all ▄; a non-finite value (or an empty bucket) is a space. Empty input gives "".
    public static func sparkline<T: BinaryFloatingPoint>(_ values: [T], width: Int? = nil) -> String {
        let v = values.doubles
        let n = min(v.count, max(1, width ?? v.count))
        guard n > 0 else { return "" }
        var points: [Double] = []
        if n == v.count {
            points = v
        } else {
            for b in 0..<n {
                let lo = b * v.count / n, hi = max(lo + 1, (b + 1) * v.count / n)
                let finite = v[lo..<hi].filter(\.isFinite)
                points.append(finite.isEmpty ? .nan : finite.reduce(0, +) / Double(finite.count))
            }
        }
        let finite = points.filter(\.isFinite)
        guard let lo = finite.min(), let hi = finite.max() else { return String(repeating: " ", count: n) }
        return String(points.map { p -> Character in
            guard p.isFinite else { return " " }
            if hi - lo <= max(abs(lo), abs(hi)) * 1e-12 { return sparkLevels[3] }
            let level = clampInt(((p - lo) / (hi - lo) * 7).rounded())
            return sparkLevels[min(7, max(0, level))]
        })
    }
}
