// DataError.swift — the one error type of data loading, sample files, checkpoints and the GMM
// baseline: a plain message that already names the file, line and column (or tensor) at fault.
import Foundation

public struct DataError: Error, CustomStringConvertible, LocalizedError, Equatable, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
    public var errorDescription: String? { message }
}
