// NPYFormat.swift — NumPy .npy files: float32/float64, C order, 1-D (n,) or 2-D (n, d), header
// versions 1.0 / 2.0 / 3.0 read, 1.0 (or 2.0 for huge headers) written as '<f4'.
//
// Layout: "\x93NUMPY", major, minor, header length (u16 LE for 1.x, u32 LE for 2.x/3.x), a
// Python dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (n, d), } padded with
// spaces and '\n' so the data starts at a multiple of 64, then the raw array.
import Foundation

enum NPYFormat {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY

    /// Parses a .npy file's bytes into (values (rows, cols) row-major, rows, cols).
    /// A 1-D array (n,) is returned as n rows of 1 column.
    static func parse(_ bytes: Data, path: String) throws -> (values: [Float], rows: Int, cols: Int) {
        let b = [UInt8](bytes)
        guard b.count >= 8, Array(b[0..<6]) == magic else {
            throw DataError("\(path): not a NumPy .npy file (bad magic: expected \\x93NUMPY)")
        }
        let major = b[6], minor = b[7]
        let headerStart: Int, headerLength: Int
        switch major {
        case 1:
            guard b.count >= 10 else { throw DataError("\(path): truncated .npy header") }
            headerLength = Int(b[8]) | Int(b[9]) << 8
            headerStart = 10
        case 2, 3:
            guard b.count >= 12 else { throw DataError("\(path): truncated .npy header") }
            headerLength = Int(b[8]) | Int(b[9]) << 8 | Int(b[10]) << 16 | Int(b[11]) << 24
            headerStart = 12
        default:
            throw DataError("\(path): unsupported .npy format version \(major).\(minor) (expected 1.0, 2.0 or 3.0)")
        }
        guard b.count >= headerStart + headerLength else {
            throw DataError("\(path): truncated .npy header: expected \(headerLength) bytes, found \(b.count - headerStart)")
        }
        guard let header = String(bytes: b[headerStart..<(headerStart + headerLength)], encoding: .utf8) else {
            throw DataError("\(path): .npy header is not text")
        }
        let descr = try stringValue(of: "descr", in: header, path: path)
        let fortran = try rawValue(of: "fortran_order", in: header, path: path)
        let shapeText = try rawValue(of: "shape", in: header, path: path)

        let elementSize: Int, bigEndian: Bool
        switch descr {
        case "<f4", "=f4": elementSize = 4; bigEndian = false
        case ">f4": elementSize = 4; bigEndian = true
        case "<f8", "=f8": elementSize = 8; bigEndian = false
        case ">f8": elementSize = 8; bigEndian = true
        default:
            throw DataError("\(path): unsupported dtype '\(descr)' (expected float32 '<f4' or float64 '<f8')")
        }
        switch fortran {
        case "False": break
        case "True": throw DataError("\(path): fortran_order True is not supported (save a C-order array, e.g. np.ascontiguousarray)")
        default: throw DataError("\(path): .npy header has fortran_order '\(fortran)', expected True or False")
        }
        let shape = try parseShape(shapeText, path: path)
        let rows: Int, cols: Int
        switch shape.count {
        case 1: rows = shape[0]; cols = 1
        case 2: rows = shape[0]; cols = shape[1]
        default:
            throw DataError("\(path): array has shape \(shapeText); expected 1-D (n,) or 2-D (n, d)")
        }
        guard rows > 0, cols > 0 else { throw DataError("\(path): array of shape \(shapeText) holds no points") }
        let (count, overflow) = rows.multipliedReportingOverflow(by: cols)
        guard !overflow, count < Int.max / 8 else { throw DataError("\(path): shape \(shapeText) is too large") }
        let dataStart = headerStart + headerLength
        let expected = count * elementSize, found = b.count - dataStart
        guard found >= expected else {
            throw DataError("\(path): truncated: expected \(expected) bytes of data for shape \(shapeText) '\(descr)', found \(found)")
        }
        guard found == expected else {
            throw DataError("\(path): \(found - expected) unexpected bytes after the data (shape \(shapeText) '\(descr)' needs \(expected))")
        }
        var values = [Float](repeating: 0, count: count)
        b.withUnsafeBytes { raw in
            for i in 0..<count {
                let o = dataStart + i * elementSize
                if elementSize == 4 {
                    let bits = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: UInt32.self))
                    values[i] = Float(bitPattern: bigEndian ? bits.byteSwapped : bits)
                } else {
                    let bits = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: UInt64.self))
                    values[i] = Float(Double(bitPattern: bigEndian ? bits.byteSwapped : bits))
                }
            }
        }
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw DataError("\(path): row \(bad / cols), column \(bad % cols): value \(values[bad]) is not finite (as float32)")
        }
        return (values, rows, cols)
    }

    /// The quoted string after 'key': in the header dict.
    static func stringValue(of key: String, in header: String, path: String) throws -> String {
        let raw = try rawValue(of: key, in: header, path: path)
        guard raw.count >= 2, let q = raw.first, q == "'" || q == "\"", raw.last == q else {
            throw DataError("\(path): .npy header '\(key)' is \(raw), expected a quoted string")
        }
        return String(raw.dropFirst().dropLast())
    }

    /// The text of the value after 'key': up to the next top-level comma or closing brace.
    static func rawValue(of key: String, in header: String, path: String) throws -> String {
        guard let keyRange = header.range(of: "'\(key)'") ?? header.range(of: "\"\(key)\"") else {
            throw DataError("\(path): .npy header has no '\(key)' entry")
        }
        var rest = header[keyRange.upperBound...].drop(while: { $0 == " " })
        guard rest.first == ":" else { throw DataError("\(path): .npy header: no ':' after '\(key)'") }
        rest = rest.dropFirst().drop(while: { $0 == " " })
        var depth = 0, end = rest.startIndex
        while end < rest.endIndex {
            let c = rest[end]
            if c == "(" { depth += 1 } else if c == ")" { depth -= 1 }
            if depth == 0 && (c == "," || c == "}") { break }
            end = rest.index(after: end)
        }
        if depth != 0 { throw DataError("\(path): .npy header: unbalanced parentheses in '\(key)'") }
        return rest[rest.startIndex..<end].trimmingCharacters(in: .whitespaces)
    }

    static func parseShape(_ text: String, path: String) throws -> [Int] {
        guard text.hasPrefix("("), text.hasSuffix(")") else {
            throw DataError("\(path): .npy header shape '\(text)' is not a tuple")
        }
        let inner = text.dropFirst().dropLast()
        var dims: [Int] = []
        for part in inner.split(separator: ",") {
            let t = part.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "L"))
            if t.isEmpty { continue }
            guard let v = Int(t), v >= 0 else { throw DataError("\(path): .npy header shape '\(text)' has a bad dimension '\(t)'") }
            dims.append(v)
        }
        return dims
    }

    /// The bytes of a float32 C-order .npy file holding points (rows, cols).
    static func render(values: [Float], rows: Int, cols: Int) -> Data {
        var dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(rows), \(cols)), }"
        let useV2 = dict.utf8.count + 12 + 64 > 65535
        let prefix = useV2 ? 12 : 10
        let total = ((prefix + dict.utf8.count + 1 + 63) / 64) * 64
        dict += String(repeating: " ", count: total - prefix - dict.utf8.count - 1) + "\n"
        var out = Data(magic)
        let hlen = dict.utf8.count
        if useV2 {
            out.append(contentsOf: [2, 0, UInt8(hlen & 0xff), UInt8((hlen >> 8) & 0xff), UInt8((hlen >> 16) & 0xff), UInt8(hlen >> 24)])
        } else {
            out.append(contentsOf: [1, 0, UInt8(hlen & 0xff), UInt8(hlen >> 8)])
        }
        out.append(contentsOf: Array(dict.utf8))
        let littleEndian = values.map { $0.bitPattern.littleEndian }
        littleEndian.withUnsafeBytes { out.append(contentsOf: $0) }
        return out
    }
}
