// ScheduleChart.swift — chart 7: noise schedules side by side: √ᾱ_t (solid) and √(1−ᾱ_t)
// (dashed) over t in the left panel, the SNR ᾱ/(1−ᾱ) on a log axis in the right panel.
import Foundation

extension Charts {
    /// One colour per schedule, labelled by `ScheduleCurve.name`. SNR values that a log axis
    /// cannot show (ᾱ = 1 gives ∞, ᾱ = 0 gives 0) are skipped and counted.
    public static func schedules(_ curves: [ScheduleCurve], title: String = "noise schedules", xLabel: String = "t",
                                 size: ChartSize = ChartSize(width: 960, height: 420)) throws -> Figure {
        for c in curves where c.alphaBar.count != c.t.count {
            throw PlotError.lengthMismatch(chart: "schedules", what: "alphaBar of '\(c.name)'", expected: c.t.count, got: c.alphaBar.count)
        }
        var b = ChartBuilder(width: size.width, height: size.height, title: title)
        let top = title.isEmpty ? 16.0 : 42.0, bottom = 58.0, gap = 84.0, left = 64.0, right = 20.0
        let pw = (size.width - left - right - gap) / 2, ph = size.height - top - bottom
        let xa = Axis.linear(covering: curves.flatMap(\.t), pad: 0.01)
        let left1 = Panel(rect: Rect(x: left, y: top, w: pw, h: ph), x: xa, y: Axis.linear(lo: 0, hi: 1, pad: 0.03))
        let snrs = curves.map { c in c.alphaBar.map { $0 / (1 - $0) } }
        let right1 = Panel(rect: Rect(x: left + pw + gap, y: top, w: pw, h: ph), x: xa, y: Axis.log(covering: snrs.flatMap { $0 }))
        b.axes(left1, xLabel: xLabel, yLabel: "signal / noise scale")
        b.axes(right1, xLabel: xLabel, yLabel: "SNR = ᾱ/(1−ᾱ) (log)")
        var names: [LegendEntry] = []
        for (i, c) in curves.enumerated() {
            let color = Palette.color(i)
            let skippedA = b.line(left1, xs: c.t, ys: c.alphaBar.map { $0.squareRoot() }, name: "\(c.name) sqrt(alphabar)", color: color, width: 2)
            b.figure.skippedNonFinite -= skippedA  // one count per input value: taken from the SNR panel
            b.line(left1, xs: c.t, ys: c.alphaBar.map { (1 - $0).squareRoot() }, name: "\(c.name) sqrt(1-alphabar)", color: color,
                   width: 2, dashed: true, countSkipped: false)
            b.line(right1, xs: c.t, ys: snrs[i], name: "\(c.name) snr", color: color, width: 2)
            names.append(LegendEntry(name: c.name, color: color, style: .line))
        }
        if curves.allSatisfy({ $0.t.isEmpty }) { b.message("no data", in: left1); b.message("no data", in: right1) }
        if !curves.isEmpty {
            b.legend([LegendEntry(name: "√ᾱ_t", color: .axis, style: .line),
                      LegendEntry(name: "√(1−ᾱ_t)", color: .axis, style: .dashed)], in: left1)
            b.legend(names, in: right1)
        }
        return b.finish()
    }
}
