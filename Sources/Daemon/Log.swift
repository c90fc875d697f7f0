// Log.swift — one line per event that matters, to stderr (journald keeps it under systemd):
//   2026-11-23T19:30:00.123Z info job started job=j3 kind=train backend=cpu
// Messages are lowercase; metadata is key=value, values with spaces are quoted.
import Foundation

public final class Logger: @unchecked Sendable {
    public var level: LogLevel
    private let lock = NSLock()
    private let formatter: ISO8601DateFormatter

    public init(level: LogLevel) {
        self.level = level
        formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    }

    public func log(_ l: LogLevel, _ message: String, _ meta: KeyValuePairs<String, Any?> = [:]) {
        guard l >= level else { return }
        var line = "\(formatter.string(from: Date())) \(l.rawValue) \(message)"
        for (k, v) in meta {
            guard let v else { continue }
            line += " \(k)=\(Logger.quote("\(v)"))"
        }
        line += "\n"
        lock.lock()
        FileHandle.standardError.write(Data(line.utf8))
        lock.unlock()
    }

    public func debug(_ m: String, _ meta: KeyValuePairs<String, Any?> = [:]) { log(.debug, m, meta) }
    public func info(_ m: String, _ meta: KeyValuePairs<String, Any?> = [:]) { log(.info, m, meta) }
    public func warn(_ m: String, _ meta: KeyValuePairs<String, Any?> = [:]) { log(.warn, m, meta) }
    public func error(_ m: String, _ meta: KeyValuePairs<String, Any?> = [:]) { log(.error, m, meta) }

    static func quote(_ s: String) -> String {
        let flat = s.replacingOccurrences(of: "\n", with: " ")
        if flat.isEmpty || flat.contains(" ") || flat.contains("=") || flat.contains("\"") {
            return "\"" + flat.replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        return flat
    }
}
