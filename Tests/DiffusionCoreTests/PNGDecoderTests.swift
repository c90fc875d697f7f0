// PNGDecoderTests.swift — PNGDecoder and Inflate against PNGs written by Python's zlib (fixtures in
// Tests/Fixtures/png: dynamic Huffman, all five filters, palette, gray+alpha), a stored-block
// stream built here, and truncated / corrupt / non-PNG inputs (errors must name the file).
import Foundation
import Testing
import DiffusionCore

@Suite struct PNGDecoderTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/png")
    func fixture(_ name: String) -> String { Self.fixtures.appendingPathComponent(name).path }

    @Test func rgbWithEveryFilterAndDynamicHuffman() throws {
        let img = try PNGDecoder.decode(file: fixture("rgb24_filters_dynamic.png"))
        #expect(img.width == 24 && img.height == 24 && img.channels == 3)
        for y in 0..<24 { for x in 0..<24 {
            let i = (y * 24 + x) * 3
            #expect(img.pixels[i] == UInt8((x * 7 + y * 3) % 256))
            #expect(img.pixels[i + 1] == UInt8((x * y) % 256))
            #expect(img.pixels[i + 2] == UInt8((255 - x * 5 + 256) % 256))
        } }
    }

    @Test func paletteAndGrayAlpha() throws {
        let pal = try PNGDecoder.decode(file: fixture("palette6x3.png"))
        let colours: [[UInt8]] = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [10, 20, 30]]
        #expect(pal.channels == 3)
        for y in 0..<3 { for x in 0..<6 {
            #expect(Array(pal.pixels[((y * 6 + x) * 3)..<((y * 6 + x) * 3 + 3)]) == colours[(x + y) % 4])
        } }
        let ga = try PNGDecoder.decode(file: fixture("grayalpha4x2.png"))
        #expect(ga.channels == 1)
        #expect(ga.pixels == (0..<2).flatMap { y in (0..<4).map { x in UInt8(x * 60 + y) } })
    }

    @Test func storedBlockAndAdler() throws {
        let payload: [UInt8] = [1, 2, 3, 250]
        let a = Inflate.adler32(payload)
        let z: [UInt8] = [0x78, 0x01, 0x01, 4, 0, 0xfb, 0xff] + payload
            + [UInt8(a >> 24), UInt8(a >> 16 & 0xff), UInt8(a >> 8 & 0xff), UInt8(a & 0xff)]
        #expect(try Inflate.zlib(z, path: "s") == payload)
        var bad = z; bad[bad.count - 1] ^= 1
        #expect(throws: DataError.self) { try Inflate.zlib(bad, path: "s") }
    }

    func error(_ bytes: [UInt8]) -> String {
        do { _ = try PNGDecoder.decode(bytes, path: "/x/bad.png"); return "" } catch { return "\(error)" }
    }

    @Test func badInputsNameTheFile() throws {
        let good = [UInt8](try Data(contentsOf: Self.fixtures.appendingPathComponent("rgb24_filters_dynamic.png")))
        var crc = good; crc[40] ^= 0x55
        for (bytes, want) in [(Array("hello".utf8), "not a PNG"), (Array(good.prefix(good.count / 2)), "truncated"),
                              (crc, "CRC mismatch")] {
            let msg = error(bytes)
            #expect(msg.contains("/x/bad.png") && msg.contains(want), "\(msg)")
        }
    }
}
