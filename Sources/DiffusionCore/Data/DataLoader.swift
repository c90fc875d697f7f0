// DataLoader.swift — user data from .csv or .npy files into a Dataset, with errors that name the
// file, line and column at fault.
//
// CSV: a header row, then numeric rows. Every column is a data dimension except
//   - the label column (integer class labels 0, 1, ...): `labelColumn`, or "label" when
//     `labelColumn` is nil and the header has a column of that name;
//   - the conditioning columns named in `conditionColumns` (in that order) → `conditions`.
// NPY: a float32/float64 C-order array (n,) or (n, d); it has no named columns, so it cannot
//   carry labels or conditions (pass labelColumn nil and no conditionColumns).
import Foundation

public enum DataLoader {
    /// The default name of the label column of a CSV file.
    public static let defaultLabelColumn = "label"

    public static func load(path: String, labelColumn: String? = nil, conditionColumns: [String] = []) throws -> Dataset {
        let bytes = try readFile(path)
        switch (path as NSString).pathExtension.lowercased() {
        case "csv":
            return try loadCSV(bytes, path: path, labelColumn: labelColumn, conditionColumns: conditionColumns)
        case "npy":
            if let labelColumn {
                throw DataError("\(path): a .npy file has no named columns, so it cannot have the label column '\(labelColumn)' (use a CSV file)")
            }
            if !conditionColumns.isEmpty {
                throw DataError("\(path): a .npy file has no named columns, so it cannot have the conditioning columns \(conditionColumns.map { "'\($0)'" }.joined(separator: ", ")) (use a CSV file)")
            }
            let (values, _, cols) = try NPYFormat.parse(bytes, path: path)
            return Dataset(name: (path as NSString).lastPathComponent, points: values, dim: cols)
        default:
            throw DataError("\(path): unsupported file type (expected a .csv or .npy file)")
        }
    }

    static func readFile(_ path: String) throws -> Data {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DataError("\(path): no such file")
        }
        guard !isDirectory.boolValue else { throw DataError("\(path): is a directory, not a data file") }
        do { return try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw DataError("\(path): cannot read file: \(error.localizedDescription)")
        }
    }

    static func loadCSV(_ bytes: Data, path: String, labelColumn: String?, conditionColumns: [String]) throws -> Dataset {
        let table = try CSVFormat.parse(bytes, path: path)
        let header = table.header
        let columnList = header.map { "'\($0)'" }.joined(separator: ", ")

        var labelIndex: Int? = nil
        if let labelColumn {
            guard let i = header.firstIndex(of: labelColumn) else {
                throw DataError("\(path): no label column '\(labelColumn)' (columns: \(columnList))")
            }
            labelIndex = i
        } else {
            labelIndex = header.firstIndex(of: defaultLabelColumn)
        }
        var conditionIndices: [Int] = []
        for name in conditionColumns {
            guard let i = header.firstIndex(of: name) else {
                throw DataError("\(path): no conditioning column '\(name)' (columns: \(columnList))")
            }
            if i == labelIndex { throw DataError("\(path): column '\(name)' cannot be both the label and a conditioning column") }
            if conditionIndices.contains(i) { throw DataError("\(path): conditioning column '\(name)' named twice") }
            conditionIndices.append(i)
        }
        let dataIndices = header.indices.filter { $0 != labelIndex && !conditionIndices.contains($0) }
        guard !dataIndices.isEmpty else {
            throw DataError("\(path): no numeric data columns (columns: \(columnList); label and conditioning columns are not data)")
        }

        let n = table.rows.count, dim = dataIndices.count, condDim = conditionIndices.count
        var points = [Float](repeating: 0, count: n * dim)
        var conditions = [Float](repeating: 0, count: n * condDim)
        var labels = [Int](repeating: 0, count: labelIndex == nil ? 0 : n)
        for (r, row) in table.rows.enumerated() {
            for (d, c) in dataIndices.enumerated() {
                points[r * dim + d] = try CSVFormat.number(table, row.fields[c], path: path, line: row.line, column: header[c])
            }
            for (d, c) in conditionIndices.enumerated() {
                conditions[r * condDim + d] = try CSVFormat.number(table, row.fields[c], path: path, line: row.line, column: header[c])
            }
            if let li = labelIndex {
                labels[r] = try CSVFormat.label(table, row.fields[li], path: path, line: row.line, column: header[li])
            }
        }
        return Dataset(name: (path as NSString).lastPathComponent, points: points, dim: dim,
                       labels: labelIndex == nil ? nil : labels,
                       numClasses: labelIndex == nil ? 0 : (labels.max() ?? -1) + 1,
                       conditions: condDim == 0 ? nil : conditions, condDim: condDim,
                       columnNames: dataIndices.map { header[$0] })
    }
}
