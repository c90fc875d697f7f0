// PNGTests.swift — the PNG encoder and zlib/DEFLATE writer, checked with the tests' own reader.
import Foundation
import Plots
import Testing

@Suite struct PNGTests {
    /// A deterministic test image: gradients, a flat area and noise (so every filter and both
    /// literals and matches appear).
    static func image(width: Int, height: Int, channels: Int) -> [UInt8] {
        var px = [UInt8](repeating: 0, count: width * height * channels)
        var state: UInt32 = 12345
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<channels {
                    let v: Int
                    if y < height / 3 { v = (x * 7 + c * 50) & 0xff }
                    else if y < 2 * height / 3 { v = 200 }
                    else { state = state &* 1_664_525 &+ 1_013_904_223; v = Int(state >> 24) }
                    px[(y * width + x) * channels + c] = UInt8(v)
                }
            }
        }
        return px
    }

    @Test(arguments: [PNGEncoder.PixelFormat.rgba, .rgb], [DeflateMode.fixedHuffman, .stored])
    func roundTrip(format: PNGEncoder.PixelFormat, mode: DeflateMode) throws {
        let channels = format == .rgba ? 4 : 3
        let (w, h) = (37, 23)
        let px = Self.image(width: w, height: h, channels: channels)
        let png = try PNGEncoder.encode(width: w, height: h, pixels: px, format: format, compression: mode)
        let chunks = try TestPNG.chunks(png)
        #expect(chunks.map(\.type) == ["IHDR", "IDAT", "IEND"])
        #expect(chunks.allSatisfy { $0.crcOK })
        let decoded = try TestPNG.decode(png)
        #expect(decoded.width == w && decoded.height == h && decoded.channels == channels)
        #expect(decoded.pixels == px)
    }

    @Test func ihdrFieldsAndSignature() throws {
        let png = try PNGEncoder.encode(width: 300, height: 2, rgba: [UInt8](repeating: 9, count: 300 * 2 * 4))
        #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        let ihdr = try #require(try TestPNG.chunks(png).first)
        #expect(ihdr.type == "IHDR")
        #expect(ihdr.data == [0, 0, 1, 44, 0, 0, 0, 2, 8, 6, 0, 0, 0])
    }

    @Test func storedBlocksSplitAt64K() throws {
        // 200 × 100 RGBA = 80,100 filtered bytes: needs two stored blocks
        let px = Self.image(width: 200, height: 100, channels: 4)
        let png = try PNGEncoder.encode(width: 200, height: 100, pixels: px, format: .rgba, compression: .stored)
        #expect(try TestPNG.decode(png).pixels == px)
    }

    @Test func zlibStreamRoundTripsLongRunsAndFarMatches() throws {
        var input = [UInt8](repeating: 0, count: 70_000)  // runs longer than 258, distances up to 32K
        for i in 0..<input.count { input[i] = UInt8((i / 1000) % 7 == 0 ? (i * 31) & 0xff : (i % 40_000) & 0x3) }
        let z = Deflate.zlib(input)
        #expect(try TestPNG.zlibInflate(z) == input)
        #expect(z.count < input.count / 4)
        #expect(try TestPNG.zlibInflate(Deflate.zlib([])) == [])
        #expect(try TestPNG.zlibInflate(Deflate.zlib([], mode: .stored)) == [])
    }

    @Test func checksumsMatchReferenceValues() {
        // CRC-32 and Adler-32 check values of "123456789" and of "Wikipedia"
        #expect(PNGEncoder.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(Deflate.adler32(Array("Wikipedia".utf8)) == 0x11E6_0398)
        let big = [UInt8](repeating: 0xff, count: 100_000)
        #expect(Deflate.adler32(big) == TestPNG.adler(big))
        #expect(PNGEncoder.crc32(big) == TestPNG.bitwiseCRC(big))
    }

    @Test func badInputIsAnError() {
        #expect(throws: PNGEncoder.EncodeError.badPixelCount(expected: 16, got: 15)) {
            try PNGEncoder.encode(width: 2, height: 2, pixels: [UInt8](repeating: 0, count: 15), format: .rgba)
        }
        #expect(throws: PNGEncoder.EncodeError.badSize(width: 0, height: 3)) {
            try PNGEncoder.encode(width: 0, height: 3, rgba: [])
        }
    }

    @Test func canvasDrawingReachesThePNG() throws {
        var canvas = RasterCanvas(width: 20, height: 10)
        canvas.fillRect(x: 2, y: 3, width: 4, height: 2, RGBA(255, 0, 0))
        canvas.drawLine(x0: 0.5, y0: 9.5, x1: 19.5, y1: 9.5, RGBA(0, 0, 255))
        canvas.blend(x: 10, y: 0, RGBA(0, 0, 0, 128))
        #expect(canvas.pixel(x: 2, y: 3) == RGBA(255, 0, 0))
        #expect(canvas.pixel(x: 5, y: 4) == RGBA(255, 0, 0))
        #expect(canvas.pixel(x: 6, y: 4) == .white)
        #expect(canvas.pixel(x: 13, y: 9) == RGBA(0, 0, 255))
        #expect(canvas.pixel(x: 10, y: 0) == RGBA(127, 127, 127))
        let decoded = try TestPNG.decode(canvas.pngData())
        #expect(decoded.channels == 3)
        #expect(decoded.width == 20 && decoded.height == 10)
        for y in 0..<10 {
            for x in 0..<20 {
                let p = canvas.pixel(x: x, y: y)
                let i = (y * 20 + x) * 3
                #expect(Array(decoded.pixels[i..<(i + 3)]) == [p.r, p.g, p.b])
            }
        }
    }

    @Test func clipAndTextStayInside() {
        var canvas = RasterCanvas(width: 30, height: 12)
        canvas.clip = (0, 0, 15, 12)
        canvas.drawText("HI", x: 1, y: 8, .black)
        canvas.fillRect(x: 0, y: 0, width: 30, height: 1, .black)
        #expect(canvas.pixel(x: 1, y: 2) == .black)       // the H's left stem
        #expect(canvas.pixel(x: 14, y: 0) == .black)
        #expect(canvas.pixel(x: 15, y: 0) == .white)      // clipped
        #expect(RasterCanvas.textWidth("HI") == 11)
        // "I" (cell 2, starting at x = 7): top bar .###. → x 8...10 on row y = 1
        #expect((8...10).allSatisfy { canvas.pixel(x: $0, y: 1) == .black })
        #expect(canvas.pixel(x: 7, y: 1) == .white)
    }
}

@Suite struct BitmapFontTests {
    static func render(_ s: String) -> [UInt8] {
        var c = RasterCanvas(width: 8, height: 12)
        c.drawText(s, x: 1, y: 8, .black)
        return c.pixels
    }

    @Test func everyPrintableASCIICharacterHasItsOwnGlyph() {
        let box = Self.render("\u{1F600}")  // no glyph: the fallback box
        var seen: [[UInt8]: Character] = [:]
        for v in 33...126 {
            let ch = Character(Unicode.Scalar(UInt8(v)))
            let px = Self.render(String(ch))
            #expect(px != box, "'\(ch)' has no glyph")
            if let other = seen[px] { Issue.record("'\(ch)' draws the same as '\(other)'") }
            seen[px] = ch
        }
        #expect(Self.render(" ") == RasterCanvas(width: 8, height: 12).pixels)
        #expect(Self.render("√ᾱ−") != Self.render("\u{1F600}\u{1F600}\u{1F600}"))
    }
}
