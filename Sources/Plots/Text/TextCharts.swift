// TextCharts.swift — braille scatter and line charts with axis range labels and a legend.
import Foundation

extension TextPlot {
    /// The bare braille grid of `series` over the given ranges, `width` × `height` cells, no
    /// axes, no colour: one string per row. x maps left to right, y bottom to top; the edges of
    /// a range land on the outermost dots.
    public static func brailleRows(_ series: [Series], width: Int, height: Int,
                                   xRange: ClosedRange<Double>, yRange: ClosedRange<Double>) -> [String] {
        var canvas = BrailleCanvas(width: width, height: height)
        _ = plot(series, on: &canvas, x: (xRange.lowerBound, xRange.upperBound), y: (yRange.lowerBound, yRange.upperBound))
        return (0..<canvas.height).map { canvas.row($0, colors: [], useColor: false) }
    }

    /// A braille scatter of `series` (later series drawn over earlier ones) in `width` × `height`
    /// cells, with y range labels on the left, x range labels below, and a legend line naming
    /// each series with its mark. Non-finite points are skipped and counted in a last line.
    public static func scatter(_ series: [Series], width: Int = 60, height: Int = 16, useColor: Bool = true,
                               title: String? = nil, xRange: ClosedRange<Double>? = nil,
                               yRange: ClosedRange<Double>? = nil) -> String {
        let xr = xRange.map { ($0.lowerBound, $0.upperBound) } ?? range(series.flatMap { s in finitePairs(s).map(\.0) })
        let yr = yRange.map { ($0.lowerBound, $0.upperBound) } ?? range(series.flatMap { s in finitePairs(s).map(\.1) })
        var canvas = BrailleCanvas(width: width, height: height)
        let skipped = plot(series, on: &canvas, x: xr, y: yr)
        return frame(canvas, title: title, x: xr, y: yr, yLabels: nil, colors: series.map(\.color), useColor: useColor,
                     legend: series.map { ($0.name, $0.mark, $0.color) }, skipped: skipped)
    }

    /// A braille line chart of `series` (e.g. a loss curve), optionally with a log y axis
    /// (values ≤ 0 are then skipped) and smoothed first (`Charts.smoothed`; an invalid smoothing
    /// parameter draws the raw values). Consecutive drawable points are joined by dot lines.
    public static func line(_ series: [LineSeries], width: Int = 60, height: Int = 12, logY: Bool = false,
                            smoothing: Smoothing = .none, useColor: Bool = true, title: String? = nil) -> String {
        var series = series
        if smoothing != .none {
            for i in series.indices {
                if let s = try? Charts.smoothed(series[i].y, smoothing) { series[i].y = s }
            }
        }
        let xr = range(series.flatMap { s in zip(s.x, s.y).filter { $0.0.isFinite && $0.1.isFinite }.map(\.0) })
        let ys = series.flatMap { $0.y }
        let yr = range(ys, positiveOnly: logY)
        let tf: (Double) -> Double = logY ? { log10($0) } : { $0 }
        var canvas = BrailleCanvas(width: width, height: height)
        var skipped = 0
        let (tlo, thi) = (tf(yr.lo), tf(yr.hi))
        for (s, line) in series.enumerated() {
            var prev: (Int, Int)? = nil
            for (x, y) in zip(line.x, line.y) {
                guard x.isFinite, y.isFinite, !logY || y > 0 else { skipped += 1; prev = nil; continue }
                let c = dot(x, xr.lo, xr.hi, canvas.dotColumns)
                let r = canvas.dotRows - 1 - dot(tf(y), tlo, thi, canvas.dotRows)
                if let (pc, pr) = prev { canvas.line(c0: pc, r0: pr, c1: c, r1: r, series: s) }
                else { canvas.set(col: c, row: r, series: s) }
                prev = (c, r)
            }
        }
        return frame(canvas, title: title, x: xr, y: yr, yLabels: logY ? "log" : nil, colors: series.map(\.color),
                     useColor: useColor, legend: series.count > 1 ? series.map { ($0.name, .braille, $0.color) } : [],
                     skipped: skipped, skippedKind: logY ? "non-finite or non-positive" : "non-finite")
    }

    // MARK: helpers

    static func finitePairs(_ s: Series) -> [(Double, Double)] {
        zip(s.x, s.y).filter { $0.0.isFinite && $0.1.isFinite }
    }

    /// Dot index 0..<n of value v on [lo, hi]: equal-width bins, hi in the last one.
    static func dot(_ v: Double, _ lo: Double, _ hi: Double, _ n: Int) -> Int {
        guard hi > lo else { return n / 2 }
        let f = (v - lo) / (hi - lo) * Double(n)
        if !(f >= 0) { return -1 }
        if f >= Double(n) { return v <= hi ? n - 1 : n }
        return Int(f)
    }

    /// Plots points; those outside the ranges are dropped, non-finite ones counted.
    static func plot(_ series: [Series], on canvas: inout BrailleCanvas, x: (Double, Double), y: (Double, Double)) -> Int {
        var skipped = 0
        for (s, ser) in series.enumerated() {
            for (px, py) in zip(ser.x, ser.y) {
                guard px.isFinite, py.isFinite else { skipped += 1; continue }
                guard px >= x.0, px <= x.1, py >= y.0, py <= y.1 else { continue }
                let c = dot(px, x.0, x.1, canvas.dotColumns)
                let r = canvas.dotRows - 1 - dot(py, y.0, y.1, canvas.dotRows)
                switch ser.mark {
                case .braille: canvas.set(col: c, row: r, series: s)
                case .character(let ch): canvas.mark(col: c, row: r, series: s, ch)
                }
            }
        }
        return skipped
    }

    /// The canvas with a y gutter (max on the top row, min on the bottom row), an x axis line,
    /// x range labels, a legend line and a note of skipped points.
    static func frame(_ canvas: BrailleCanvas, title: String?, x: (lo: Double, hi: Double), y: (lo: Double, hi: Double),
                      yLabels: String?, colors: [Color], useColor: Bool, legend: [(String, Mark, Color)],
                      skipped: Int, skippedKind: String = "non-finite") -> String {
        var lines: [String] = []
        if let title, !title.isEmpty { lines.append(title) }
        let top = label(y.hi), bottom = label(y.lo)
        let gutter = max(top.count, bottom.count)
        func pad(_ s: String) -> String { String(repeating: " ", count: gutter - s.count) + s }
        for r in 0..<canvas.height {
            let lab = r == 0 ? pad(top) : r == canvas.height - 1 ? pad(bottom) : String(repeating: " ", count: gutter)
            let tick = (r == 0 || r == canvas.height - 1) ? "┤" : "│"
            lines.append(lab + " " + tick + canvas.row(r, colors: colors, useColor: useColor))
        }
        lines.append(String(repeating: " ", count: gutter + 1) + "└" + String(repeating: "─", count: canvas.width))
        let xl = label(x.lo), xh = label(x.hi)
        let space = max(1, canvas.width - xl.count - xh.count)
        var xline = String(repeating: " ", count: gutter + 2) + xl + String(repeating: " ", count: space) + xh
        if let yLabels { xline += "   (y: \(yLabels))" }
        lines.append(xline)
        let named = legend.filter { !$0.0.isEmpty }
        if !named.isEmpty {
            let items = named.map { name, mark, color -> String in
                let sym: String
                switch mark { case .braille: sym = "⣿"; case .character(let ch): sym = String(ch) }
                return color.wrap(sym, enabled: useColor) + " " + name
            }
            lines.append(String(repeating: " ", count: gutter + 2) + items.joined(separator: "   "))
        }
        if skipped > 0 { lines.append("(\(skipped) \(skippedKind) point\(skipped == 1 ? "" : "s") skipped)") }
        return lines.joined(separator: "\n")
    }
}

extension TextPlot {
    /// Samples over data for row-major points (N, dimension): for 2-D and more a braille scatter
    /// of coordinates 0 and 1 (data blue, samples red; without colour samples are drawn as "•"),
    /// for 1-D the two histograms over shared bins, one row each.
    public static func samplesOverData<T: BinaryFloatingPoint>(samples: [T], data: [T], dimension: Int,
                                                               width: Int = 60, height: Int = 16,
                                                               useColor: Bool = true, title: String? = nil) -> String {
        let d = max(1, dimension)
        if d == 1 {
            let h = histograms([HistogramSeries(name: "data", values: data), HistogramSeries(name: "samples", values: samples)],
                               width: width, useColor: useColor, colors: [.blue, .red])
            return [title, h].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: "\n")
        }
        return scatter([Series(name: "data", flat: data, dimension: d, color: .blue),
                        Series(name: "samples", flat: samples, dimension: d, color: .red,
                               mark: useColor ? .braille : .character("•"))],
                       width: width, height: height, useColor: useColor, title: title)
    }

    /// One row per series: its histogram over `width` bins shared by all series, as block
    /// heights ▁...█ on a common density scale (an empty bin is a space), then the bin range.
    public static func histograms(_ series: [HistogramSeries], width: Int = 60, useColor: Bool = false,
                                  colors: [Color] = []) -> String {
        let bins = max(1, width)
        let edges = Histogram.sharedEdges(series.map(\.values), bins: bins)
        let hists = series.map { Histogram(values: $0.values, edges: edges) }
        let dens = hists.map { h in h.counts.map { h.total > 0 ? Double($0) / Double(h.total) : 0 } }
        let peak = dens.flatMap { $0 }.max() ?? 0
        let nameWidth = series.map(\.name.count).max() ?? 0
        var lines: [String] = []
        for (i, s) in series.enumerated() {
            let row = String(dens[i].map { v -> Character in
                guard peak > 0, v > 0 else { return " " }
                return sparkLevels[min(7, max(0, clampInt((v / peak * 8).rounded(.up)) - 1))]
            })
            let color = i < colors.count ? colors[i] : .none
            lines.append(s.name + String(repeating: " ", count: nameWidth - s.name.count) + " │" + color.wrap(row, enabled: useColor))
        }
        let lo = label(edges.first ?? 0), hi = label(edges.last ?? 1)
        lines.append(String(repeating: " ", count: nameWidth + 2) + lo + String(repeating: " ", count: max(1, bins - lo.count - hi.count)) + hi)
        let skipped = hists.reduce(0) { $0 + $1.skipped }
        if skipped > 0 { lines.append("(\(skipped) non-finite value\(skipped == 1 ? "" : "s") skipped)") }
        return lines.joined(separator: "\n")
    }
}
