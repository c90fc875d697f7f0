// CSVFormat.swift — reading and writing the CSV files of user data and samples.
//
// Reading: a header row of column names, then one row per point, comma separated. Fields are
// trimmed of spaces and of surrounding double quotes (commas inside quotes are not supported;
// numeric data never needs them). Blank lines are skipped but counted, so messages give the
// real line number: "data.csv:17: column 'x2': 'abc' is not a number".
import Foundation

/// A parsed CSV table: the header and the rows with their 1-based line numbers.
struct CSVTable {
    var header: [String]
    var rows: [(line: Int, fields: [String])]
}

enum CSVFormat {
    /// Splits `text` (the contents of `path`) into header and rows, checking column counts.
    static func parse(_ text: String, path: String) throws -> CSVTable {
        var header: [String]? = nil
        var rows: [(line: Int, fields: [String])] = []
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = Substring(rawLine)
            if line.hasSuffix("\r") { line = line.dropLast() }
            if lineNumber == 1, line.hasPrefix("\u{FEFF}") { line = line.dropFirst() }
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(cleanField)
            if let header {
                guard fields.count == header.count else {
                    throw DataError("\(path):\(lineNumber): expected \(header.count) columns as in the header, found \(fields.count)")
                }
                rows.append((lineNumber, fields))
            } else {
                for (i, name) in fields.enumerated() {
                    if name.isEmpty { throw DataError("\(path):\(lineNumber): header column \(i + 1) has no name") }
                    if fields[..<i].contains(name) { throw DataError("\(path):\(lineNumber): header names column '\(name)' twice") }
                }
                header = fields
            }
        }
        guard let header else { throw DataError("\(path): empty file (expected a header row of column names)") }
        guard !rows.isEmpty else { throw DataError("\(path): no data rows after the header") }
        return CSVTable(header: header, rows: rows)
    }

    static func cleanField(_ s: Substring) -> String {
        var t = s.trimmingCharacters(in: .whitespaces)
        if t.count >= 2, t.hasPrefix("\""), t.hasSuffix("\"") { t = String(t.dropFirst().dropLast()) }
        return t
    }

    /// A finite Float from a field, or an error naming file, line and column.
    static func number(_ field: String, path: String, line: Int, column: String) throws -> Float {
        guard let v = Float(field) else {
            throw DataError("\(path):\(line): column '\(column)': '\(field)' is not a number")
        }
        guard v.isFinite else {
            throw DataError("\(path):\(line): column '\(column)': '\(field)' is not a finite number")
        }
        return v
    }

    /// A non-negative integer class label from a field.
    static func label(_ field: String, path: String, line: Int, column: String) throws -> Int {
        if let v = Int(field), v >= 0 { return v }
        if let f = Double(field), f.isFinite, f >= 0, f == f.rounded(), f < 1e9 { return Int(f) }  // "3.0"
        throw DataError("\(path):\(line): column '\(column)': '\(field)' is not a class label (a non-negative integer)")
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
