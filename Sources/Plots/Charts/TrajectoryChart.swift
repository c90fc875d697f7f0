// TrajectoryChart.swift — chart 6: paths of a few samples through the reverse process, over
// the data as a faint background: polylines in the plane for 2-D points, value against step
// (with the data's density at the right edge) for 1-D points.
import Foundation

extension Charts {
    /// `snapshots[s]` holds all N points (N, dimension) at recorded step s, in the order the
    /// sampler visited them (noise first, samples last); `steps[s]` labels them (default 0, 1, ...).
    /// Draws `maxPaths` evenly chosen samples. `background` (M, dimension): the data.
    public static func trajectories<T: BinaryFloatingPoint>(snapshots: [[T]], dimension: Int, steps: [Double]? = nil,
                                                             background: [T]? = nil, maxPaths: Int = 12,
                                                             title: String = "sample trajectories",
                                                             size: ChartSize = ChartSize(width: 640, height: 560)) throws -> Figure {
        guard dimension >= 1 else {
            throw PlotError.invalid(chart: "trajectories", parameter: "dimension", message: "\(dimension) < 1")
        }
        guard maxPaths >= 1 else {
            throw PlotError.invalid(chart: "trajectories", parameter: "maxPaths", message: "\(maxPaths) < 1")
        }
        let count = snapshots.first?.count ?? 0
        for (s, snap) in snapshots.enumerated() {
            guard snap.count == count else {
                throw PlotError.lengthMismatch(chart: "trajectories", what: "snapshot \(s)", expected: count, got: snap.count)
            }
        }
        guard count % dimension == 0 else {
            throw PlotError.invalid(chart: "trajectories", parameter: "snapshots",
                                    message: "\(count) values per snapshot do not split into rows of \(dimension)")
        }
        if let steps, steps.count != snapshots.count {
            throw PlotError.lengthMismatch(chart: "trajectories", what: "steps", expected: snapshots.count, got: steps.count)
        }
        if let background, background.count % dimension != 0 {
            throw PlotError.invalid(chart: "trajectories", parameter: "background",
                                    message: "\(background.count) values do not split into rows of \(dimension)")
        }
        let n = count / dimension
        let chosen = n == 0 ? [] : (0..<min(n, maxPaths)).map { $0 * n / min(n, maxPaths) }
        let stepValues = steps ?? (0..<snapshots.count).map(Double.init)
        let bg = background?.doubles ?? []
        // paths[p][s] = coordinates of sample chosen[p] at snapshot s
        let paths: [[[Double]]] = chosen.map { i in
            snapshots.map { snap in (0..<dimension).map { Double(snap[i * dimension + $0]) } }
        }
        if dimension == 1 {
            return trajectories1D(paths: paths.map { $0.map { $0[0] } }, steps: stepValues, background: bg, title: title, size: size)
        }
        return trajectories2D(paths: paths, background: bg, dimension: dimension, title: title, size: size)
    }

    private static func trajectories2D(paths: [[[Double]]], background: [Double], dimension: Int, title: String,
                                       size: ChartSize) -> Figure {
        var b = ChartBuilder(width: size.width, height: size.height, title: title)
        let bx = stride(from: 0, to: background.count, by: dimension).map { background[$0] }
        let by = stride(from: 0, to: background.count, by: dimension).map { background[$0 + 1] }
        let px = paths.flatMap { $0.map { $0[0] } }, py = paths.flatMap { $0.map { $0[1] } }
        let rect = plotRect(size, title: title)
        let (xa, ya) = equalized(Axis.linear(covering: bx + px), Axis.linear(covering: by + py), rect: rect)
        let p = Panel(rect: rect, x: xa, y: ya)
        b.axes(p, xLabel: "x1", yLabel: "x2")
        var legend: [LegendEntry] = []
        if !background.isEmpty {
            b.scatter(p, xs: bx, ys: by, name: "data", color: RGBA.dataGray.withAlpha(0.25), radius: 1.6, maxPoints: 4000)
            legend.append(LegendEntry(name: "data", color: .dataGray, style: .marker))
        }
        var starts: [Point] = [], ends: [Point] = []
        for (k, path) in paths.enumerated() {
            b.line(p, xs: path.map { $0[0] }, ys: path.map { $0[1] }, name: "path-\(k)", color: Palette.color(k), width: 1.3)
            if let f = path.first, f[0].isFinite, f[1].isFinite { starts.append(Point(p.px(f[0]), p.py(f[1]))) }
            if let l = path.last, l[0].isFinite, l[1].isFinite { ends.append(Point(p.px(l[0]), p.py(l[1]))) }
        }
        b.add(.beginGroup([("class", "starts"), ("data-count", String(starts.count))], clip: p.rect))
        for s in starts { b.add(.rect(Rect(x: s.x - 3, y: s.y - 3, w: 6, h: 6), fill: nil, stroke: .axis, strokeWidth: 1.2)) }
        b.add(.endGroup)
        b.add(.beginGroup([("class", "ends"), ("data-count", String(ends.count))], clip: p.rect))
        b.add(.markers(ends, radius: 3.2, color: .black))
        b.add(.endGroup)
        if !paths.isEmpty {
            legend.append(LegendEntry(name: "trajectory", color: Palette.color(0), style: .line))
            legend.append(LegendEntry(name: "start (noise)", color: .axis, style: .square))
            legend.append(LegendEntry(name: "end (sample)", color: .black, style: .marker))
        } else if background.isEmpty {
            b.message("no data", in: p)
        }
        b.legend(legend, in: p)
        return b.finish()
    }

    private static func trajectories1D(paths: [[Double]], steps: [Double], background: [Double], title: String,
                                       size: ChartSize) -> Figure {
        var b = ChartBuilder(width: size.width, height: size.height, title: title)
        let rect = plotRect(size, title: title)
        // time runs left to right from the first snapshot to the last, even when the step
        // labels count down (t = T ... 0): the axis is then reversed
        var xa = Axis.linear(covering: steps, pad: 0.01)
        if let first = steps.first, let last = steps.last, last < first { swap(&xa.lo, &xa.hi) }
        let ya = Axis.linear(covering: background + paths.flatMap { $0 })
        let p = Panel(rect: rect, x: xa, y: ya)
        b.axes(p, xLabel: "step", yLabel: "x")
        var legend: [LegendEntry] = []
        if !background.isEmpty {
            // the data's density, drawn leftwards from the right edge over the last 20% of the width
            let bins = 40
            let edges = (0...bins).map { ya.lo + (ya.hi - ya.lo) * Double($0) / Double(bins) }
            let h = Histogram(values: background, edges: edges)
            let peak = Double(h.counts.max() ?? 1)
            var run = [Point(rect.x + rect.w, p.py(edges[0]))]
            for (q, c) in h.counts.enumerated() {
                let x = rect.x + rect.w - rect.w * 0.2 * Double(c) / max(1, peak)
                run.append(Point(x, p.py(edges[q]))); run.append(Point(x, p.py(edges[q + 1])))
            }
            run.append(Point(rect.x + rect.w, p.py(edges[bins])))
            b.add(.beginGroup([("class", "series"), ("data-series", "data"), ("data-count", String(h.total))], clip: rect))
            b.add(.path([run], stroke: nil, width: 0, dashed: false, fill: RGBA.dataGray.withAlpha(0.3)))
            b.add(.endGroup)
            b.note(run + run.map { Point(($0.x + rect.x + rect.w) / 2, $0.y) }, in: p)
            b.figure.skippedNonFinite += h.skipped
            legend.append(LegendEntry(name: "data density", color: RGBA.dataGray.withAlpha(0.3), style: .box))
        }
        for (k, path) in paths.enumerated() {
            b.line(p, xs: steps, ys: path, name: "path-\(k)", color: Palette.color(k), width: 1.3)
        }
        if !paths.isEmpty { legend.append(LegendEntry(name: "trajectory", color: Palette.color(0), style: .line)) }
        if paths.isEmpty && background.isEmpty { b.message("no data", in: p) }
        b.legend(legend, in: p)
        return b.finish()
    }
}
