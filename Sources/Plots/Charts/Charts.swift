// Charts.swift — the namespace of chart functions and the plot-area layout they share.
// Each chart kind lives in its own file (ScatterChart.swift, HistogramChart.swift, ...).
import Foundation

/// Chart functions. Each takes plain arrays and returns a `Figure` (write it with `.svg`,
/// `.png(scale:)`, `writeSVG(to:)`, `writePNG(to:)`). Non-finite values are skipped and counted
/// in `Figure.skippedNonFinite`; empty input gives a chart that says "no data".
public enum Charts {
    /// The plot rectangle of a single-panel chart of `size`.
    static func plotRect(_ size: ChartSize, title: String, left: Double = 72, right: Double = 24,
                         bottom: Double = 58) -> Rect {
        let top = title.isEmpty ? 16.0 : 42.0
        return Rect(x: left, y: top, w: max(10, size.width - left - right), h: max(10, size.height - top - bottom))
    }
}
