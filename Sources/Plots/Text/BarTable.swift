// BarTable.swift — a horizontal bar table: one row per label, bars in eighths of a cell
// (▏▎▍▌▋▊▉█), the value printed after the bar, an optional reference bar (░) under each row.
import Foundation

extension TextPlot {
    static let eighths: [Character] = ["▏", "▎", "▍", "▌", "▋", "▊", "▉", "█"]

    /// Bars scaled so the largest |value| (or reference) fills `width` cells; negative values draw
    /// no bar. Values use `digits` significant digits. With `reference`, each row gets a second
    /// line with the reference value as a ░ bar (e.g. the data's share beside the samples').
    public static func bars<T: BinaryFloatingPoint>(labels: [String], values: [T], reference: [T]? = nil,
                                                    width: Int = 40, digits: Int = 3, useColor: Bool = false,
                                                    color: Color = .cyan, referenceName: String? = nil) -> String {
        let vals = values.doubles, refs = reference?.doubles
        let rows = min(labels.count, vals.count)
        guard rows > 0 else { return "" }
        let w = max(1, width)
        let peak = ((vals + (refs ?? [])).filter(\.isFinite).map { max(0, $0) }.max() ?? 0)
        let labelWidth = labels.prefix(rows).map(\.count).max() ?? 0
        func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(0, n - s.count)) }
        func bar(_ v: Double, solid: Bool) -> String {
            guard v.isFinite, v > 0, peak > 0 else { return String(repeating: " ", count: w) }
            let units = clampInt((v / peak * Double(w * 8)).rounded())
            var s: String
            if solid {
                s = String(repeating: "█", count: units / 8)
                if units % 8 > 0 { s.append(eighths[units % 8 - 1]) }
                if s.isEmpty { s = "▏" }  // a positive value is never invisible
            } else {
                s = String(repeating: "░", count: max(1, (units + 4) / 8))
            }
            return pad(s, w)
        }
        var lines: [String] = []
        for i in 0..<rows {
            let v = vals[i]
            lines.append(pad(labels[i], labelWidth) + " │" + color.wrap(bar(v, solid: true), enabled: useColor) + " " +
                         NumberFormat.short(v, digits: digits))
            if let refs, i < refs.count {
                let tag = referenceName.map { " (\($0))" } ?? ""
                lines.append(String(repeating: " ", count: labelWidth) + " │" + bar(refs[i], solid: false) + " " +
                             NumberFormat.short(refs[i], digits: digits) + tag)
            }
        }
        return lines.joined(separator: "\n")
    }
}
