// Errors.swift — the one error type of the wire: a code a program can switch on and a message a
// person can read. Codes are open strings so an unknown code from a newer daemon decodes fine.
import Foundation

public struct ErrorCode: RawRepresentable, Codable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ raw: String) { self.rawValue = raw }
    public var description: String { rawValue }

    public init(from decoder: Decoder) throws {
        rawValue = (try? decoder.singleValueContainer().decode(String.self)) ?? "unknown"
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }

    /// the line is not JSON (or not UTF-8)
    public static let badJSON = ErrorCode("bad_json")
    /// the line exceeds `Wire.maxMessageBytes`
    public static let messageTooLarge = ErrorCode("message_too_large")
    /// the `type` field names no known request
    public static let unknownType = ErrorCode("unknown_type")
    /// a required field is missing or has the wrong type
    public static let invalidRequest = ErrorCode("invalid_request")
    /// a job parameter is out of range, unknown or inconsistent
    public static let invalidParameter = ErrorCode("invalid_parameter")
    /// a job, model or file does not exist
    public static let notFound = ErrorCode("not_found")
    /// the request conflicts with the job's state (e.g. removing a running job)
    public static let conflict = ErrorCode("conflict")
    /// the client speaks a protocol version the daemon does not
    public static let versionMismatch = ErrorCode("version_mismatch")
    /// a request arrived before `hello`
    public static let helloRequired = ErrorCode("hello_required")
    /// the peer is not allowed to use this daemon
    public static let permissionDenied = ErrorCode("permission_denied")
    /// the daemon is shutting down and accepts no new jobs
    public static let shuttingDown = ErrorCode("shutting_down")
    /// the job would need more memory than the daemon's budget allows
    public static let tooLarge = ErrorCode("too_large")
    /// the connection sat silent too long (no hello within hello_timeout, or idle_timeout)
    public static let timedOut = ErrorCode("timed_out")
    /// the client left too many messages unread; the daemon dropped the connection
    public static let fellBehind = ErrorCode("fell_behind")
    /// anything else that went wrong inside the daemon
    public static let internalError = ErrorCode("internal")
}

public struct ProtocolError: Error, Codable, Equatable, Sendable, CustomStringConvertible {
    public var code: ErrorCode
    public var message: String
    /// the offending parameter or field, when there is one
    public var field: String?

    public init(_ code: ErrorCode, _ message: String, field: String? = nil) {
        self.code = code; self.message = message; self.field = field
    }
    public var description: String { message }
}
