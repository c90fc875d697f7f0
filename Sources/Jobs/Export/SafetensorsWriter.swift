// SafetensorsWriter.swift — the safetensors container (huggingface/safetensors), written here
// without any package: an 8-byte little-endian header length N, N bytes of JSON header
// {name: {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, "__metadata__": {str: str}}
// (padded with spaces to a multiple of 8 so the data is aligned), then the raw little-endian
// tensor data, tensors back to back in the order given (offsets relative to the data start).
// `parse` reads a file back (header and float32 tensors); the tests and `diffctl export`'s own
// checks use it.
import Foundation

/// One named float32 tensor for an export container (row-major values).
public struct ExportTensor: Equatable, Sendable {
    public var name: String
    public var shape: [Int]
    public var values: [Float]
    public init(name: String, shape: [Int], values: [Float]) {
        self.name = name; self.shape = shape; self.values = values
    }
}

public struct ExportFormatError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ d: String) { description = d }
}

public enum SafetensorsWriter {
    /// The whole file. Names must be unique, non-empty and not "__metadata__"; each tensor's
    /// value count must equal the product of its shape.
    public static func encode(_ tensors: [ExportTensor], metadata: [String: String] = [:]) throws -> Data {
        var header: [String: Any] = [:]
        var offset = 0
        for t in tensors {
            try ExportTensorChecks.check(t, seen: header.keys)
            guard t.name != "__metadata__" else { throw ExportFormatError("tensor name '__metadata__' is reserved") }
            let bytes = t.values.count * 4
            header[t.name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + bytes]] as [String: Any]
            offset += bytes
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys, .withoutEscapingSlashes])
        // pad with spaces so that the data starts 8-byte aligned (the format allows trailing whitespace)
        while (8 + json.count) % 8 != 0 { json.append(0x20) }
        var out = Data(capacity: 8 + json.count + offset)
        appendLittleEndian(UInt64(json.count), to: &out)
        out.append(json)
        for t in tensors { appendFloats(t.values, to: &out) }
        return out
    }

    /// The header of a safetensors file and its float32 tensors, checked as a strict reader would:
    /// the length fits, the header is a JSON object, offsets lie in the data, are contiguous and
    /// cover it, and each tensor's byte count matches its shape.
    public static func parse(_ data: Data) throws -> (tensors: [ExportTensor], metadata: [String: String]) {
        guard data.count >= 8 else { throw ExportFormatError("safetensors: \(data.count) bytes, shorter than the 8-byte header length") }
        let n = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard n <= UInt64(data.count - 8) else { throw ExportFormatError("safetensors: header length \(n) exceeds the file (\(data.count) bytes)") }
        let headerBytes = data.subdata(in: 8..<(8 + Int(n)))
        guard headerBytes.first == UInt8(ascii: "{") else { throw ExportFormatError("safetensors: the header does not start with '{'") }
        guard let header = try JSONSerialization.jsonObject(with: headerBytes) as? [String: Any] else {
            throw ExportFormatError("safetensors: the header is not a JSON object")
        }
        let base = 8 + Int(n), dataCount = data.count - base
        var metadata: [String: String] = [:]
        var entries: [(name: String, shape: [Int], begin: Int, end: Int)] = []
        for (name, value) in header {
            if name == "__metadata__" {
                guard let m = value as? [String: String] else { throw ExportFormatError("safetensors: __metadata__ is not a map of strings") }
                metadata = m
                continue
            }
            guard let o = value as? [String: Any], let dtype = o["dtype"] as? String, let shape = o["shape"] as? [Int],
                  let offsets = o["data_offsets"] as? [Int], offsets.count == 2 else {
                throw ExportFormatError("safetensors: entry '\(name)' lacks dtype, shape or data_offsets")
            }
            guard dtype == "F32" else { throw ExportFormatError("safetensors: '\(name)' is \(dtype); this reader reads F32 only") }
            let count = shape.reduce(1, *)
            guard offsets[0] >= 0, offsets[1] >= offsets[0], offsets[1] <= dataCount, offsets[1] - offsets[0] == 4 * count else {
                throw ExportFormatError("safetensors: '\(name)' has offsets \(offsets) for shape \(shape) in \(dataCount) data bytes")
            }
            entries.append((name, shape, offsets[0], offsets[1]))
        }
        entries.sort { $0.begin < $1.begin }
        var expected = 0
        for e in entries {
            guard e.begin == expected else { throw ExportFormatError("safetensors: data of '\(e.name)' starts at \(e.begin), expected \(expected) (a hole or an overlap)") }
            expected = e.end
        }
        guard expected == dataCount else { throw ExportFormatError("safetensors: tensors cover \(expected) of \(dataCount) data bytes") }
        let tensors = entries.map { e in
            ExportTensor(name: e.name, shape: e.shape, values: readFloats(data, from: base + e.begin, count: (e.end - e.begin) / 4))
        }
        return (tensors, metadata)
    }
}

enum ExportTensorChecks {
    static func check<S: Sequence>(_ t: ExportTensor, seen: S) throws where S.Element == String {
        guard !t.name.isEmpty else { throw ExportFormatError("a tensor needs a name") }
        guard !seen.contains(t.name) else { throw ExportFormatError("tensor name '\(t.name)' is used twice") }
        guard t.shape.allSatisfy({ $0 >= 0 }), t.shape.reduce(1, *) == t.values.count else {
            throw ExportFormatError("tensor '\(t.name)' has \(t.values.count) values for shape \(t.shape)")
        }
    }
}

func appendLittleEndian<T: FixedWidthInteger>(_ v: T, to out: inout Data) {
    withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
}

func appendFloats(_ values: [Float], to out: inout Data) {
    #if _endian(little)
    values.withUnsafeBytes { out.append(contentsOf: $0) }
    #else
    for v in values { appendLittleEndian(v.bitPattern, to: &out) }
    #endif
}

func readFloats(_ data: Data, from start: Int, count: Int) -> [Float] {
    data.withUnsafeBytes { raw in
        (0..<count).map { i in Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: start + 4 * i, as: UInt32.self))) }
    }
}
