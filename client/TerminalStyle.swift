// TerminalStyle.swift — how diffctl's human output meets a terminal: colour only on a terminal and
// never with NO_COLOR (https://no-color.org) or --no-color; the width that tables, bars and lines
// fit (COLUMNS, else the terminal's, else 80) — too long is truncated with "…", never wrapped.
import Foundation

/// Set by --no-color (anywhere on the line).
nonisolated(unsafe) var noColorFlag = false

/// Colour (ANSI sequences) only to a terminal, and only when nobody asked for none.
var useColor: Bool {
    if noColorFlag { return false }
    if let v = ProcessInfo.processInfo.environment["NO_COLOR"], !v.isEmpty { return false }
    return stdoutIsTerminal
}

/// The width human output must fit: on a terminal, or whenever COLUMNS says; nil (no limit) when
/// piped without COLUMNS, so that a script's grep sees whole lines.
var outputWidth: Int? {
    if let c = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init), c > 0 { return c }
    return stdoutIsTerminal ? terminalWidth() : nil
}

/// Each line of `text` cut to `width` characters (the last one "…").
func fitted(_ text: String, width: Int? = outputWidth) -> String {
    guard let width, width > 1 else { return text }
    return text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
        line.count <= width ? String(line) : String(line.prefix(width - 1)) + "…"
    }.joined(separator: "\n")
}

/// `cell` cut to `width` characters: a path keeps its end (the file name), anything else its start.
func truncatedCell(_ cell: String, _ width: Int) -> String {
    guard cell.count > width, width >= 1 else { return cell }
    if width == 1 { return "…" }
    let isPath = cell.contains("/") && cell.contains(where: \.isLetter)   // not "300/300"
    return isPath ? "…" + String(cell.suffix(width - 1)) : String(cell.prefix(width - 1)) + "…"
}

/// How many leading columns fit `limit` at all (each at least `floor` wide or its own width):
/// the columns after them are left out rather than cut to nothing.
func fittingColumnCount(_ widths: [Int], limit: Int?, gap: Int = 2, floor: Int = 6) -> Int {
    guard let limit else { return widths.count }
    var used = 0
    for (i, w) in widths.enumerated() {
        used += min(w, floor) + (i > 0 ? gap : 0)
        if used > limit { return max(1, i) }
    }
    return widths.count
}

/// Column widths that fit `limit` (columns separated by `gap` spaces): the widest columns give
/// way first, none below `floor` characters (or its own width, if narrower).
func fittedWidths(_ widths: [Int], limit: Int?, gap: Int = 2, floor: Int = 6) -> [Int] {
    guard let limit else { return widths }
    var w = widths
    let budget = limit - gap * max(0, w.count - 1)
    while w.reduce(0, +) > budget {
        guard let i = w.indices.filter({ w[$0] > floor }).max(by: { w[$0] < w[$1] }) else { break }
        w[i] -= 1
    }
    return w
}

/// The width to ask the daemon's previews for: its plots add axis labels (about 7 columns) to the
/// width they are given.
func previewRequestWidth() -> Int { max(20, min((outputWidth ?? terminalWidth()) - 10, 100)) }

/// Like `fitted`, for text that may hold ANSI colour sequences: only visible characters count,
/// and a cut line ends with a colour reset.
func fittedKeepingColor(_ text: String, width: Int? = outputWidth) -> String {
    guard let width, width > 1 else { return text }
    let ansi = "\u{1B}\\[[0-9;]*[A-Za-z]"
    return text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
        let line = String(line)
        guard line.replacingOccurrences(of: ansi, with: "", options: .regularExpression).count > width else { return line }
        var out = "", visible = 0, inEscape = false
        for ch in line {
            if inEscape { out.append(ch); if ch.isLetter { inEscape = false }; continue }
            if ch == "\u{1B}" { inEscape = true; out.append(ch); continue }
            if visible == width - 1 { break }
            out.append(ch); visible += 1
        }
        return out + "…" + (line.contains("\u{1B}") ? "\u{1B}[0m" : "")
    }.joined(separator: "\n")
}
