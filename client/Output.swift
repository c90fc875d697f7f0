// Output.swift — exit codes, error messages, JSON printing and small text helpers for diffctl.
import DiffProtocol
import Foundation

/// diffctl's exit codes, one per failure class.
enum ExitCode: Int32 {
    case ok = 0
    case jobFailed = 1        // the followed job failed
    case usage = 2            // bad command line
    case noDaemon = 3         // cannot reach a daemon (or it went away)
    case rejected = 4         // the daemon refused the request (invalid parameter, unknown job, ...)
    case jobCancelled = 5     // the followed job was cancelled
    case protocolError = 6    // unexpected reply, I/O failure
    case detached = 130       // Ctrl-C on follow: the job keeps running
}

struct ClientFailure: Error {
    var code: ExitCode
    var message: String
}

func fail(_ code: ExitCode, _ message: String) -> ClientFailure { ClientFailure(code: code, message: message) }

func printError(_ message: String) {
    FileHandle.standardError.write(Data("diffctl: \(message)\n".utf8))
}

/// A footnote for a person, on stderr, so that stdout stays what scripts parse.
func printNote(_ message: String) {
    FileHandle.standardError.write(Data("\(message)\n".utf8))
}

/// Print one value as a line of compact JSON.
func printJSON<T: Encodable>(_ value: T) {
    var data = Wire.line(value)
    if data.last == 0x0A { data.removeLast() }
    print(String(decoding: data, as: UTF8.self))
    fflush(stdout)
}

/// Pretty JSON (show --json).
func printPrettyJSON<T: Encodable>(_ value: T) {
    let enc = JSONEncoder()
    enc.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    if let d = try? enc.encode(value) { print(String(decoding: d, as: UTF8.self)) }
}

var stdoutIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }

/// COLUMNS when set (as `COLUMNS=80 diffctl ...` asks), else the terminal's width, else 80.
func terminalWidth() -> Int {
    if let c = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init), c > 0 { return c }
    var ws = winsize()
    if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_col > 0 { return Int(ws.ws_col) }
    return 80
}

func formatDuration(_ seconds: Double) -> String {
    guard seconds.isFinite, seconds >= 0 else { return "?" }
    let s = Int(seconds.rounded())
    if s >= 3600 { return String(format: "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60) }
    return String(format: "%d:%02d", s / 60, s % 60)
}

func formatTime(_ t: Double?) -> String {
    guard let t else { return "-" }
    let f = DateFormatter()
    f.dateFormat = "yyyy-MM-dd HH:mm:ss"
    return f.string(from: Date(timeIntervalSince1970: t))
}

func formatNumber(_ v: Double) -> String {
    if v == v.rounded() && abs(v) < 1e9 { return String(Int64(v)) }
    let a = abs(v)
    if a >= 1e4 || a < 1e-3 { return String(format: "%.4g", v) }
    return String(format: "%.4f", v)
}

/// ▁▂▃▄▅▆▇█ of the values, scaled to their own range.
func sparkline(_ values: [Double], width: Int) -> String {
    let v = Array(values.suffix(width)).filter(\.isFinite)
    guard let lo = v.min(), let hi = v.max() else { return "" }
    let bars = Array("▁▂▃▄▅▆▇█")
    return String(v.map { x in hi > lo ? bars[min(7, Int((x - lo) / (hi - lo) * 7.999))] : bars[3] })
}

/// An aligned text table; numeric-looking columns are right-aligned. It fits `limit` columns
/// (default: the output width less `indent`): the widest columns are truncated, rows never wrap.
func table(_ header: [String], _ rows: [[String]], indent: Int = 0, limit: Int? = outputWidth) -> String {
    var width = header.map(\.count)
    for r in rows { for c in 0..<min(header.count, r.count) { width[c] = max(width[c], r[c].count) } }
    // columns that cannot fit even when cut are left out (the rightmost first)
    let cols = fittingColumnCount(width, limit: limit.map { $0 - indent })
    width = fittedWidths(Array(width.prefix(cols)), limit: limit.map { $0 - indent })
    let header = header.prefix(cols).enumerated().map { truncatedCell($0.element, width[$0.offset]) }
    let rows = rows.map { r in r.prefix(cols).enumerated().map { truncatedCell($0.element, width[$0.offset]) } }
    let numeric = (0..<cols).map { c in !rows.isEmpty && rows.allSatisfy { r in c < r.count && (Double(r[c].replacingOccurrences(of: "%", with: "")) != nil || r[c] == "-") } }
    func line(_ cells: [String]) -> String {
        (0..<cols).map { c in
            let s = c < cells.count ? cells[c] : ""
            let pad = String(repeating: " ", count: max(0, width[c] - s.count))
            return numeric[c] ? pad + s : s + pad
        }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
    }
    return ([line(header)] + rows.map(line)).joined(separator: "\n")
}

/// Two aligned columns without a header ("key  value" lines), values cut to fit the output width.
func keyValueTable(_ rows: [[String]], indent: Int = 0) -> String {
    let w = rows.map { $0[0].count }.max() ?? 0
    let valueWidth = outputWidth.map { max(8, $0 - indent - w - 2) } ?? Int.max
    return rows.map { $0[0].padding(toLength: w, withPad: " ", startingAt: 0) + "  " + truncatedCell($0[1], valueWidth) }.joined(separator: "\n")
}

/// Text from the daemon (previews) as this terminal should see it: ANSI colours only on a terminal.
/// (none with NO_COLOR or --no-color, TerminalStyle).
func forTerminal(_ text: String) -> String {
    useColor ? text : text.replacingOccurrences(of: "\u{1B}\\[[0-9;]*m", with: "", options: .regularExpression)
}
