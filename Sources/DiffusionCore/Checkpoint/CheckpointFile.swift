// CheckpointFile.swift — the binary checkpoint container: caller's JSON metadata plus named
// Float32 tensors, versioned, checksummed, written atomically.
//
// Layout (all integers little-endian), format version 1:
//   header  (24 bytes)
//     0   8  magic "DIFFCKPT"
//     8   4  format version (u32)
//    12   8  total file length in bytes (u64)
//    20   4  CRC-32 of bytes 0..<20 (so a damaged version/length is caught before it is used)
//   body
//         8  metadata length M (u64), then M bytes of metadata (the caller's JSON)
//         4  tensor count (u32)
//         per tensor: name length (u32), UTF-8 name, element count (u64), count × 4 bytes f32
//   trailer
//         4  CRC-32 of every byte before it
// The magic, the header layout and the trailing CRC stay fixed across format versions, so any
// build can tell "newer format" from "damaged file".
import Foundation

public enum CheckpointFile {
    public static let magic: [UInt8] = Array("DIFFCKPT".utf8)
    /// the format version this build writes and the newest it reads
    public static let formatVersion: UInt32 = 1
    public static let headerSize = 24

    /// Writes the checkpoint atomically (temp file in the same directory, fsync, rename, fsync
    /// of the directory). Tensor names must be unique and non-empty.
    public static func write(to url: URL, metadata: Data, tensors: [(name: String, values: [Float])]) throws {
        var seen = Set<String>()
        for t in tensors {
            guard !t.name.isEmpty else { throw DataError("\(url.path): a tensor has an empty name") }
            guard seen.insert(t.name).inserted else { throw DataError("\(url.path): tensor name '\(t.name)' used twice") }
        }
        try AtomicFile.write(encode(metadata: metadata, tensors: tensors), to: url)
    }

    /// The bytes of a checkpoint file (what `write` puts on disk).
    public static func encode(metadata: Data, tensors: [(name: String, values: [Float])]) -> Data {
        var body = ByteWriter()
        body.u64(UInt64(metadata.count))
        body.bytes(metadata)
        body.u32(UInt32(tensors.count))
        for t in tensors {
            let name = Array(t.name.utf8)
            body.u32(UInt32(name.count))
            body.bytes(name)
            body.u64(UInt64(t.values.count))
            body.floats(t.values)
        }
        let total = headerSize + body.data.count + 4
        var out = ByteWriter()
        out.bytes(magic)
        out.u32(formatVersion)
        out.u64(UInt64(total))
        out.u32(CRC32.checksum(out.data))
        out.bytes(body.data)
        out.u32(out.data.withUnsafeBytes { CRC32.update(0, $0) })
        return out.data
    }

    /// Reads and verifies a checkpoint. Errors name the file and what is wrong: not a
    /// checkpoint, newer format version, truncated (and where), checksum mismatch.
    public static func read(from url: URL) throws -> (metadata: Data, tensors: [String: [Float]]) {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            if !FileManager.default.fileExists(atPath: url.path) { throw DataError("\(url.path): no such checkpoint file") }
            throw DataError("\(url.path): cannot read checkpoint: \(error.localizedDescription)")
        }
        return try decode(data, path: url.path)
    }

    /// Verifies and decodes the bytes of a checkpoint; `path` is used in error messages.
    public static func decode(_ data: Data, path: String) throws -> (metadata: Data, tensors: [String: [Float]]) {
        let b = [UInt8](data)
        let n = b.count
        // magic: a prefix of it (including nothing at all) is a truncated checkpoint
        let m = min(n, magic.count)
        guard Array(b[0..<m]) == Array(magic[0..<m]) else {
            throw DataError("\(path): not a diffusiond checkpoint (bad magic bytes)")
        }
        guard n >= headerSize else {
            throw DataError("\(path): truncated: expected a \(headerSize)-byte header, found \(n) bytes")
        }
        let header = ByteReader(b, path: path)
        guard CRC32.checksum(b[0..<20]) == header.u32(at: 20) else {
            throw DataError("\(path): checksum mismatch in the header (the file is damaged)")
        }
        let version = header.u32(at: 8)
        guard version <= formatVersion else {
            throw DataError("\(path): format version \(version) is newer than this build (\(formatVersion)); upgrade diffusiond to read it")
        }
        guard version >= 1 else { throw DataError("\(path): format version 0 is not a valid checkpoint version") }
        let total = header.u64(at: 12)
        if UInt64(n) < total {
            // find what the cut went through, for a message that says where
            var r = ByteReader(b, path: path, offset: headerSize)
            _ = try parseBody(&r)
            throw DataError("\(path): truncated: expected \(total) bytes, found \(n) (the trailing checksum is missing)")
        }
        guard UInt64(n) == total else {
            throw DataError("\(path): \(UInt64(n) - total) unexpected bytes after the end of the checkpoint (expected \(total) bytes)")
        }
        let stored = header.u32(at: n - 4)
        let computed = data.withUnsafeBytes { CRC32.update(0, UnsafeRawBufferPointer(rebasing: $0[0..<(n - 4)])) }
        guard stored == computed else {
            throw DataError("\(path): checksum mismatch (stored \(hex(stored)), computed \(hex(computed))): the file is damaged")
        }
        var r = ByteReader(b, path: path, offset: headerSize)
        let result = try parseBody(&r)
        guard r.offset == n - 4 else {
            throw DataError("\(path): corrupt: body ends at byte \(r.offset) but the checksum is at byte \(n - 4)")
        }
        return result
    }

    static func parseBody(_ r: inout ByteReader) throws -> (metadata: Data, tensors: [String: [Float]]) {
        let metaLength = try r.readU64(what: "the metadata length")
        let metadata = try r.readBytes(metaLength, what: "metadata")
        let count = try r.readU32(what: "the tensor count")
        var tensors: [String: [Float]] = [:]
        for i in 0..<Int(count) {
            let nameLength = try r.readU32(what: "the name length of tensor \(i)")
            let nameBytes = try r.readBytes(UInt64(nameLength), what: "the name of tensor \(i)")
            guard let name = String(bytes: nameBytes, encoding: .utf8) else {
                throw DataError("\(r.path): corrupt: the name of tensor \(i) is not UTF-8")
            }
            let elements = try r.readU64(what: "the size of tensor '\(name)'")
            let values = try r.readFloats(elements, what: "tensor '\(name)'")
            guard tensors.updateValue(values, forKey: name) == nil else {
                throw DataError("\(r.path): corrupt: tensor '\(name)' appears twice")
            }
        }
        return (Data(metadata), tensors)
    }

    static func hex(_ v: UInt32) -> String {
        let s = String(v, radix: 16)
        return "0x" + String(repeating: "0", count: 8 - s.count) + s
    }
}

/// Little-endian appends.
struct ByteWriter {
    var data = Data()
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
    mutating func bytes<C: Collection>(_ b: C) where C.Element == UInt8 { data.append(contentsOf: b) }
    mutating func floats(_ values: [Float]) {
        #if _endian(little)
        values.withUnsafeBytes { data.append(contentsOf: $0) }
        #else
        values.map { $0.bitPattern.littleEndian }.withUnsafeBytes { data.append(contentsOf: $0) }
        #endif
    }
}

/// Bounds-checked little-endian reads; running out of bytes is reported as a truncation that
/// names what was being read.
struct ByteReader {
    let bytes: [UInt8]
    let path: String
    var offset: Int

    init(_ bytes: [UInt8], path: String, offset: Int = 0) { self.bytes = bytes; self.path = path; self.offset = offset }

    func u32(at o: Int) -> UInt32 {
        var v: UInt32 = 0
        for k in 0..<4 { v |= UInt32(bytes[o + k]) << (8 * k) }
        return v
    }
    func u64(at o: Int) -> UInt64 {
        var v: UInt64 = 0
        for k in 0..<8 { v |= UInt64(bytes[o + k]) << (8 * k) }
        return v
    }

    /// Bytes available for the body (the last 4 bytes of a complete file are the checksum,
    /// but a truncated file may have lost them, so every byte counts here).
    var remaining: Int { bytes.count - offset }

    mutating func need(_ count: UInt64, what: String) throws {
        guard count <= UInt64(remaining) else {
            throw DataError("\(path): truncated: expected \(count) bytes of \(what), found \(remaining)")
        }
    }
    mutating func readU32(what: String) throws -> UInt32 {
        try need(4, what: what); defer { offset += 4 }; return u32(at: offset)
    }
    mutating func readU64(what: String) throws -> UInt64 {
        try need(8, what: what); defer { offset += 8 }; return u64(at: offset)
    }
    mutating func readBytes(_ count: UInt64, what: String) throws -> ArraySlice<UInt8> {
        try need(count, what: what)
        defer { offset += Int(count) }
        return bytes[offset..<(offset + Int(count))]
    }
    mutating func readFloats(_ count: UInt64, what: String) throws -> [Float] {
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: 4)
        guard !overflow else { throw DataError("\(path): corrupt: \(what) claims \(count) elements") }
        try need(byteCount, what: what)
        let n = Int(count)
        var out = [Float](repeating: 0, count: n)
        bytes.withUnsafeBytes { raw in
            out.withUnsafeMutableBytes { dst in
                dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + n * 4)]))
            }
        }
        #if !_endian(little)
        for i in 0..<n { out[i] = Float(bitPattern: UInt32(littleEndian: out[i].bitPattern)) }
        #endif
        offset += n * 4
        return out
    }
}
