// SHA256Tests.swift — DiffProtocol's SHA-256 (uploads are content-addressed by it) against the
// FIPS 180-4 / NIST test vectors, piecewise hashing against one-shot, and against coreutils'
// sha256sum on a random file.
import DiffProtocol
import Foundation
import Testing

@Suite struct SHA256Tests {
    @Test func knownVectors() {
        #expect(SHA256.hex(Data()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Data("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(Data("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256.hex(Data(("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
                                 + "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu").utf8))
                == "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
        #expect(SHA256.hex(Data(repeating: UInt8(ascii: "a"), count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func piecesGiveTheSameDigestAsOneShot() {
        var rng = SystemRandomNumberGenerator()
        let data = Data((0..<10_000).map { _ in UInt8.random(in: 0...255, using: &rng) })
        let whole = SHA256.hex(data)
        // every padding boundary: lengths around 55, 56, 63, 64 and piece sizes that straddle blocks
        for length in [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 10_000] {
            let part = data.prefix(length)
            var h = SHA256()
            var i = part.startIndex
            var step = 1
            while i < part.endIndex {
                let end = min(i + step, part.endIndex)
                h.update(part[i..<end])
                i = end
                step = step * 3 % 97 + 1
            }
            #expect(h.finalizeHex() == SHA256.hex(Data(part)), "length \(length)")
        }
        #expect(whole.count == 64 && SHA256.isHex(whole))
        #expect(!SHA256.isHex(whole.uppercased()) && !SHA256.isHex(String(whole.dropLast())))
    }

    @Test func agreesWithSha256sum() throws {
        let dir = try makeTempDir("ddsha")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var rng = SystemRandomNumberGenerator()
        let data = Data((0..<(3 << 20) + 17).map { _ in UInt8.random(in: 0...255, using: &rng) })
        let path = dir + "/random.bin"
        try data.write(to: URL(fileURLWithPath: path))
        let theirs = try sha256sum(path)
        #expect(theirs.count == 64)
        #expect(SHA256.hex(data) == theirs)
        #expect(SHA256.hex(fileAt: path) == theirs)
    }
}
