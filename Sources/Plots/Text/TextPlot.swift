// TextPlot.swift — terminal renderings for the daemon to send to diffctl: braille scatter and
// line charts, sparklines and bar tables. Plain strings, deterministic for a given input, with
// ANSI colour only when asked for.
import Foundation

public enum TextPlot {
    /// ANSI foreground colours (SGR codes).
    public enum Color: String, Sendable, CaseIterable {
        case none, red, green, yellow, blue, magenta, cyan, gray
        var sgr: String? {
            switch self {
            case .none: return nil
            case .red: return "31"
            case .green: return "32"
            case .yellow: return "33"
            case .blue: return "34"
            case .magenta: return "35"
            case .cyan: return "36"
            case .gray: return "90"
            }
        }
        func wrap(_ s: String, enabled: Bool) -> String {
            guard enabled, let sgr, !s.isEmpty else { return s }
            return "\u{1B}[\(sgr)m\(s)\u{1B}[0m"
        }
    }

    /// How a series' points appear: braille dots (2×4 per cell), or one character per cell
    /// touched (coarser, but tells series apart without colour).
    public enum Mark: Equatable, Sendable {
        case braille
        case character(Character)
    }

    /// Points (x[i], y[i]) of one scatter series. Missing y/x pairs beyond the shorter array are ignored.
    public struct Series {
        public var name: String
        public var x: [Double]
        public var y: [Double]
        public var color: Color
        public var mark: Mark
        public init<T: BinaryFloatingPoint>(name: String, x: [T], y: [T], color: Color = .none, mark: Mark = .braille) {
            self.name = name; self.x = x.doubles; self.y = y.doubles; self.color = color; self.mark = mark
        }
        /// Columns xIndex, yIndex of row-major points `flat` (N, dimension).
        public init<T: BinaryFloatingPoint>(name: String, flat: [T], dimension: Int, xIndex: Int = 0, yIndex: Int = 1,
                                            color: Color = .none, mark: Mark = .braille) {
            let d = max(1, dimension), n = flat.count / d
            self.init(name: name, x: (0..<n).map { xIndex < d ? Double(flat[$0 * d + xIndex]) : 0 },
                      y: (0..<n).map { yIndex < d ? Double(flat[$0 * d + yIndex]) : 0 }, color: color, mark: mark)
        }
    }

    /// One line of a line chart: y[i] at x[i] (x defaults to 0, 1, 2, ...).
    public struct LineSeries {
        public var name: String
        public var x: [Double]
        public var y: [Double]
        public var color: Color
        public init<T: BinaryFloatingPoint>(name: String, y: [T], x: [T]? = nil, color: Color = .none) {
            self.name = name; self.y = y.doubles
            self.x = x?.doubles ?? (0..<y.count).map(Double.init)
            self.color = color
        }
    }

    /// The range [lo, hi] of the finite values (a constant value v gets v ± max(|v|/10, 1)/2,
    /// no values give 0...1).
    static func range(_ values: [Double], positiveOnly: Bool = false) -> (lo: Double, hi: Double) {
        var lo = Double.infinity, hi = -Double.infinity
        for v in values where v.isFinite && (!positiveOnly || v > 0) { lo = min(lo, v); hi = max(hi, v) }
        if !(lo.isFinite && hi.isFinite) { return positiveOnly ? (0.1, 10) : (0, 1) }
        if hi - lo <= max(abs(lo), abs(hi)) * 1e-12 {
            if positiveOnly { return (lo / 2, hi * 2) }
            let half = max(abs(lo) * 0.1, 1) * 0.5
            return (lo - half, hi + half)
        }
        return (lo, hi)
    }

    static func label(_ v: Double) -> String { NumberFormat.short(v, digits: 3) }
}
