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
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public enum DataLoader {
    /// The default name of the label column of a CSV file.
    public static let defaultLabelColumn = "label"

    public static func load(path: String, labelColumn: String? = nil, conditionColumns: [String] = []) throws -> Dataset {
        let ext = (path as NSString).pathExtension.lowercased()
        guard ext == "csv" || ext == "npy" else {
            // the type is checked first: nothing is opened for a name the loader would refuse anyway
            if !FileManager.default.fileExists(atPath: path) { throw DataError("\(path): no such file") }
            throw DataError("\(path): unsupported file type (expected a .csv or .npy file)")
        }
        let fd = try openRegularFile(path)
        defer { close(fd) }
        if ext == "csv" {
            return try loadCSV(fd: fd, path: path, labelColumn: labelColumn, conditionColumns: conditionColumns)
        }
        if let labelColumn {
            throw DataError("\(path): a .npy file has no named columns, so it cannot have the label column '\(labelColumn)' (use a CSV file)")
        }
        if !conditionColumns.isEmpty {
            throw DataError("\(path): a .npy file has no named columns, so it cannot have the conditioning columns \(conditionColumns.map { "'\($0)'" }.joined(separator: ", ")) (use a CSV file)")
        }
        let (values, _, cols) = try NPYFormat.parse(try readAll(fd, path: path), path: path)
        return Dataset(name: (path as NSString).lastPathComponent, points: values, dim: cols)
    }

    /// What a non-regular file is, for messages ("a FIFO", "a character device", ...).
    static func typeName(_ mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return "a directory"
        case S_IFIFO: return "a FIFO"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFSOCK: return "a socket"
        default: return "not a plain file"
        }
    }

    /// Throws unless `path` is a regular file (following symlinks); never opens it.
    public static func checkRegularFile(_ path: String) throws {
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw DataError(errno == ENOENT ? "\(path): no such file" : "\(path): cannot read file: \(String(cString: strerror(errno)))")
        }
        if let kind = typeName(st.st_mode) { throw DataError("\(path): is \(kind), not a regular file") }
    }

    /// Opens a regular file for reading. FIFOs, devices, sockets and directories are refused from
    /// stat() before opening, and the open itself is non-blocking, so nothing here can hang.
    static func openRegularFile(_ path: String) throws -> Int32 {
        try checkRegularFile(path)
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw DataError("\(path): cannot read file: \(String(cString: strerror(errno)))") }
        var st = stat()
        if fstat(fd, &st) != 0 || typeName(st.st_mode) != nil {   // swapped after the check
            close(fd)
            throw DataError("\(path): is \(typeName(st.st_mode) ?? "unreadable"), not a regular file")
        }
        return fd
    }

    static func readAll(_ fd: Int32, path: String) throws -> Data {
        var data = Data()
        var buf = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n < 0 { if errno == EINTR { continue }; throw DataError("\(path): read failed: \(String(cString: strerror(errno)))") }
            if n == 0 { return data }
            data.append(contentsOf: buf[0..<n])
        }
    }

    /// Streams the rows (see CSVReader) straight into the point, label and condition arrays.
    static func loadCSV(fd: Int32, path: String, labelColumn: String?, conditionColumns: [String]) throws -> Dataset {
        var header: [String]? = nil
        var labelIndex: Int? = nil
        var conditionIndices: [Int] = []
        var dataIndices: [Int] = []
        var points: [Float] = [], conditions: [Float] = [], labels: [Int] = []
        var rows = 0
        try CSVReader(fd: fd, path: path).forEachRow { line, b, fields in
            guard let header else {
                let names = fields.map { String(decoding: UnsafeBufferPointer(rebasing: b[$0]), as: UTF8.self) }
                try resolveColumns(names, line: line, path: path, labelColumn: labelColumn, conditionColumns: conditionColumns,
                                   label: &labelIndex, conditions: &conditionIndices, data: &dataIndices)
                header = names
                return
            }
            guard fields.count == header.count else {
                throw DataError("\(path):\(line): expected \(header.count) columns as in the header, found \(fields.count)")
            }
            for c in dataIndices { points.append(try CSVFormat.number(b, fields[c], path: path, line: line, column: header[c])) }
            for c in conditionIndices { conditions.append(try CSVFormat.number(b, fields[c], path: path, line: line, column: header[c])) }
            if let li = labelIndex { labels.append(try CSVFormat.label(b, fields[li], path: path, line: line, column: header[li])) }
            rows += 1
        }
        guard let header else { throw DataError("\(path): empty file (expected a header row of column names)") }
        guard rows > 0 else { throw DataError("\(path): no data rows after the header") }
        return Dataset(name: (path as NSString).lastPathComponent, points: points, dim: dataIndices.count,
                       labels: labelIndex == nil ? nil : labels,
                       numClasses: labelIndex == nil ? 0 : (labels.max() ?? -1) + 1,
                       conditions: conditionIndices.isEmpty ? nil : conditions, condDim: conditionIndices.count,
                       columnNames: dataIndices.map { header[$0] })
    }

    /// Checks the header and finds the label, conditioning and data columns.
    static func resolveColumns(_ header: [String], line: Int, path: String, labelColumn: String?, conditionColumns: [String],
                               label labelIndex: inout Int?, conditions conditionIndices: inout [Int], data dataIndices: inout [Int]) throws {
        for (i, name) in header.enumerated() {
            if name.isEmpty { throw DataError("\(path):\(line): header column \(i + 1) has no name") }
            if header[..<i].contains(name) { throw DataError("\(path):\(line): header names column '\(CSVFormat.shown(name))' twice") }
        }
        let columnList = CSVFormat.shown(columns: header)
        if let labelColumn {
            guard let i = header.firstIndex(of: labelColumn) else {
                throw DataError("\(path): no label column '\(labelColumn)' (columns: \(columnList))")
            }
            labelIndex = i
        } else {
            labelIndex = header.firstIndex(of: defaultLabelColumn)
        }
        for name in conditionColumns {
            guard let i = header.firstIndex(of: name) else {
                throw DataError("\(path): no conditioning column '\(name)' (columns: \(columnList))")
            }
            if i == labelIndex { throw DataError("\(path): column '\(name)' cannot be both the label and a conditioning column") }
            if conditionIndices.contains(i) { throw DataError("\(path): conditioning column '\(name)' named twice") }
            conditionIndices.append(i)
        }
        dataIndices = header.indices.filter { $0 != labelIndex && !conditionIndices.contains($0) }
        guard !dataIndices.isEmpty else {
            throw DataError("\(path): no numeric data columns (columns: \(columnList); label and conditioning columns are not data)")
        }
    }
}
