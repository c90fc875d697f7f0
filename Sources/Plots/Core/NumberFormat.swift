// NumberFormat.swift — short, locale-free number strings for tick labels, SVG coordinates and
// terminal axis labels (never "-0", never 17 digits).
import Foundation

enum NumberFormat {
    /// A coordinate with one decimal: "12.3", "-0.5", "40". Compact and exact enough for SVG.
    static func coord(_ v: Double) -> String {
        guard v.isFinite else { return "0" }
        let t = clampInt((v * 10).rounded())
        if t % 10 == 0 { return String(t / 10) }
        let sign = t < 0 ? "-" : ""
        let a = abs(t)
        return "\(sign)\(a / 10).\(a % 10)"
    }

    /// `v` with exactly `decimals` digits after the point, without a "-0".
    static func fixed(_ v: Double, decimals: Int) -> String {
        let s = String(format: "%.\(max(0, decimals))f", v)
        if s.hasPrefix("-"), s.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) { return String(s.dropFirst()) }
        return s
    }

    /// A tick label for value `v` on an axis whose ticks are `step` apart.
    static func tick(_ v: Double, step: Double) -> String {
        guard v.isFinite else { return "?" }
        if abs(v) < step * 1e-9 { return "0" }
        let mag = max(abs(v), step)
        if mag >= 1e5 || step < 1e-4 { return scientific(v, step: step) }
        let decimals = max(0, clampInt(-floor(log10(step) + 1e-9)))
        return fixed(v, decimals: min(decimals, 6))
    }

    /// "2e-5", "1.5e6": mantissa digits enough to tell neighbours `step` apart.
    static func scientific(_ v: Double, step: Double) -> String {
        guard v != 0 else { return "0" }
        let e = clampInt(floor(log10(abs(v))))
        let mant = scaled(v, e), stepMant = scaled(step, e)
        let decimals = stepMant >= 1 || !(stepMant > 0) ? 0 : min(3, max(0, clampInt(-floor(log10(stepMant) + 1e-9))))
        var m = fixed(mant, decimals: decimals)
        if m.contains(".") { while m.hasSuffix("0") { m.removeLast() }; if m.hasSuffix(".") { m.removeLast() } }
        return "\(m)e\(e)"
    }

    /// v / 10^e without overflow or underflow of 10^e near the ends of Double.
    static func scaled(_ v: Double, _ e: Int) -> Double {
        e < -290 ? (v * 1e300) / pow(10, Double(e + 300)) : v / pow(10, Double(e))
    }

    /// A value for a label with about `digits` significant digits: "0.0123", "1.23e-5", "4210".
    static func short(_ v: Double, digits: Int = 3) -> String {
        guard v.isFinite else { return v.isNaN ? "nan" : (v > 0 ? "inf" : "-inf") }
        if v == 0 { return "0" }
        let a = abs(v)
        if a >= 1e5 || a < 1e-3 {
            return scientific(v, step: a * pow(10, Double(1 - digits)))
        }
        let e = clampInt(floor(log10(a)))
        let decimals = max(0, digits - 1 - e)
        var s = fixed(v, decimals: decimals)
        if s.contains(".") { while s.hasSuffix("0") { s.removeLast() }; if s.hasSuffix(".") { s.removeLast() } }
        return s
    }

    /// A decade label for a log axis: "0.01", "1", "1000", "1e-5", "1e6".
    static func decade(_ e: Int) -> String {
        if e >= 0 && e <= 4 { return String(Int(pow(10, Double(e)).rounded())) }
        if e < 0 && e >= -3 { return "0." + String(repeating: "0", count: -e - 1) + "1" }
        return "1e\(e)"
    }
}

/// `Int(v)` that cannot trap: NaN → 0, magnitudes beyond ±1e9 clamped (pixel and bin indices
/// never need more; absurd input must not crash a chart).
@inline(__always)
func clampInt(_ v: Double) -> Int {
    guard !v.isNaN else { return 0 }
    return Int(max(-1e9, min(1e9, v)))
}
