// CheckpointFileTests.swift — the checkpoint container: round trip, truncation at many lengths,
// a flipped byte anywhere, wrong magic, newer format version, atomic writes; CRC-32 answers.
import Foundation
import Testing
import DiffusionCore

@Suite struct CheckpointFileTests {
    static let metadata = Data(#"{"step":1200,"objective":"eps","note":"ünïcode"}"#.utf8)
    static func tensors(_ size: Int = 1000) -> [(name: String, values: [Float])] {
        let params = Philox.gaussianNoise(count: size, seed: 7, counterBase: 0)
        return [("params", params), ("ema", params.map { $0 * 0.5 }), ("empty", []), ("adam.m", [1, -2, .ulpOfOne])]
    }

    @Test func crc32KnownAnswers() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum(Array("The quick brown fox jumps over the lazy dog".utf8)) == 0x414F_A339)
        #expect(CRC32.checksum([UInt8]()) == 0)
        // slicing-by-8 agrees with the bytewise definition on every length and alignment
        let bytes = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        func bitwise(_ b: ArraySlice<UInt8>) -> UInt32 {
            var c: UInt32 = 0xFFFF_FFFF
            for x in b { c ^= UInt32(x); for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 } }
            return ~c
        }
        for start in 0..<9 { for end in stride(from: start, to: 300, by: 13) {
            #expect(CRC32.checksum(bytes[start..<end]) == bitwise(bytes[start..<end]))
        } }
    }

    @Test func roundTripThroughAFile() throws {
        let dir = try makeDataTestDirectory(); defer { removeDataTestDirectory(dir) }
        let url = dir.appendingPathComponent("model.ckpt")
        try CheckpointFile.write(to: url, metadata: Self.metadata, tensors: Self.tensors())
        let (meta, tensors) = try CheckpointFile.read(from: url)
        #expect(meta == Self.metadata)
        #expect(tensors.count == 4)
        for t in Self.tensors() { #expect(tensors[t.name] == t.values, "tensor \(t.name)") }
        // overwrite in place, no temp files left behind
        try CheckpointFile.write(to: url, metadata: Data("{}".utf8), tensors: [("w", [1, 2, 3])])
        #expect(try CheckpointFile.read(from: url).tensors == ["w": [1, 2, 3]])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["model.ckpt"])
    }

    @Test func refusesTruncatedFilesAtEveryKindOfCut() throws {
        let bytes = CheckpointFile.encode(metadata: Self.metadata, tensors: Self.tensors())
        let total = bytes.count
        let metaEnd = CheckpointFile.headerSize + 8 + Self.metadata.count
        let paramsData = metaEnd + 4 + 4 + "params".utf8.count + 8   // first byte of params' values
        let cuts = [0, 3, 8, 20, 23, 24, 30, metaEnd - 1, metaEnd + 2, paramsData - 3, paramsData + 1000,
                    total - 200, total - 5, total - 4, total - 1]
        for cut in cuts {
            let message = dataErrorMessage { _ = try CheckpointFile.decode(bytes.prefix(cut), path: "ck.bin") }
            #expect(message?.hasPrefix("ck.bin: truncated") == true, "cut at \(cut): \(message ?? "no error")")
        }
        // the message says what the cut went through
        #expect(dataErrorMessage { _ = try CheckpointFile.decode(bytes.prefix(paramsData + 1000), path: "ck.bin") }
                == "ck.bin: truncated: expected 4000 bytes of tensor 'params', found 1000")
        #expect(dataErrorMessage { _ = try CheckpointFile.decode(bytes.prefix(10), path: "ck.bin") }
                == "ck.bin: truncated: expected a 24-byte header, found 10 bytes")
        #expect(dataErrorMessage { _ = try CheckpointFile.decode(bytes.prefix(total - 2), path: "ck.bin") }
                == "ck.bin: truncated: expected \(total) bytes, found \(total - 2) (the trailing checksum is missing)")
        // and through a real file
        let dir = try makeDataTestDirectory(); defer { removeDataTestDirectory(dir) }
        let url = dir.appendingPathComponent("cut.ckpt")
        try bytes.prefix(total / 2).write(to: url)
        #expect(dataErrorMessage { _ = try CheckpointFile.read(from: url) }?.hasPrefix("\(url.path): truncated") == true)
    }

    @Test func aFlippedByteAnywhereIsAChecksumError() throws {
        let bytes = CheckpointFile.encode(metadata: Self.metadata, tensors: Self.tensors(40))
        for position in 0..<bytes.count {
            for mask: UInt8 in [0x01, 0x80] {
                var damaged = bytes
                damaged[position] ^= mask
                let message = dataErrorMessage { _ = try CheckpointFile.decode(damaged, path: "ck.bin") }
                if position < 8 {
                    #expect(message == "ck.bin: not a diffusiond checkpoint (bad magic bytes)", "byte \(position)")
                } else {
                    #expect(message?.hasPrefix("ck.bin: checksum mismatch") == true, "byte \(position) mask \(mask): \(message ?? "accepted")")
                }
            }
        }
    }

    @Test func wrongMagicNewerVersionAndTrailingBytes() throws {
        let dir = try makeDataTestDirectory(); defer { removeDataTestDirectory(dir) }
        let foreign = dir.appendingPathComponent("notes.txt")
        try Data("these are not the bytes you are looking for".utf8).write(to: foreign)
        #expect(dataErrorMessage { _ = try CheckpointFile.read(from: foreign) }
                == "\(foreign.path): not a diffusiond checkpoint (bad magic bytes)")

        var newer = CheckpointFile.encode(metadata: Self.metadata, tensors: Self.tensors(10))
        newer[8] = 3   // format version 3, header checksum recomputed as a real newer build would
        let crc = CRC32.checksum(newer.prefix(20))
        for k in 0..<4 { newer[20 + k] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(k))) }
        #expect(dataErrorMessage { _ = try CheckpointFile.decode(newer, path: "new.ckpt") }
                == "new.ckpt: format version 3 is newer than this build (1); upgrade diffusiond to read it")

        var longer = CheckpointFile.encode(metadata: Self.metadata, tensors: Self.tensors(10))
        longer.append(contentsOf: [0, 0, 0])
        #expect(dataErrorMessage { _ = try CheckpointFile.decode(longer, path: "long.ckpt") }?
                .hasPrefix("long.ckpt: 3 unexpected bytes after the end") == true)

        let missing = dir.appendingPathComponent("none.ckpt")
        #expect(dataErrorMessage { _ = try CheckpointFile.read(from: missing) } == "\(missing.path): no such checkpoint file")
    }

    @Test func writeRefusesBadTensorNames() throws {
        let dir = try makeDataTestDirectory(); defer { removeDataTestDirectory(dir) }
        let url = dir.appendingPathComponent("x.ckpt")
        #expect(dataErrorMessage { try CheckpointFile.write(to: url, metadata: Data(), tensors: [("a", [1]), ("a", [2])]) }
                == "\(url.path): tensor name 'a' used twice")
        #expect(dataErrorMessage { try CheckpointFile.write(to: url, metadata: Data(), tensors: [("", [1])]) }
                == "\(url.path): a tensor has an empty name")
        #expect(!FileManager.default.fileExists(atPath: url.path))
    }
}
