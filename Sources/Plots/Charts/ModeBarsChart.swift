// ModeBarsChart.swift — chart 5: grouped bars of per-mode weights, the samples' share of each
// mode next to the data's share (e.g. the 8 modes of ring8).
import Foundation

extension Charts {
    /// Two bars per label: `data[i]` (grey) and `sample[i]` (colour), values printed above when
    /// there are at most 16 labels.
    public static func modeBars<T: BinaryFloatingPoint>(labels: [String], sample: [T], data: [T],
                                                         title: String = "mode weights", yLabel: String = "share",
                                                         sampleName: String = "samples", dataName: String = "data",
                                                         size: ChartSize = ChartSize(width: 640, height: 420)) throws -> Figure {
        guard sample.count == labels.count else {
            throw PlotError.lengthMismatch(chart: "modeBars", what: "sample", expected: labels.count, got: sample.count)
        }
        guard data.count == labels.count else {
            throw PlotError.lengthMismatch(chart: "modeBars", what: "data", expected: labels.count, got: data.count)
        }
        let s = sample.doubles, d = data.doubles
        let n = labels.count
        let top = (s + d).filter(\.isFinite).map { abs($0) }.max() ?? 0
        let lowest = min(0, (s + d).filter(\.isFinite).min() ?? 0)
        var b = ChartBuilder(width: size.width, height: size.height, title: title)
        var xa = Axis(lo: 0, hi: Double(max(1, n)), scale: .linear)
        xa.ticks = []
        // headroom above the tallest bar for the legend
        let ya = Axis.linear(lo: lowest, hi: top > 0 ? top * 1.4 : 1, pad: 0)
        let p = Panel(rect: plotRect(size, title: title), x: xa, y: ya)
        b.axes(p, xLabel: "", yLabel: yLabel)
        let slot = p.rect.w / Double(max(1, n))
        let labelSize = min(ChartBuilder.tickSize, slot / max(1, Double(labels.map(\.count).max() ?? 1)) / 0.6)
        for (i, label) in labels.enumerated() {
            b.add(.text(label, at: Point(p.px(Double(i) + 0.5), p.rect.y + p.rect.h + 6 + labelSize), size: labelSize,
                        anchor: .middle, color: .text, bold: false, rotated: false))
        }
        let series: [(String, [Double], RGBA, Double)] = [(dataName, d, RGBA.dataGray, 0.1), (sampleName, s, Palette.color(1), 0.5)]
        for (name, values, color, offset) in series {
            let skipped = Finite.count(values)
            b.add(.beginGroup([("class", "series"), ("data-series", name), ("data-count", String(values.count - skipped)),
                               ("data-skipped", String(skipped))], clip: nil))
            for (i, v) in values.enumerated() where v.isFinite {
                let x0 = p.px(Double(i) + offset), x1 = p.px(Double(i) + offset + 0.4)
                let y0 = p.py(max(0, v)), y1 = p.py(min(0, v))
                b.add(.rect(Rect(x: x0, y: y0, w: x1 - x0, h: y1 - y0), fill: color, stroke: nil, strokeWidth: 0))
                if n <= 16 {
                    b.add(.text(NumberFormat.short(v, digits: n <= 6 ? 3 : 2), at: Point((x0 + x1) / 2, y0 - 3), size: 8.5, anchor: .middle,
                                color: .text, bold: false, rotated: false))
                }
                b.note([Point((x0 + x1) / 2, y0), Point((x0 + x1) / 2, (y0 + y1) / 2)], in: p)
            }
            b.add(.endGroup)
            b.figure.skippedNonFinite += skipped
        }
        if n == 0 { b.message("no data", in: p) }
        b.legend([LegendEntry(name: dataName, color: .dataGray, style: .box),
                  LegendEntry(name: sampleName, color: Palette.color(1), style: .box)], in: p)
        return b.finish()
    }
}
