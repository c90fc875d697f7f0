// PairChart.swift — chart 3: the pairwise scatter matrix of the first k ≤ 4 coordinates of
// higher-dimensional points; histograms on the diagonal, shared axes per coordinate.
import Foundation

extension Charts {
    /// A k × k matrix (k = min(dimensions, the smallest cloud dimension)): panel (row i, col j)
    /// plots coordinate j against coordinate i; the diagonal shows each coordinate's histogram.
    /// Each series is thinned to `maxPointsPerSeries` points per panel (nil: all).
    public static func pairScatter(_ clouds: [PointCloud], dimensions: Int = 4, axisNames: [String]? = nil,
                                   title: String = "", maxPointsPerSeries: Int? = 3000,
                                   panelSize: Double = 170) throws -> Figure {
        guard (1...4).contains(dimensions) else {
            throw PlotError.invalid(chart: "pairScatter", parameter: "dimensions", message: "\(dimensions) is outside 1...4")
        }
        for c in clouds {
            guard c.dimension >= 1 else {
                throw PlotError.invalid(chart: "pairScatter", parameter: "dimension of '\(c.name)'", message: "\(c.dimension) < 1")
            }
            guard c.values.count % c.dimension == 0 else {
                throw PlotError.invalid(chart: "pairScatter", parameter: "values of '\(c.name)'",
                                        message: "\(c.values.count) values do not split into rows of \(c.dimension)")
            }
        }
        let k = max(1, min(dimensions, clouds.map(\.dimension).min() ?? dimensions))
        let names = (0..<k).map { j in axisNames.flatMap { j < $0.count ? $0[j] : nil } ?? "x\(j + 1)" }
        let gap = 10.0, left = 70.0, right = 16.0, bottom = 54.0
        let top = (title.isEmpty ? 12.0 : 40.0) + (clouds.isEmpty ? 0 : 22)
        let width = left + Double(k) * panelSize + Double(k - 1) * gap + right
        let height = top + Double(k) * panelSize + Double(k - 1) * gap + bottom
        var b = ChartBuilder(width: width, height: height, title: title)

        // one axis per coordinate, shared by its row and column
        func column(_ c: PointCloud, _ j: Int) -> [Double] { (0..<c.count).map { c.values[$0 * c.dimension + j] } }
        let axes = (0..<k).map { j in Axis.linear(covering: clouds.flatMap { column($0, j) }, targetTicks: 4) }

        // legend row under the title
        var lx = left
        let ly = top - 14
        for (s, c) in clouds.enumerated() {
            let color = c.color ?? Palette.color(s)
            b.add(.markers([Point(lx + 5, ly - 4)], radius: 4, color: color))
            b.add(.text(c.name, at: Point(lx + 14, ly), size: ChartBuilder.legendSize, anchor: .start, color: .text, bold: false, rotated: false))
            lx += 30 + ChartBuilder.textWidth(c.name, size: ChartBuilder.legendSize)
        }

        for i in 0..<k {
            for j in 0..<k {
                let rect = Rect(x: left + Double(j) * (panelSize + gap), y: top + Double(i) * (panelSize + gap), w: panelSize, h: panelSize)
                let p = Panel(rect: rect, x: axes[j], y: axes[i])
                b.axes(p, xLabel: i == k - 1 ? names[j] : "", yLabel: j == 0 ? names[i] : "",
                       xTickLabels: i == k - 1, yTickLabels: j == 0, tickSize: 9.5)
                if i == j {
                    diagonalHistograms(&b, p, clouds: clouds, coordinate: i, column: column)
                } else {
                    for (s, c) in clouds.enumerated() {
                        let color = c.color ?? Palette.color(s)
                        let shown = min(c.count, maxPointsPerSeries ?? Int.max)
                        let style = markerStyle(count: shown * 4)
                        let skipped = b.scatter(p, xs: column(c, j), ys: column(c, i), name: c.name,
                                                color: color.withAlpha(style.alpha * color.opacity), radius: style.radius,
                                                maxPoints: maxPointsPerSeries)
                        b.figure.skippedNonFinite -= skipped  // counted once per cloud below
                    }
                }
            }
        }
        for c in clouds { b.figure.skippedNonFinite += Finite.count(Array(c.values.prefix(c.count * c.dimension))) }
        if clouds.allSatisfy({ $0.count == 0 }) {
            b.message("no data", in: Panel(rect: Rect(x: left, y: top, w: width - left - right, h: height - top - bottom), x: axes[0], y: axes[0]))
        }
        return b.finish()
    }

    /// Outlined density histograms of coordinate `i` of every cloud, scaled to the panel height.
    private static func diagonalHistograms(_ b: inout ChartBuilder, _ p: Panel, clouds: [PointCloud], coordinate i: Int,
                                           column: (PointCloud, Int) -> [Double]) {
        let edgesRange = (p.x.lo, p.x.hi)
        let bins = 24
        let edges = (0...bins).map { edgesRange.0 + (edgesRange.1 - edgesRange.0) * Double($0) / Double(bins) }
        let hists = clouds.map { Histogram(values: column($0, i), edges: edges) }
        let w = edges[1] - edges[0]
        let dens = hists.map { h in h.counts.map { h.total > 0 ? Double($0) / (Double(h.total) * w) : 0 } }
        let top = max(1e-300, dens.flatMap { $0 }.max() ?? 1) * 1.1
        for (s, c) in clouds.enumerated() {
            let color = c.color ?? Palette.color(s)
            var run = [Point(p.rect.x, p.rect.y + p.rect.h)]
            for (q, d) in dens[s].enumerated() {
                let y = p.rect.y + p.rect.h * (1 - d / top)
                run.append(Point(p.px(edges[q]), y)); run.append(Point(p.px(edges[q + 1]), y))
            }
            run.append(Point(p.rect.x + p.rect.w, p.rect.y + p.rect.h))
            b.add(.beginGroup([("class", "histogram"), ("data-series", c.name), ("data-count", String(hists[s].total))], clip: p.rect))
            b.add(.path([run], stroke: color, width: 1.2, dashed: false, fill: color.withAlpha(0.18)))
            b.add(.endGroup)
        }
    }
}
