// SampleFiles.swift — writing generated samples (CSV with a header, or float32 C-order .npy),
// atomically, and reading a samples file back for evaluation.
import Foundation

public enum SampleWriter {
    /// Writes points (n, dim) as CSV: a header (columnNames, default x0, x1, ...), then one row
    /// per point, optionally followed by a label column and conditioning columns (n, condDim).
    public static func writeCSV(points: [Float], dim: Int, to url: URL, columnNames: [String]? = nil,
                                labels: [Int]? = nil, labelColumn: String = DataLoader.defaultLabelColumn,
                                conditions: [Float]? = nil, condDim: Int = 0, conditionNames: [String]? = nil) throws {
        try check(points: points, dim: dim, url: url)
        let n = points.count / dim
        let names = columnNames ?? (0..<dim).map { "x\($0)" }
        guard names.count == dim else { throw DataError("\(url.path): \(names.count) column names for dim \(dim)") }
        if let labels, labels.count != n { throw DataError("\(url.path): \(labels.count) labels for \(n) points") }
        if let conditions, condDim <= 0 || conditions.count != n * condDim {
            throw DataError("\(url.path): \(conditions.count) condition values for \(n) points of condDim \(condDim)")
        }
        let condNames = conditionNames ?? (0..<condDim).map { "c\($0)" }
        guard conditions == nil || condNames.count == condDim else {
            throw DataError("\(url.path): \(condNames.count) conditioning column names for condDim \(condDim)")
        }
        for name in names + [labelColumn] + (conditions == nil ? [] : condNames)
            where name.isEmpty || name.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) {
            throw DataError("\(url.path): column name '\(name)' must be non-empty, without commas, quotes or line breaks")
        }
        let text = CSVFormat.render(points: points, dim: dim, columnNames: names, labels: labels, labelColumn: labelColumn,
                                    conditions: conditions, condDim: condDim, conditionNames: condNames)
        try AtomicFile.write(Data(text.utf8), to: url)
    }

    /// Writes points (n, dim) as a float32 C-order .npy array of shape (n, dim).
    public static func writeNPY(points: [Float], dim: Int, to url: URL) throws {
        try check(points: points, dim: dim, url: url)
        try AtomicFile.write(NPYFormat.render(values: points, rows: points.count / dim, cols: dim), to: url)
    }

    /// Writes CSV or NPY by the file extension of `url`.
    public static func write(points: [Float], dim: Int, to url: URL, columnNames: [String]? = nil, labels: [Int]? = nil) throws {
        switch url.pathExtension.lowercased() {
        case "csv": try writeCSV(points: points, dim: dim, to: url, columnNames: columnNames, labels: labels)
        case "npy": try writeNPY(points: points, dim: dim, to: url)
        default: throw DataError("\(url.path): unsupported samples file type (expected .csv or .npy)")
        }
    }

    static func check(points: [Float], dim: Int, url: URL) throws {
        guard dim > 0, points.count % dim == 0 else {
            throw DataError("\(url.path): \(points.count) values do not make rows of dim \(dim)")
        }
    }
}

public enum SampleReader {
    /// Reads a samples file (.csv with a header, label column "label" used if present, or .npy).
    public static func read(path: String) throws -> Dataset {
        try DataLoader.load(path: path, labelColumn: nil, conditionColumns: [])
    }
}
