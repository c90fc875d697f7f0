// LossChart.swift — chart 4: the training loss over steps, raw (faint) and smoothed, with the
// learning rate on a second axis; the loss axis can be logarithmic.
import Foundation

extension Charts {
    /// `loss[i]` at `steps[i]`; `lr[i]` (optional) on the right axis. With `logLoss` values ≤ 0
    /// cannot be drawn and are counted as skipped.
    public static func lossCurve<T: BinaryFloatingPoint>(steps: [T], loss: [T], lr: [T]? = nil,
                                                          smoothing: Smoothing = .ema(0.98), logLoss: Bool = true,
                                                          title: String = "training loss", xLabel: String = "step",
                                                          yLabel: String = "loss",
                                                          size: ChartSize = ChartSize(width: 720, height: 440)) throws -> Figure {
        guard loss.count == steps.count else {
            throw PlotError.lengthMismatch(chart: "lossCurve", what: "loss", expected: steps.count, got: loss.count)
        }
        if let lr, lr.count != steps.count {
            throw PlotError.lengthMismatch(chart: "lossCurve", what: "lr", expected: steps.count, got: lr.count)
        }
        let xs = steps.doubles, ys = loss.doubles
        let smooth = try smoothed(ys, smoothing)
        var b = ChartBuilder(width: size.width, height: size.height, title: title)
        let rect = plotRect(size, title: title, right: lr == nil ? 24 : 84)
        let xa = Axis.linear(covering: xs, pad: 0.01)
        let ya = logLoss ? Axis.log(covering: ys) : Axis.linear(covering: ys)
        let p = Panel(rect: rect, x: xa, y: ya)
        b.axes(p, xLabel: xLabel, yLabel: logLoss ? "\(yLabel) (log)" : yLabel)
        let color = Palette.color(0)
        var legend: [LegendEntry] = []
        b.line(p, xs: xs, ys: ys, name: "loss", color: color.withAlpha(0.3), width: 1)
        legend.append(LegendEntry(name: "loss", color: color.withAlpha(0.3), style: .line))
        if let smooth {
            b.line(p, xs: xs, ys: smooth, name: "loss-smoothed", color: color, width: 2, countSkipped: false)
            legend.append(LegendEntry(name: smoothingName(smoothing), color: color, style: .line))
        }
        if let lr {
            let lrs = lr.doubles
            let la = Axis.linear(covering: lrs, pad: 0.05, include: [0])
            let lc = Palette.color(2)
            b.rightAxis(p, axis: la, label: "learning rate", color: lc)
            b.line(Panel(rect: rect, x: xa, y: la), xs: xs, ys: lrs, name: "lr", color: lc, width: 1.5, dashed: true)
            legend.append(LegendEntry(name: "learning rate", color: lc, style: .dashed))
        }
        if !ys.contains(where: { p.y.accepts($0) }) { b.message("no data", in: p) }
        b.legend(legend, in: p)
        return b.finish()
    }

    static func smoothingName(_ s: Smoothing) -> String {
        switch s {
        case .none: return "loss"
        case .ema(let d): return "EMA \(NumberFormat.short(d, digits: 4))"
        case .movingAverage(let n): return "mean of \(n)"
        }
    }

    /// The smoothed series (nil for `.none`); non-finite inputs stay NaN and do not disturb it.
    public static func smoothed(_ ys: [Double], _ s: Smoothing) throws -> [Double]? {
        switch s {
        case .none:
            return nil
        case .ema(let decay):
            guard decay >= 0 && decay < 1 else {
                throw PlotError.invalid(chart: "lossCurve", parameter: "smoothing", message: "EMA decay \(decay) is outside [0, 1)")
            }
            var acc = 0.0, weight = 0.0
            return ys.map { v in
                guard v.isFinite else { return .nan }
                acc = decay * acc + (1 - decay) * v
                weight = decay * weight + (1 - decay)
                return acc / weight  // bias correction: an average of the values seen so far
            }
        case .movingAverage(let n):
            guard n >= 1 else {
                throw PlotError.invalid(chart: "lossCurve", parameter: "smoothing", message: "moving-average window \(n) < 1")
            }
            var window: [Double] = [], sum = 0.0
            return ys.map { v in
                guard v.isFinite else { return .nan }
                window.append(v); sum += v
                if window.count > n { sum -= window.removeFirst() }
                return sum / Double(window.count)
            }
        }
    }
}
