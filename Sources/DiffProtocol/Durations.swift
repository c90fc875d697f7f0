// Durations.swift — durations as people type them: "30d", "12h", "90m", "45s", "2w", or a bare
// number of days ("30"). "0" means zero (for job_retention: keep forever). Shared by the daemon's
// job_retention key and `diffctl prune --older-than`.
import Foundation

public enum Durations {
    static let units: [(suffix: String, seconds: Double)] = [("w", 604_800), ("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)]

    /// Seconds, or nil when the text is not a non-negative finite duration.
    public static func parse(_ raw: String) -> Double? {
        let text = raw.trimmingCharacters(in: .whitespaces).lowercased()
        guard !text.isEmpty else { return nil }
        var number = Substring(text), scale = 86_400.0
        if let unit = units.first(where: { text.hasSuffix($0.suffix) }) {
            number = text.dropLast(unit.suffix.count)
            scale = unit.seconds
        }
        guard let n = Double(number), n.isFinite, n >= 0 else { return nil }
        let seconds = n * scale
        return seconds.isFinite ? seconds : nil
    }

    /// The largest whole unit that fits: 2592000 → "30d", 5400 → "90m", 0 → "0".
    public static func format(_ seconds: Double) -> String {
        if seconds == 0 { return "0" }
        for u in units where seconds >= u.seconds && (seconds / u.seconds).rounded() == seconds / u.seconds {
            return "\(Int(seconds / u.seconds))\(u.suffix)"
        }
        return String(format: "%gs", seconds)
    }
}
