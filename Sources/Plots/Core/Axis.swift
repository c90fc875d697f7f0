// Axis.swift — data ranges, nice ticks (1-2-5 steps on linear axes, decades on log axes) and
// the mapping from data values to a 0...1 fraction of an axis.
import Foundation

/// How values map onto an axis.
enum AxisScale: String, Sendable {
    case linear, log
}

/// A finished axis: its range in data units, its scale and its labelled ticks.
struct Axis {
    var lo: Double
    var hi: Double
    var scale: AxisScale
    var ticks: [Double] = []
    var labels: [String] = []

    /// 0 at `lo`, 1 at `hi` (log10 distance on a log axis).
    func fraction(_ v: Double) -> Double {
        switch scale {
        case .linear: return (v - lo) / (hi - lo)
        case .log: return (log10(v) - log10(lo)) / (log10(hi) - log10(lo))
        }
    }

    /// Whether `v` can be drawn on this axis at all (finite; positive on a log axis).
    func accepts(_ v: Double) -> Bool { v.isFinite && (scale == .linear || v > 0) }

    /// A linear axis covering `values` (non-finite skipped), padded by `pad` of the span on
    /// each side, with nice ticks. `include` forces values into the range (e.g. 0 for bars).
    static func linear(covering values: [Double], pad: Double = 0.04, include: [Double] = [],
                       targetTicks: Int = 6) -> Axis {
        var lo = Double.infinity, hi = -Double.infinity
        for v in values where v.isFinite { lo = min(lo, v); hi = max(hi, v) }
        for v in include where v.isFinite { lo = min(lo, v); hi = max(hi, v) }
        return linear(lo: lo, hi: hi, pad: pad, targetTicks: targetTicks)
    }

    /// A linear axis from `lo` to `hi`; an empty range becomes 0...1, a single value v
    /// becomes v ± max(|v|·0.1, 1)·0.5.
    static func linear(lo inLo: Double, hi inHi: Double, pad: Double = 0.04, targetTicks: Int = 6) -> Axis {
        var lo = inLo, hi = inHi
        if !(lo.isFinite && hi.isFinite) || lo > hi { lo = 0; hi = 1 }
        // keep the span finite (±1e308 would overflow it); such data is drawn squeezed, not crashed
        let limit = Double.greatestFiniteMagnitude / 4
        lo = max(-limit, lo); hi = min(limit, hi)
        if hi - lo <= max(abs(lo), abs(hi)) * 1e-12 {
            let half = max(abs(lo) * 0.1, 1) * 0.5
            lo -= half; hi += half
        } else {
            let span = hi - lo
            lo -= span * pad; hi += span * pad
        }
        var axis = Axis(lo: lo, hi: hi, scale: .linear)
        let step = niceStep((hi - lo) / Double(max(1, targetTicks)))
        var k = (lo / step).rounded(.up)
        while k * step <= hi + step * 1e-9 && axis.ticks.count < 50 {
            let v = k * step
            axis.ticks.append(abs(v) < step * 1e-9 ? 0 : v)
            k += 1
        }
        axis.labels = axis.ticks.map { NumberFormat.tick($0, step: step) }
        return axis
    }

    /// A log axis covering the positive finite `values`, padded by `pad` of the log span.
    static func log(covering values: [Double], pad: Double = 0.04) -> Axis {
        var lo = Double.infinity, hi = -Double.infinity
        for v in values where v.isFinite && v > 0 { lo = min(lo, v); hi = max(hi, v) }
        if !(lo.isFinite && hi.isFinite) { lo = 0.1; hi = 10 }
        var llo = log10(lo), lhi = log10(hi)
        if lhi - llo < 1e-9 { llo -= 0.5; lhi += 0.5 } else { let s = lhi - llo; llo -= s * pad; lhi += s * pad }
        var axis = Axis(lo: pow(10, llo), hi: pow(10, lhi), scale: .log)
        let e0 = Int(floor(llo)), e1 = Int(ceil(lhi))
        let decades = Array(e0...e1).filter { Double($0) >= llo - 1e-9 && Double($0) <= lhi + 1e-9 }
        if decades.count >= 2 {
            let every = max(1, Int((Double(decades.count) / 7).rounded(.up)))
            for e in decades where (e - decades[0]) % every == 0 {
                axis.ticks.append(pow(10, Double(e))); axis.labels.append(NumberFormat.decade(e))
            }
        } else {
            // less than two decades in view: 1-2-5 ticks within each decade, else 1...9
            for mantissas in [[1.0, 2.0, 5.0], [1.0, 2, 3, 4, 5, 6, 7, 8, 9]] {
                axis.ticks = []; axis.labels = []
                for e in e0...e1 {
                    for m in mantissas {
                        let v = m * pow(10, Double(e))
                        let lv = log10(v)
                        if lv >= llo - 1e-9 && lv <= lhi + 1e-9 {
                            axis.ticks.append(v); axis.labels.append(NumberFormat.short(v, digits: 2))
                        }
                    }
                }
                if axis.ticks.count >= 3 { break }
            }
            if axis.ticks.count < 3 {
                // a narrow range: plain 1-2-5 steps, placed on the log axis
                let lin = Axis.linear(lo: axis.lo, hi: axis.hi, pad: 0, targetTicks: 4)
                axis.ticks = lin.ticks.filter { $0 > 0 }
                axis.labels = zip(lin.ticks, lin.labels).filter { $0.0 > 0 }.map(\.1)
            }
        }
        return axis
    }

    /// The nearest of 1, 2, 5 × 10^k at or above `raw`.
    static func niceStep(_ raw: Double) -> Double {
        guard raw.isFinite, raw > 0 else { return 1 }
        let e = floor(log10(raw))
        let base = pow(10, e)
        let m = raw / base
        let nice: Double = m <= 1.0001 ? 1 : m <= 2.0001 ? 2 : m <= 5.0001 ? 5 : 10
        return nice * base
    }
}

/// Splits values into the finite ones and a count of the rest.
enum Finite {
    static func count(_ values: [Double]) -> Int { values.reduce(0) { $0 + ($1.isFinite ? 0 : 1) } }
}
