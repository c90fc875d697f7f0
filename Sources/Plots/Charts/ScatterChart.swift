// ScatterChart.swift — chart 1: 2-D scatter of one or more point series (e.g. samples over
// data), legend, optional equal aspect, optional deterministic thinning for huge series.
import Foundation

extension Charts {
    /// Scatter of `series` in order (draw the data first, samples over it). Series without a
    /// colour take `Palette.color(index)`. Point size and opacity shrink as series grow.
    public static func scatter2D(_ series: [ScatterSeries], title: String = "", xLabel: String = "x",
                                 yLabel: String = "y", equalAspect: Bool = false, maxPointsPerSeries: Int? = nil,
                                 size: ChartSize = ChartSize(width: 640, height: 560)) throws -> Figure {
        for s in series where s.x.count != s.y.count {
            throw PlotError.lengthMismatch(chart: "scatter2D", what: "series '\(s.name)' y", expected: s.x.count, got: s.y.count)
        }
        var b = ChartBuilder(width: size.width, height: size.height, title: title)
        var xs: [Double] = [], ys: [Double] = []
        for s in series {
            for i in 0..<s.x.count where s.x[i].isFinite && s.y[i].isFinite { xs.append(s.x[i]); ys.append(s.y[i]) }
        }
        let rect = plotRect(size, title: title)
        var xa = Axis.linear(covering: xs), ya = Axis.linear(covering: ys)
        if equalAspect { (xa, ya) = equalized(xa, ya, rect: rect) }
        let p = Panel(rect: rect, x: xa, y: ya)
        b.axes(p, xLabel: xLabel, yLabel: yLabel)
        var legend: [LegendEntry] = []
        for (i, s) in series.enumerated() {
            let color = s.color ?? Palette.color(i)
            let shown = min(s.x.count, maxPointsPerSeries ?? Int.max)
            let (radius, alpha) = markerStyle(count: shown)
            b.scatter(p, xs: s.x, ys: s.y, name: s.name, color: color.withAlpha(alpha * color.opacity), radius: radius,
                      maxPoints: maxPointsPerSeries)
            legend.append(LegendEntry(name: s.name, color: color, style: .marker))
        }
        if xs.isEmpty { b.message("no data", in: p) }
        if series.count > 1 || series.contains(where: { !$0.name.isEmpty }) { b.legend(legend, in: p) }
        return b.finish()
    }

    /// `scatter2D(...)` rasterised as a PNG (for dense series, where SVG gets large).
    public static func scatter2DPNG(_ series: [ScatterSeries], title: String = "", xLabel: String = "x",
                                    yLabel: String = "y", equalAspect: Bool = false, scale: Int = 2,
                                    size: ChartSize = ChartSize(width: 640, height: 560)) throws -> Data {
        try scatter2D(series, title: title, xLabel: xLabel, yLabel: yLabel, equalAspect: equalAspect, size: size)
            .png(scale: scale)
    }

    /// Marker radius and opacity for a series of `count` points.
    static func markerStyle(count: Int) -> (radius: Double, alpha: Double) {
        if count > 5000 { return (1.1, 0.45) }
        if count > 1000 { return (1.5, 0.6) }
        if count > 200 { return (2.2, 0.75) }
        return (3, 0.9)
    }

    /// Widens one axis so that a data unit spans the same length on both.
    static func equalized(_ xa: Axis, _ ya: Axis, rect: Rect) -> (Axis, Axis) {
        let ux = (xa.hi - xa.lo) / rect.w, uy = (ya.hi - ya.lo) / rect.h
        if ux > uy {
            let c = (ya.lo + ya.hi) / 2, half = ux * rect.h / 2
            return (xa, Axis.linear(lo: c - half, hi: c + half, pad: 0))
        } else {
            let c = (xa.lo + xa.hi) / 2, half = uy * rect.w / 2
            return (Axis.linear(lo: c - half, hi: c + half, pad: 0), ya)
        }
    }
}
