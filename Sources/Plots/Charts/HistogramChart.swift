// HistogramChart.swift — chart 2: overlaid 1-D histograms (e.g. samples against data) over
// shared bins, as translucent filled step outlines.
import Foundation

/// Counts of values in equal-width bins.
public struct Histogram: Equatable, Sendable {
    /// bins + 1 edges, ascending
    public var edges: [Double]
    public var counts: [Int]
    /// finite values counted (values exactly at the top edge go into the last bin)
    public var total: Int
    /// non-finite values left out
    public var skipped: Int

    /// Bins `values` into `edges.count - 1` bins; values outside the edges are not counted.
    public init(values: [Double], edges: [Double]) {
        self.edges = edges
        counts = [Int](repeating: 0, count: max(0, edges.count - 1))
        total = 0; skipped = 0
        guard let lo = edges.first, let hi = edges.last, counts.count > 0, hi > lo else { return }
        let n = counts.count
        for v in values {
            guard v.isFinite else { skipped += 1; continue }
            guard v >= lo && v <= hi else { continue }
            counts[min(n - 1, max(0, clampInt((v - lo) / (hi - lo) * Double(n))))] += 1
            total += 1
        }
    }

    /// `bins` equal bins spanning all finite values of all `series` (a constant or empty input
    /// gets a unit-wide range around its value).
    public static func sharedEdges(_ series: [[Double]], bins: Int) -> [Double] {
        var lo = Double.infinity, hi = -Double.infinity
        for s in series { for v in s where v.isFinite { lo = min(lo, v); hi = max(hi, v) } }
        if !(lo.isFinite && hi.isFinite) { lo = 0; hi = 1 }
        if hi - lo <= max(abs(lo), abs(hi)) * 1e-12 { lo -= 0.5; hi += 0.5 }
        let n = max(1, bins)
        return (0...n).map { $0 == n ? hi : lo + (hi - lo) * Double($0) / Double(n) }
    }
}

extension Charts {
    /// Histograms of every series over one set of `bins` shared bins. `density`: heights are
    /// count / (n · bin width), so series of different sizes compare; otherwise raw counts.
    public static func histogram1D(_ series: [HistogramSeries], bins: Int = 40, title: String = "",
                                   xLabel: String = "value", density: Bool = true,
                                   size: ChartSize = ChartSize(width: 640, height: 440)) throws -> Figure {
        guard (1...10_000).contains(bins) else {
            throw PlotError.invalid(chart: "histogram1D", parameter: "bins", message: "\(bins) is outside 1...10000")
        }
        var b = ChartBuilder(width: size.width, height: size.height, title: title)
        let edges = Histogram.sharedEdges(series.map(\.values), bins: bins)
        let hists = series.map { Histogram(values: $0.values, edges: edges) }
        let width = edges[1] - edges[0]
        let heights: [[Double]] = hists.map { h in
            h.counts.map { density ? (h.total > 0 ? Double($0) / (Double(h.total) * width) : 0) : Double($0) }
        }
        let top = heights.flatMap { $0 }.max() ?? 0
        let p = Panel(rect: plotRect(size, title: title), x: Axis.linear(lo: edges.first!, hi: edges.last!, pad: 0.03),
                      y: Axis.linear(lo: 0, hi: top > 0 ? top * 1.08 : 1, pad: 0))
        b.axes(p, xLabel: xLabel, yLabel: density ? "density" : "count")
        var legend: [LegendEntry] = []
        for (i, s) in series.enumerated() {
            let color = s.color ?? Palette.color(i)
            var run: [Point] = [Point(p.px(edges[0]), p.py(0))]
            for (k, h) in heights[i].enumerated() {
                run.append(Point(p.px(edges[k]), p.py(h))); run.append(Point(p.px(edges[k + 1]), p.py(h)))
            }
            run.append(Point(p.px(edges[bins]), p.py(0)))
            b.add(.beginGroup([("class", "series"), ("data-series", s.name), ("data-count", String(hists[i].total)),
                               ("data-bins", String(bins)), ("data-skipped", String(hists[i].skipped))], clip: p.rect))
            b.add(.path([run], stroke: color, width: 1.5, dashed: false, fill: color.withAlpha(0.22)))
            b.add(.endGroup)
            b.note(run, in: p)
            b.note(zip(edges, heights[i]).flatMap { e, h in [0.25, 0.5, 0.75].map { Point(p.px(e + width / 2), p.py(h * $0)) } }, in: p)
            b.figure.skippedNonFinite += hists[i].skipped
            legend.append(LegendEntry(name: s.name, color: color, style: .box))
        }
        if hists.allSatisfy({ $0.total == 0 }) { b.message("no data", in: p) }
        if !series.isEmpty { b.legend(legend, in: p) }
        return b.finish()
    }
}
