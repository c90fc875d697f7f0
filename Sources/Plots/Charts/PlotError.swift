// PlotError.swift — the one error type of the Plots module: what is wrong and where.
import Foundation

public enum PlotError: Error, CustomStringConvertible, Equatable {
    /// two arrays that must pair up element by element have different lengths
    case lengthMismatch(chart: String, what: String, expected: Int, got: Int)
    /// a parameter outside its allowed range
    case invalid(chart: String, parameter: String, message: String)

    public var description: String {
        switch self {
        case let .lengthMismatch(chart, what, expected, got):
            return "\(chart): \(what) has \(got) values, expected \(expected)"
        case let .invalid(chart, parameter, message):
            return "\(chart): invalid \(parameter): \(message)"
        }
    }
}
