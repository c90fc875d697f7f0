// Framing.swift — newline-delimited JSON framing with a per-message size limit. A line longer than
// the limit is reported once (with its size) and skipped up to its newline; the stream goes on.
import Foundation

public enum Wire {
    /// protocol version carried by `hello`
    public static let protocolVersion = 1
    /// largest accepted message, newline excluded
    public static let maxMessageBytes = 1 << 20

    /// One message as a line of compact JSON followed by "\n".
    public static func line<T: Encodable>(_ value: T) -> Data {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = (try? enc.encode(value)) ?? Data(#"{"type":"error","error":{"code":"internal","message":"encoding failed"}}"#.utf8)
        data.append(0x0A)
        return data
    }
}

public enum Frame: Equatable, Sendable {
    case line(Data)
    /// a line of `bytes` bytes (counted up to its newline, or so far) exceeded the limit
    case oversized(bytes: Int)
}

/// Splits a byte stream into lines, enforcing `limit`.
public struct LineFramer: Sendable {
    public let limit: Int
    private var buffer = Data()
    private var discarding = false   // inside an oversized line, skipping to its newline
    private var discarded = 0

    public init(limit: Int = Wire.maxMessageBytes) { self.limit = limit }

    /// Feed bytes; returns the complete frames they finish.
    public mutating func append(_ bytes: Data) -> [Frame] {
        var frames: [Frame] = []
        var rest = bytes[...]
        while !rest.isEmpty {
            if discarding {
                if let nl = rest.firstIndex(of: 0x0A) {
                    discarded += nl - rest.startIndex
                    frames.append(.oversized(bytes: discarded))
                    discarding = false; discarded = 0
                    rest = rest[(nl + 1)...]
                } else {
                    discarded += rest.count
                    rest = rest[rest.endIndex...]
                }
                continue
            }
            if let nl = rest.firstIndex(of: 0x0A) {
                let piece = rest[rest.startIndex..<nl]
                if buffer.count + piece.count > limit {
                    frames.append(.oversized(bytes: buffer.count + piece.count))
                } else {
                    buffer.append(contentsOf: piece)
                    frames.append(.line(buffer))
                }
                buffer = Data()
                rest = rest[(nl + 1)...]
            } else {
                if buffer.count + rest.count > limit {
                    discarding = true
                    discarded = buffer.count + rest.count
                    buffer = Data()
                } else {
                    buffer.append(contentsOf: rest)
                }
                rest = rest[rest.endIndex...]
            }
        }
        return frames
    }

    /// Bytes held for an unfinished line (for an end-of-stream check).
    public var pendingBytes: Int { discarding ? discarded : buffer.count }
}

extension Wire {
    /// The socket both sides use when none is configured: $XDG_RUNTIME_DIR/diffusiond.sock, or
    /// /tmp/diffusiond-<uid>/diffusiond.sock (a private directory the daemon creates) without it.
    public static func defaultSocketPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let dir = environment["XDG_RUNTIME_DIR"], !dir.isEmpty { return dir + "/diffusiond.sock" }
        return "/tmp/diffusiond-\(getuid())/diffusiond.sock"
    }
}
