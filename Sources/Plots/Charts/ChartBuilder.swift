// ChartBuilder.swift — shared chart layout: panels with their axes, grid, ticks and labels, a
// right-hand second axis, legends placed in the emptiest corner, series drawn as groups that carry
// data-series / data-count attributes, and a note when non-finite values were skipped.
import Foundation

/// A plot area in figure units and the axes that map data into it.
struct Panel {
    var rect: Rect
    var x: Axis
    var y: Axis
    func px(_ v: Double) -> Double { rect.x + x.fraction(v) * rect.w }
    func py(_ v: Double) -> Double { rect.y + rect.h - y.fraction(v) * rect.h }
}

struct LegendEntry {
    enum Style { case marker, line, dashed, box, square }
    var name: String
    var color: RGBA
    var style: Style
}

struct ChartBuilder {
    var figure: Figure
    /// figure positions of drawn data, per panel index, for legend placement
    private var occupied: [Point] = []

    static let titleSize = 15.0, labelSize = 12.0, tickSize = 10.5, legendSize = 11.0

    init(width: Double, height: Double, title: String) {
        figure = Figure(width: width, height: height)
        figure.title = title
        if !title.isEmpty {
            // long titles shrink (down to 10) and are then cut with "..."
            let room = width - 16
            let size = max(10, min(Self.titleSize, room / (0.62 * Double(title.count))))
            var shown = title
            let fits = Int(room / (0.62 * size))
            if shown.count > fits { shown = String(shown.prefix(max(1, fits - 3))) + "..." }
            add(.text(shown, at: Point(width / 2, 24), size: size, anchor: .middle, color: .text, bold: true, rotated: false))
        }
    }

    mutating func add(_ item: FigureItem) { figure.items.append(item) }

    static func textWidth(_ s: String, size: Double) -> Double { Double(s.count) * size * 0.6 }

    // MARK: axes

    /// Grid, frame, ticks, tick labels and axis labels of `p`.
    mutating func axes(_ p: Panel, xLabel: String, yLabel: String, xTickLabels: Bool = true, yTickLabels: Bool = true,
                       tickSize: Double = tickSize, labelSize: Double = labelSize) {
        let r = p.rect
        add(.beginGroup([("class", "axes")], clip: nil))
        for v in p.x.ticks {
            let x = p.px(v)
            guard x >= r.x - 0.01 && x <= r.x + r.w + 0.01 else { continue }
            add(.line(Point(x, r.y), Point(x, r.y + r.h), color: .grid, width: 1, dashed: false))
        }
        for v in p.y.ticks {
            let y = p.py(v)
            guard y >= r.y - 0.01 && y <= r.y + r.h + 0.01 else { continue }
            add(.line(Point(r.x, y), Point(r.x + r.w, y), color: .grid, width: 1, dashed: false))
        }
        add(.rect(r, fill: nil, stroke: .axis, strokeWidth: 1))
        for (v, label) in zip(p.x.ticks, p.x.labels) {
            let x = p.px(v)
            guard x >= r.x - 0.01 && x <= r.x + r.w + 0.01 else { continue }
            add(.line(Point(x, r.y + r.h), Point(x, r.y + r.h + 4), color: .axis, width: 1, dashed: false))
            if xTickLabels {
                add(.text(label, at: Point(x, r.y + r.h + 6 + tickSize), size: tickSize, anchor: .middle, color: .text, bold: false, rotated: false))
            }
        }
        for (v, label) in zip(p.y.ticks, p.y.labels) {
            let y = p.py(v)
            guard y >= r.y - 0.01 && y <= r.y + r.h + 0.01 else { continue }
            add(.line(Point(r.x - 4, y), Point(r.x, y), color: .axis, width: 1, dashed: false))
            if yTickLabels {
                add(.text(label, at: Point(r.x - 6, y + tickSize * 0.35), size: tickSize, anchor: .end, color: .text, bold: false, rotated: false))
            }
        }
        if !xLabel.isEmpty {
            add(.text(xLabel, at: Point(r.x + r.w / 2, r.y + r.h + 2 * tickSize + 14), size: labelSize, anchor: .middle, color: .text, bold: false, rotated: false))
        }
        if !yLabel.isEmpty {
            let widest = yTickLabels ? p.y.labels.map { Self.textWidth($0, size: tickSize) }.max() ?? 0 : 0
            add(.text(yLabel, at: Point(r.x - widest - 14, r.y + r.h / 2), size: labelSize, anchor: .middle, color: .text, bold: false, rotated: true))
        }
        add(.endGroup)
    }

    /// A second y axis on the right edge of `p`, drawn in `color`.
    mutating func rightAxis(_ p: Panel, axis: Axis, label: String, color: RGBA) {
        let r = p.rect
        let q = Panel(rect: r, x: p.x, y: axis)
        add(.beginGroup([("class", "axis-right")], clip: nil))
        for (v, text) in zip(axis.ticks, axis.labels) {
            let y = q.py(v)
            guard y >= r.y - 0.01 && y <= r.y + r.h + 0.01 else { continue }
            add(.line(Point(r.x + r.w, y), Point(r.x + r.w + 4, y), color: color, width: 1, dashed: false))
            add(.text(text, at: Point(r.x + r.w + 6, y + Self.tickSize * 0.35), size: Self.tickSize, anchor: .start, color: color, bold: false, rotated: false))
        }
        let widest = axis.labels.map { Self.textWidth($0, size: Self.tickSize) }.max() ?? 0
        // rotated text reads upwards; its glyph tops point left, so offset by the font size
        add(.text(label, at: Point(r.x + r.w + widest + 14 + Self.labelSize, r.y + r.h / 2), size: Self.labelSize, anchor: .middle, color: color, bold: false, rotated: true))
        add(.endGroup)
    }

    // MARK: series

    /// Scatter markers for the pairs (xs[i], ys[i]) that are drawable; returns how many were skipped.
    @discardableResult
    mutating func scatter(_ p: Panel, xs: [Double], ys: [Double], name: String, color: RGBA, radius: Double,
                          maxPoints: Int? = nil) -> Int {
        var pts: [Point] = []
        pts.reserveCapacity(xs.count)
        var skipped = 0
        for i in 0..<min(xs.count, ys.count) {
            if p.x.accepts(xs[i]) && p.y.accepts(ys[i]) { pts.append(Point(p.px(xs[i]), p.py(ys[i]))) } else { skipped += 1 }
        }
        let total = pts.count
        if let maxPoints, maxPoints > 0, pts.count > maxPoints {
            let stride = Double(pts.count) / Double(maxPoints)
            pts = (0..<maxPoints).map { pts[Int(Double($0) * stride)] }
        }
        add(.beginGroup([("class", "series"), ("data-series", name), ("data-count", String(pts.count)),
                         ("data-total", String(total)), ("data-skipped", String(skipped))], clip: p.rect))
        add(.markers(pts, radius: radius, color: color))
        add(.endGroup)
        note(pts, in: p)
        figure.skippedNonFinite += skipped
        return skipped
    }

    /// A polyline through (xs[i], ys[i]), broken where a value cannot be drawn, decimated to at
    /// most `maxPoints` vertices (per bucket its min and max, so spikes survive).
    @discardableResult
    mutating func line(_ p: Panel, xs: [Double], ys: [Double], name: String, color: RGBA, width: Double = 1.5,
                       dashed: Bool = false, maxPoints: Int = 4000, countSkipped: Bool = true) -> Int {
        var runs: [[Point]] = [[]]
        var skipped = 0, drawn = 0
        let n = min(xs.count, ys.count)
        let idx = Self.decimatedIndices(ys: ys, count: n, maxPoints: maxPoints)
        for i in 0..<n where !(p.x.accepts(xs[i]) && p.y.accepts(ys[i])) { skipped += 1 }
        for i in idx {
            if p.x.accepts(xs[i]) && p.y.accepts(ys[i]) {
                runs[runs.count - 1].append(Point(p.px(xs[i]), p.py(ys[i]))); drawn += 1
            } else if !runs[runs.count - 1].isEmpty {
                runs.append([])
            }
        }
        runs.removeAll { $0.isEmpty }
        add(.beginGroup([("class", "series"), ("data-series", name), ("data-count", String(n - skipped)),
                         ("data-skipped", String(skipped))], clip: p.rect))
        add(.path(runs, stroke: color, width: width, dashed: dashed, fill: nil))
        add(.endGroup)
        note(runs.flatMap { $0 }, in: p)
        if countSkipped { figure.skippedNonFinite += skipped }
        return skipped
    }

    /// Indices 0..<count, thinned to about `maxPoints` keeping each bucket's min and max.
    static func decimatedIndices(ys: [Double], count n: Int, maxPoints: Int) -> [Int] {
        guard n > maxPoints, maxPoints >= 4 else { return Array(0..<n) }
        let buckets = maxPoints / 2
        var out: [Int] = []
        out.reserveCapacity(maxPoints + 2)
        for b in 0..<buckets {
            let lo = b * n / buckets, hi = (b + 1) * n / buckets
            guard lo < hi else { continue }
            var iMin = -1, iMax = -1
            for i in lo..<hi where ys[i].isFinite {
                if iMin < 0 || ys[i] < ys[iMin] { iMin = i }
                if iMax < 0 || ys[i] > ys[iMax] { iMax = i }
            }
            if iMin < 0 { out.append(lo); continue }  // keep a gap marker
            out.append(min(iMin, iMax)); if iMin != iMax { out.append(max(iMin, iMax)) }
        }
        return out
    }

    /// Remembers where data was drawn (a sample of it) so the legend can avoid it.
    mutating func note(_ pts: [Point], in p: Panel) {
        let step = max(1, pts.count / 1500)
        var i = 0
        while i < pts.count { occupied.append(pts[i]); i += step }
    }

    // MARK: legend, messages

    /// A legend box inside `p`, in whichever corner covers the fewest drawn points.
    mutating func legend(_ entries: [LegendEntry], in p: Panel, size: Double = legendSize) {
        guard !entries.isEmpty else { return }
        let rowH = size + 6
        let w = 40 + (entries.map { Self.textWidth($0.name, size: size) * 1.08 }.max() ?? 0)
        let h = Double(entries.count) * rowH + 8
        let r = p.rect
        let corners = [Point(r.x + r.w - w - 8, r.y + 8), Point(r.x + 8, r.y + 8),
                       Point(r.x + r.w - w - 8, r.y + r.h - h - 8), Point(r.x + 8, r.y + r.h - h - 8)]
        var best = corners[0], bestCount = Int.max
        for c in corners {
            let m = 8.0  // keep a little air around the box
            let n = occupied.reduce(0) { $0 + (($1.x >= c.x - m && $1.x <= c.x + w + m && $1.y >= c.y - m && $1.y <= c.y + h + m) ? 1 : 0) }
            if n < bestCount { bestCount = n; best = c }
        }
        add(.beginGroup([("class", "legend")], clip: nil))
        add(.rect(Rect(x: best.x, y: best.y, w: w, h: h), fill: RGBA.white.withAlpha(0.85), stroke: RGBA(hex: 0xbbbbbb), strokeWidth: 1))
        for (i, e) in entries.enumerated() {
            let cy = best.y + 4 + rowH * (Double(i) + 0.5)
            let sx = best.x + 8
            switch e.style {
            case .marker: add(.markers([Point(sx + 9, cy)], radius: 3.5, color: e.color.withAlpha(1)))
            case .line: add(.line(Point(sx, cy), Point(sx + 18, cy), color: e.color, width: 2, dashed: false))
            case .dashed: add(.line(Point(sx, cy), Point(sx + 18, cy), color: e.color, width: 2, dashed: true))
            case .box: add(.rect(Rect(x: sx + 2, y: cy - 5, w: 14, h: 10), fill: e.color, stroke: nil, strokeWidth: 0))
            case .square: add(.rect(Rect(x: sx + 5, y: cy - 4, w: 8, h: 8), fill: nil, stroke: e.color, strokeWidth: 1.5))
            }
            add(.text(e.name, at: Point(sx + 26, cy + size * 0.35), size: size, anchor: .start, color: .text, bold: false, rotated: false))
        }
        add(.endGroup)
    }

    /// Centred grey message in `p` (e.g. "no data").
    mutating func message(_ s: String, in p: Panel) {
        add(.text(s, at: Point(p.rect.x + p.rect.w / 2, p.rect.y + p.rect.h / 2), size: 14, anchor: .middle, color: RGBA(hex: 0x888888), bold: false, rotated: false))
    }

    /// The finished figure, with a footnote when values were skipped.
    mutating func finish() -> Figure {
        if figure.skippedNonFinite > 0 {
            let n = figure.skippedNonFinite
            let s = "\(n) value\(n == 1 ? "" : "s") skipped (NaN/Inf, or ≤ 0 on a log axis)"
            add(.text(s, at: Point(8, figure.height - 6), size: 10, anchor: .start, color: RGBA(hex: 0xb03030), bold: false, rotated: false))
        }
        return figure
    }
}

extension Array where Element: BinaryFloatingPoint {
    var doubles: [Double] { map { Double($0) } }
}
