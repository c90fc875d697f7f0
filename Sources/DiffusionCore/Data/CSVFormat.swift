// CSVFormat.swift — the CSV files of user data and samples: field conversion with messages that
// name file, line and column (quoting only a short sanitized snippet of the field), and writing.
//
// Reading (rows come from CSVReader): a header row of column names, then one row per point, comma separated. Fields are
// trimmed of spaces and of surrounding double quotes (commas inside quotes are not supported;
// numeric data never needs them). Blank lines are skipped but counted, so messages give the
// real line number: "data.csv:17: column 'x2': 'abc' is not a number".
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

enum CSVFormat {
    /// the largest class label a file may hold (as for a sample job's classLabel)
    static let maxLabel = 100_000

    /// Text of a file's field for an error message: at most 24 printable ASCII characters, others
    /// shown as '?', so a message never carries more than a short, harmless piece of a file.
    static func snippet(_ b: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> String {
        var out = ""
        for i in r.prefix(24) { out.append(b[i] >= 0x20 && b[i] < 0x7F ? Character(Unicode.Scalar(b[i])) : "?") }
        return out + (r.count > 24 ? "…" : "")
    }

    /// A header name (or a list of them) as shown in messages: sanitized like `snippet`.
    static func shown(_ name: String) -> String {
        let bytes = Array(name.utf8)
        return bytes.withUnsafeBufferPointer { snippet($0, 0..<$0.count) }
    }

    static func shown(columns: [String]) -> String {
        let list = columns.prefix(16).map { "'\(shown($0))'" }.joined(separator: ", ")
        return columns.count > 16 ? list + ", … (\(columns.count) columns)" : list
    }

    /// A finite Float from a field, or an error naming file, line and column.
    static func number(_ b: UnsafeBufferPointer<UInt8>, _ field: Range<Int>, path: String, line: Int, column: String) throws -> Float {
        guard let v = parseFloat(b, field) else {
            throw DataError("\(path):\(line): column '\(shown(column))': '\(snippet(b, field))' is not a number")
        }
        guard v.isFinite else {
            throw DataError("\(path):\(line): column '\(shown(column))': '\(snippet(b, field))' is not a finite number")
        }
        return v
    }

    /// strtof over the whole field (C locale: '.' is the decimal point); nil unless every byte is used.
    static func parseFloat(_ b: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> Float? {
        let n = r.count
        guard n > 0, n < 128 else { return n >= 128 ? Float(String(decoding: UnsafeBufferPointer(rebasing: b[r]), as: UTF8.self)) : nil }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: n + 1) { buf -> Float? in
            for i in 0..<n { buf[i] = CChar(bitPattern: b[r.lowerBound + i]) }
            buf[n] = 0
            var end: UnsafeMutablePointer<CChar>? = nil
            let v = strtof(buf.baseAddress!, &end)
            guard let end, end == buf.baseAddress! + n, !(buf[0] == 0x20 || buf[0] == 0x09) else { return nil }
            return v
        }
    }

    /// A class label 0...maxLabel from a field ("3" or "3.0"); huge values are out of range, not a trap.
    static func label(_ b: UnsafeBufferPointer<UInt8>, _ field: Range<Int>, path: String, line: Int, column: String) throws -> Int {
        let text = String(decoding: UnsafeBufferPointer(rebasing: b[field]), as: UTF8.self)
        let value: Double?
        if let v = Int(text) { value = Double(v) } else if let f = Double(text), f.isFinite, f == f.rounded() { value = f } else { value = nil }
        guard let value, value >= 0 else {
            throw DataError("\(path):\(line): column '\(shown(column))': '\(snippet(b, field))' is not a class label (a non-negative integer)")
        }
        guard value <= Double(maxLabel) else {
            throw DataError("\(path):\(line): column '\(shown(column))': label '\(snippet(b, field))' is out of range (class labels are 0…\(maxLabel))")
        }
        return Int(value)
    }

    /// CSV text: header, then rows of points (n, dim) [+ label] [+ conditions (n, condDim)].
    static func render(points: [Float], dim: Int, columnNames: [String], labels: [Int]?, labelColumn: String,
                       conditions: [Float]?, condDim: Int, conditionNames: [String]) -> String {
        let n = points.count / dim
        var header = columnNames
        if labels != nil { header.append(labelColumn) }
        if conditions != nil { header += conditionNames }
        var out = header.joined(separator: ",") + "\n"
        out.reserveCapacity(n * (dim + condDim + 1) * 12)
        for i in 0..<n {
            var row = ""
            for d in 0..<dim {
                if d > 0 { row += "," }
                row += "\(points[i * dim + d])"
            }
            if let labels { row += ",\(labels[i])" }
            if let conditions {
                for c in 0..<condDim { row += ",\(conditions[i * condDim + c])" }
            }
            out += row
            out += "\n"
        }
        return out
    }
}
