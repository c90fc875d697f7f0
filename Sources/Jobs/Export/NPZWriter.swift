// NPZWriter.swift — numpy's .npz written here without any package: a ZIP archive (entries
// stored, no compression; CRC-32 from DiffusionCore's CRC32, the zlib polynomial) holding one
// .npy v1.0 file per tensor ("<name>.npy"; `numpy.load` strips the suffix). An .npy v1.0 file is
// the magic "\x93NUMPY", version 1.0, a little-endian UInt16 header length, a Python-dict header
// {'descr': '<f4', 'fortran_order': False, 'shape': (…), } padded with spaces and a final '\n' to
// a multiple of 64 bytes, then the raw row-major little-endian float32 values.
// `parse` reads an archive back (central directory, local headers, CRC of every entry, .npy
// headers) for the tests.
import DiffusionCore
import Foundation

public enum NPYWriter {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]

    /// Python's repr of a shape tuple: (), (3,), (3, 4).
    static func shapeText(_ shape: [Int]) -> String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }

    /// One .npy v1.0 file of float32 values with `shape`.
    public static func encode(shape: [Int], values: [Float]) throws -> Data {
        guard shape.allSatisfy({ $0 >= 0 }), shape.reduce(1, *) == values.count else {
            throw ExportFormatError("npy: \(values.count) values for shape \(shape)")
        }
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shapeText(shape)), }"
        let unpadded = magic.count + 2 + 2 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        guard header.utf8.count <= Int(UInt16.max) else { throw ExportFormatError("npy: header of \(header.utf8.count) bytes is too long for v1.0") }
        var out = Data(magic)
        out.append(contentsOf: [1, 0])
        appendLittleEndian(UInt16(header.utf8.count), to: &out)
        out.append(Data(header.utf8))
        appendFloats(values, to: &out)
        return out
    }

    /// Shape and values of an .npy file written by `encode` (float32, C order, v1.0).
    public static func parse(_ data: Data) throws -> (shape: [Int], values: [Float]) {
        guard data.count >= 10, Array(data.prefix(6)) == magic, data[data.startIndex + 6] == 1 else {
            throw ExportFormatError("npy: not an .npy v1 file")
        }
        let s = data.startIndex
        let n = Int(data[s + 8]) | Int(data[s + 9]) << 8
        guard 10 + n <= data.count, (10 + n) % 64 == 0 else { throw ExportFormatError("npy: header length \(n) does not align the data to 64 bytes") }
        let header = String(decoding: data[(s + 10)..<(s + 10 + n)], as: UTF8.self)
        guard header.hasSuffix("\n"), header.contains("'descr': '<f4'"), header.contains("'fortran_order': False"),
              let open = header.range(of: "'shape': ("), let close = header[open.upperBound...].firstIndex(of: ")") else {
            throw ExportFormatError("npy: header \(header) is not a little-endian float32 C-order array")
        }
        let shape = header[open.upperBound..<close].split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let count = shape.reduce(1, *)
        guard data.count - 10 - n == 4 * count else { throw ExportFormatError("npy: \(data.count - 10 - n) data bytes for shape \(shape)") }
        return (shape, readFloats(Data(data), from: 10 + n, count: count))
    }
}

public enum NPZWriter {
    /// DOS date of 1980-01-01 00:00 (the archive carries no real timestamps: same model, same bytes)
    static let dosTime: UInt16 = 0, dosDate: UInt16 = (0 << 9) | (1 << 5) | 1

    /// A ZIP archive of `entries` (name → bytes), stored, in order.
    public static func zip(_ entries: [(name: String, data: Data)]) throws -> Data {
        guard entries.count < 0xFFFF else { throw ExportFormatError("zip: \(entries.count) entries need ZIP64") }
        var out = Data()
        var central = Data()
        for e in entries {
            let name = Data(e.name.utf8)
            guard !name.isEmpty, name.count < 0xFFFF else { throw ExportFormatError("zip: bad entry name '\(e.name)'") }
            guard e.data.count < 0xFFFF_FFFF, out.count < 0xFFFF_FFFF else { throw ExportFormatError("zip: entry '\(e.name)' needs ZIP64") }
            let crc = CRC32.checksum(e.data)
            let offset = UInt32(out.count)
            // local file header
            appendLittleEndian(UInt32(0x0403_4B50), to: &out)
            appendLittleEndian(UInt16(20), to: &out)                 // version needed: 2.0
            appendLittleEndian(UInt16(0x0800), to: &out)             // flags: UTF-8 names
            appendLittleEndian(UInt16(0), to: &out)                  // method: stored
            appendLittleEndian(dosTime, to: &out); appendLittleEndian(dosDate, to: &out)
            appendLittleEndian(crc, to: &out)
            appendLittleEndian(UInt32(e.data.count), to: &out)       // compressed size
            appendLittleEndian(UInt32(e.data.count), to: &out)       // uncompressed size
            appendLittleEndian(UInt16(name.count), to: &out)
            appendLittleEndian(UInt16(0), to: &out)                  // extra field length
            out.append(name)
            out.append(e.data)
            // its central directory record
            appendLittleEndian(UInt32(0x0201_4B50), to: &central)
            appendLittleEndian(UInt16(0x0314), to: &central)         // made by: Unix, 2.0
            appendLittleEndian(UInt16(20), to: &central)
            appendLittleEndian(UInt16(0x0800), to: &central)
            appendLittleEndian(UInt16(0), to: &central)
            appendLittleEndian(dosTime, to: &central); appendLittleEndian(dosDate, to: &central)
            appendLittleEndian(crc, to: &central)
            appendLittleEndian(UInt32(e.data.count), to: &central)
            appendLittleEndian(UInt32(e.data.count), to: &central)
            appendLittleEndian(UInt16(name.count), to: &central)
            appendLittleEndian(UInt16(0), to: &central)              // extra
            appendLittleEndian(UInt16(0), to: &central)              // comment
            appendLittleEndian(UInt16(0), to: &central)              // disk number start
            appendLittleEndian(UInt16(0), to: &central)              // internal attributes
            appendLittleEndian(UInt32(0o100644) << 16, to: &central) // external: a regular file, rw-r--r--
            appendLittleEndian(offset, to: &central)
            central.append(name)
        }
        guard out.count + central.count < 0xFFFF_FFFF else { throw ExportFormatError("zip: archive needs ZIP64") }
        let centralOffset = UInt32(out.count)
        out.append(central)
        // end of central directory
        appendLittleEndian(UInt32(0x0605_4B50), to: &out)
        appendLittleEndian(UInt16(0), to: &out); appendLittleEndian(UInt16(0), to: &out)
        appendLittleEndian(UInt16(entries.count), to: &out); appendLittleEndian(UInt16(entries.count), to: &out)
        appendLittleEndian(UInt32(central.count), to: &out)
        appendLittleEndian(centralOffset, to: &out)
        appendLittleEndian(UInt16(0), to: &out)                      // comment length
        return out
    }

    /// The .npz of `tensors`: one "<name>.npy" entry each.
    public static func encode(_ tensors: [ExportTensor]) throws -> Data {
        var seen: [String] = []
        var entries: [(name: String, data: Data)] = []
        for t in tensors {
            try ExportTensorChecks.check(t, seen: seen)
            seen.append(t.name)
            entries.append((t.name + ".npy", try NPYWriter.encode(shape: t.shape, values: t.values)))
        }
        return try zip(entries)
    }

    /// The entries of a stored ZIP archive, read through its central directory; every entry's
    /// local header must agree and its CRC-32 must match.
    public static func unzip(_ data: Data) throws -> [(name: String, data: Data)] {
        let d = Data(data)
        func u16(_ o: Int) -> Int { Int(d[o]) | Int(d[o + 1]) << 8 }
        func u32(_ o: Int) -> Int { u16(o) | u16(o + 2) << 16 }
        guard d.count >= 22, u32(d.count - 22) == 0x0605_4B50 else { throw ExportFormatError("zip: no end-of-central-directory record at the end") }
        let eocd = d.count - 22
        let count = u16(eocd + 10), size = u32(eocd + 12), start = u32(eocd + 16)
        guard start + size == eocd else { throw ExportFormatError("zip: central directory at \(start)+\(size) does not end at \(eocd)") }
        var entries: [(name: String, data: Data)] = []
        var p = start
        for _ in 0..<count {
            guard p + 46 <= eocd, u32(p) == 0x0201_4B50 else { throw ExportFormatError("zip: bad central directory record at \(p)") }
            let method = u16(p + 10), crc = u32(p + 16), csize = u32(p + 20), usize = u32(p + 24)
            let nameLen = u16(p + 28), extraLen = u16(p + 30), commentLen = u16(p + 32), local = u32(p + 42)
            let name = String(decoding: d[(p + 46)..<(p + 46 + nameLen)], as: UTF8.self)
            guard method == 0, csize == usize else { throw ExportFormatError("zip: '\(name)' is not stored") }
            guard u32(local) == 0x0403_4B50, u32(local + 14) == crc, u16(local + 26) == nameLen else {
                throw ExportFormatError("zip: local header of '\(name)' disagrees with the central directory")
            }
            let begin = local + 30 + nameLen + u16(local + 28)
            guard begin + usize <= start else { throw ExportFormatError("zip: data of '\(name)' runs past the central directory") }
            let body = d.subdata(in: begin..<(begin + usize))
            guard Int(CRC32.checksum(body)) == crc else { throw ExportFormatError("zip: CRC-32 of '\(name)' does not match") }
            entries.append((name, body))
            p += 46 + nameLen + extraLen + commentLen
        }
        return entries
    }

    /// The tensors of an .npz written by `encode`.
    public static func parse(_ data: Data) throws -> [ExportTensor] {
        try unzip(data).map { e in
            guard e.name.hasSuffix(".npy") else { throw ExportFormatError("npz: entry '\(e.name)' is not an .npy file") }
            let (shape, values) = try NPYWriter.parse(e.data)
            return ExportTensor(name: String(e.name.dropLast(4)), shape: shape, values: values)
        }
    }
}
