// PNGEncoder.swift — writes 8-bit RGB or RGBA PNG files: signature, IHDR, one IDAT (zlib with
// per-row adaptive filters None/Sub/Up/Average/Paeth chosen by least absolute sum), IEND; each chunk with its CRC-32.
import Foundation

public enum PNGEncoder {
    public enum PixelFormat: Sendable {
        case rgb
        case rgba
        var channels: Int { self == .rgb ? 3 : 4 }
        var colorType: UInt8 { self == .rgb ? 2 : 6 }
    }

    public enum EncodeError: Error, CustomStringConvertible, Equatable {
        case badSize(width: Int, height: Int)
        case badPixelCount(expected: Int, got: Int)
        public var description: String {
            switch self {
            case let .badSize(w, h): return "png: image size \(w)x\(h) is invalid (width and height must be 1...2^31-1)"
            case let .badPixelCount(e, g): return "png: pixel buffer has \(g) bytes, expected \(e) (width × height × channels)"
            }
        }
    }

    public static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Encodes `pixels` (height, width, channels) row-major, top row first.
    public static func encode(width: Int, height: Int, pixels: [UInt8], format: PixelFormat = .rgba,
                              compression: DeflateMode = .fixedHuffman) throws -> Data {
        guard width > 0, height > 0, width < Int(Int32.max), height < Int(Int32.max) else {
            throw EncodeError.badSize(width: width, height: height)
        }
        let expected = width * height * format.channels
        guard pixels.count == expected else { throw EncodeError.badPixelCount(expected: expected, got: pixels.count) }
        return encodeUnchecked(width: width, height: height, pixels: pixels, format: format, compression: compression)
    }

    /// Shorthand for RGBA input, as in `encode(width:height:rgba:)`.
    public static func encode(width: Int, height: Int, rgba: [UInt8]) throws -> Data {
        try encode(width: width, height: height, pixels: rgba, format: .rgba)
    }

    static func encodeUnchecked(width: Int, height: Int, pixels: [UInt8], format: PixelFormat,
                                compression: DeflateMode = .fixedHuffman) -> Data {
        // an empty canvas still makes a valid 1×1 transparent image
        if width <= 0 || height <= 0 {
            return encodeUnchecked(width: 1, height: 1, pixels: [UInt8](repeating: 0, count: format.channels), format: format)
        }
        var out = Data(signature)
        var ihdr: [UInt8] = []
        ihdr += bigEndian(UInt32(width)); ihdr += bigEndian(UInt32(height))
        ihdr += [8, format.colorType, 0, 0, 0]  // bit depth, colour type, deflate, adaptive filters, no interlace
        appendChunk(&out, "IHDR", ihdr)
        let filtered = filterRows(width: width, height: height, pixels: pixels, bpp: format.channels)
        appendChunk(&out, "IDAT", Deflate.zlib(filtered, mode: compression))
        appendChunk(&out, "IEND", [])
        return out
    }

    static func bigEndian(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8((v >> 16) & 0xff), UInt8((v >> 8) & 0xff), UInt8(v & 0xff)]
    }

    static func appendChunk(_ out: inout Data, _ type: String, _ payload: [UInt8]) {
        let typeBytes = Array(type.utf8)
        out.append(contentsOf: bigEndian(UInt32(payload.count)))
        out.append(contentsOf: typeBytes)
        out.append(contentsOf: payload)
        out.append(contentsOf: bigEndian(CRC32.update(CRC32.checksum(typeBytes), payload)))
    }

    /// Prefixes each row with a filter byte, picking the filter whose output has the smallest
    /// sum of |signed bytes| (the libpng heuristic).
    static func filterRows(width: Int, height: Int, pixels: [UInt8], bpp: Int) -> [UInt8] {
        let stride = width * bpp
        var out = [UInt8](repeating: 0, count: height * (stride + 1))
        var candidate = [[UInt8]](repeating: [UInt8](repeating: 0, count: stride), count: 5)
        pixels.withUnsafeBufferPointer { px in
            for y in 0..<height {
                let row = y * stride, up = (y - 1) * stride
                var best = 0, bestScore = Int.max
                for f in 0..<5 {
                    var score = 0
                    for i in 0..<stride {
                        let x = Int(px[row + i])
                        let a = i >= bpp ? Int(px[row + i - bpp]) : 0
                        let b = y > 0 ? Int(px[up + i]) : 0
                        let c = (i >= bpp && y > 0) ? Int(px[up + i - bpp]) : 0
                        let pred: Int
                        switch f {
                        case 0: pred = 0
                        case 1: pred = a
                        case 2: pred = b
                        case 3: pred = (a + b) / 2
                        default: pred = paeth(a, b, c)
                        }
                        let v = UInt8(truncatingIfNeeded: x - pred)
                        candidate[f][i] = v
                        score += v < 128 ? Int(v) : 256 - Int(v)
                    }
                    if score < bestScore { bestScore = score; best = f }
                }
                out[y * (stride + 1)] = UInt8(best)
                for i in 0..<stride { out[y * (stride + 1) + 1 + i] = candidate[best][i] }
            }
        }
        return out
    }

    static func paeth(_ a: Int, _ b: Int, _ c: Int) -> Int {
        let p = a + b - c
        let pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
        if pa <= pb && pa <= pc { return a }
        return pb <= pc ? b : c
    }
}
