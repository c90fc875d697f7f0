// CSVFormat.swift — reading and writing the CSV files of user data and samples.
//
// Reading: a header row of column names, then one row per point, comma separated. Fields are
// trimmed of spaces and of surrounding double quotes (commas inside quotes are not supported;
// numeric data never needs them). Blank lines are skipped but counted, so messages give the
// real line number: "data.csv:17: column 'x2': 'abc' is not a number".
import Foundation

/// A parsed CSV table: the header and the rows with their 1-based line numbers; each field is
/// a (trimmed, unquoted) byte range of `bytes`.
struct CSVTable {
    var bytes: [UInt8]
    var header: [String]
    var rows: [(line: Int, fields: [Range<Int>])]

    func text(_ field: Range<Int>) -> String { String(decoding: bytes[field], as: UTF8.self) }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

enum CSVFormat {
    /// Splits the contents of `path` into header and rows, checking column counts.
    static func parse(_ data: Data, path: String) throws -> CSVTable {
        guard String(data: data, encoding: .utf8) != nil else { throw DataError("\(path): not UTF-8 text") }
        // split on bytes: a String treats "\r\n" as one Character and is slow on big files
        var b = [UInt8](data)
        if b.starts(with: [0xEF, 0xBB, 0xBF]) { b.removeFirst(3) }   // UTF-8 byte order mark
        var header: [String]? = nil
        var rows: [(line: Int, fields: [Range<Int>])] = []
        var lineNumber = 0
        var start = 0
        var fields: [Range<Int>] = []
        while start <= b.count {
            var end = start
            while end < b.count && b[end] != 0x0A { end += 1 }
            if end == b.count && start == end { break }              // nothing after the last newline
            lineNumber += 1
            var stop = end
            if stop > start && b[stop - 1] == 0x0D { stop -= 1 }
            let lineStart = start
            start = end + 1
            if b[lineStart..<stop].allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            fields.removeAll(keepingCapacity: true)
            var f = lineStart
            for i in lineStart...stop where i == stop || b[i] == 0x2C {
                fields.append(clean(b, f..<i))
                f = i + 1
            }
            if let header {
                guard fields.count == header.count else {
                    throw DataError("\(path):\(lineNumber): expected \(header.count) columns as in the header, found \(fields.count)")
                }
                rows.append((lineNumber, fields))
            } else {
                let names = fields.map { String(decoding: b[$0], as: UTF8.self) }
                for (i, name) in names.enumerated() {
                    if name.isEmpty { throw DataError("\(path):\(lineNumber): header column \(i + 1) has no name") }
                    if names[..<i].contains(name) { throw DataError("\(path):\(lineNumber): header names column '\(name)' twice") }
                }
                header = names
            }
        }
        guard let header else { throw DataError("\(path): empty file (expected a header row of column names)") }
        guard !rows.isEmpty else { throw DataError("\(path): no data rows after the header") }
        return CSVTable(bytes: b, header: header, rows: rows)
    }

    /// The field without surrounding spaces/tabs and one pair of surrounding double quotes.
    static func clean(_ b: [UInt8], _ r: Range<Int>) -> Range<Int> {
        var lo = r.lowerBound, hi = r.upperBound
        while lo < hi && (b[lo] == 0x20 || b[lo] == 0x09) { lo += 1 }
        while hi > lo && (b[hi - 1] == 0x20 || b[hi - 1] == 0x09) { hi -= 1 }
        if hi - lo >= 2 && b[lo] == 0x22 && b[hi - 1] == 0x22 { lo += 1; hi -= 1 }
        return lo..<hi
    }

    /// A finite Float from a field, or an error naming file, line and column.
    static func number(_ table: CSVTable, _ field: Range<Int>, path: String, line: Int, column: String) throws -> Float {
        guard let v = parseFloat(table.bytes, field) else {
            throw DataError("\(path):\(line): column '\(column)': '\(table.text(field))' is not a number")
        }
        guard v.isFinite else {
            throw DataError("\(path):\(line): column '\(column)': '\(table.text(field))' is not a finite number")
        }
        return v
    }

    /// strtof over the whole field (C locale: '.' is the decimal point); nil unless every byte is used.
    static func parseFloat(_ b: [UInt8], _ r: Range<Int>) -> Float? {
        let n = r.count
        guard n > 0, n < 128 else { return n >= 128 ? Float(String(decoding: b[r], as: UTF8.self)) : nil }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: n + 1) { buf -> Float? in
            for i in 0..<n { buf[i] = CChar(bitPattern: b[r.lowerBound + i]) }
            buf[n] = 0
            var end: UnsafeMutablePointer<CChar>? = nil
            let v = strtof(buf.baseAddress!, &end)
            guard let end, end == buf.baseAddress! + n, !(buf[0] == 0x20 || buf[0] == 0x09) else { return nil }
            return v
        }
    }

    /// A non-negative integer class label from a field.
    static func label(_ table: CSVTable, _ field: Range<Int>, path: String, line: Int, column: String) throws -> Int {
        let text = table.text(field)
        if let v = Int(text), v >= 0 { return v }
        if let f = Double(text), f.isFinite, f >= 0, f == f.rounded(), f < 1e9 { return Int(f) }  // "3.0"
        throw DataError("\(path):\(line): column '\(column)': '\(text)' is not a class label (a non-negative integer)")
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
