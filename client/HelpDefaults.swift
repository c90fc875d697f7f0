// HelpDefaults.swift — the defaults `--help` shows, taken from DiffProtocol's SpecDefaults (the
// table the daemon's resolution is tested against), never copied by hand into help strings; and
// the wrapping that keeps help text within 80 columns.
import DiffProtocol
import Foundation

/// `options` with "(default: V)" added to each option whose spec key has a default in `table`
/// (or a note in `notes`), unless its help already says what its default is.
func showingDefaults(_ options: [OptionSpec], _ table: [String: JSONValue], notes: [String: String] = [:]) -> [OptionSpec] {
    options.map { o in
        guard !o.help.contains("default") else { return o }
        var o = o
        let value = table[o.key].map(defaultText)
        switch (value, notes[o.key]) {
        case let (v?, n?): o.help += " (default: \(v), \(n))"
        case let (v?, nil): o.help += " (default: \(v))"
        case let (nil, n?): o.help += " (default: \(n))"
        default: break
        }
        return o
    }
}

private func defaultText(_ v: JSONValue) -> String {
    switch v {
    case .bool(let b): return b ? "on" : "off"
    case .array(let items): return items.map(\.displayText).joined(separator: " ")
    default: return v.displayText
    }
}

/// The per-sampler step and spacing defaults, in words (sample --steps / --spacing).
var sampleStepsNote: String {
    let order = ["ddim", "dpm++2m", "edm-heun", "ddpm"]
    return "by sampler: " + order.compactMap { s in SpecDefaults.sampleSteps[s].map { "\(s) \($0)" } }.joined(separator: ", ") + ", …"
}

/// `text` broken at spaces into lines of at most `width` characters (a longer word stays whole).
func wrapped(_ text: String, width: Int) -> [String] {
    var lines: [String] = []
    for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
        var line = ""
        for word in paragraph.split(separator: " ") {
            if line.isEmpty { line = String(word) } else if line.count + 1 + word.count <= width { line += " " + word } else {
                lines.append(line); line = String(word)
            }
        }
        lines.append(line)
    }
    return lines
}
