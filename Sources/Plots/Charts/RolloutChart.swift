// RolloutChart.swift — closed-loop episodes of a policy in the plane: each episode's path as a
// thin line coloured by its group (e.g. the homotopy class of a success, or "collided"), over
// filled disc obstacles, with equal axes and a legend of the groups that occur.
import Foundation

/// One episode's positions and the group (index into the chart's group names) it belongs to.
public struct RolloutPath: Sendable {
    public var xs: [Double]
    public var ys: [Double]
    public var group: Int
    public init(xs: [Double], ys: [Double], group: Int) { self.xs = xs; self.ys = ys; self.group = group }
}

/// A disc obstacle: centre and radius.
public struct Disc: Sendable {
    public var x: Double, y: Double, r: Double
    public init(x: Double, y: Double, r: Double) { self.x = x; self.y = y; self.r = r }
}

extension Charts {
    /// Group g is drawn in `groupColors[g]` (Palette.color(g) when missing) and named `groupNames[g]`.
    public static func rollouts(_ paths: [RolloutPath], groupNames: [String], groupColors: [RGBA] = [],
                                discs: [Disc], title: String = "episodes",
                                size: ChartSize = ChartSize(width: 560, height: 640)) throws -> Figure {
        for (i, p) in paths.enumerated() where p.xs.count != p.ys.count {
            throw PlotError.lengthMismatch(chart: "rollouts", what: "path \(i) y", expected: p.xs.count, got: p.ys.count)
        }
        for (i, p) in paths.enumerated() where !groupNames.indices.contains(p.group) {
            throw PlotError.invalid(chart: "rollouts", parameter: "paths", message: "path \(i) has group \(p.group), names cover 0..<\(groupNames.count)")
        }
        var b = ChartBuilder(width: size.width, height: size.height, title: title)
        var xs = discs.flatMap { [$0.x - $0.r, $0.x + $0.r] }, ys = discs.flatMap { [$0.y - $0.r, $0.y + $0.r] }
        for p in paths {
            for i in p.xs.indices where p.xs[i].isFinite && p.ys[i].isFinite { xs.append(p.xs[i]); ys.append(p.ys[i]) }
        }
        let rect = plotRect(size, title: title)
        let (xa, ya) = equalized(Axis.linear(covering: xs), Axis.linear(covering: ys), rect: rect)
        let panel = Panel(rect: rect, x: xa, y: ya)
        b.axes(panel, xLabel: "x", yLabel: "y")
        b.add(.beginGroup([("class", "obstacles"), ("data-count", String(discs.count))], clip: panel.rect))
        for d in discs {
            let ring = (0...64).map { k -> Point in
                let a = 2 * Double.pi * Double(k) / 64
                return Point(panel.px(d.x + d.r * cos(a)), panel.py(d.y + d.r * sin(a)))
            }
            b.add(.path([ring], stroke: .axis, width: 1, dashed: false, fill: RGBA.dataGray.withAlpha(0.35)))
        }
        b.add(.endGroup)
        let color = { (g: Int) -> RGBA in groupColors.indices.contains(g) ? groupColors[g] : Palette.color(g) }
        for (i, p) in paths.enumerated() {
            b.line(panel, xs: p.xs, ys: p.ys, name: "episode-\(i)", color: color(p.group).withAlpha(0.55), width: 1)
        }
        let present = Set(paths.map(\.group))
        var legend = groupNames.indices.filter { present.contains($0) }.map { LegendEntry(name: groupNames[$0], color: color($0), style: .line) }
        if !discs.isEmpty { legend.append(LegendEntry(name: "obstacle", color: RGBA.dataGray.withAlpha(0.35), style: .box)) }
        if paths.isEmpty { b.message("no episodes", in: panel) }
        b.legend(legend, in: panel)
        return b.finish()
    }
}
