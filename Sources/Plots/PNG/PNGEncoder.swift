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
        out.append(contentsOf: bigEndian(crc32(payload, continuing: crc32(typeBytes))))
    }

    /// Prefixes each row with a filter byte, picking the filter whose output has the smallest
    /// sum of |signed bytes| (the libpng heuristic).
    static func filterRows(width: Int, height: Int, pixels: [UInt8], bpp: Int) -> [UInt8] {
        let stride = width * bpp
        var out = [UInt8](repeating: 0, count: height * (stride + 1))
        let zeros = [UInt8](repeating: 0, count: stride)
        pixels.withUnsafeBufferPointer { px in
            zeros.withUnsafeBufferPointer { zero in
                out.withUnsafeMutableBufferPointer { o in
                    for y in 0..<height {
                        let row = UnsafeBufferPointer(rebasing: px[(y * stride)..<((y + 1) * stride)])
                        let up = y > 0 ? UnsafeBufferPointer(rebasing: px[((y - 1) * stride)..<(y * stride)]) : zero
                        @inline(__always) func filtered(_ f: Int, _ i: Int) -> UInt8 {
                            let x = row[i]
                            let a = i >= bpp ? row[i - bpp] : 0
                            let b = up[i]
                            switch f {
                            case 0: return x
                            case 1: return x &- a
                            case 2: return x &- b
                            case 3: return x &- UInt8((Int(a) + Int(b)) >> 1)
                            default:
                                let c = i >= bpp ? up[i - bpp] : 0
                                return x &- UInt8(paeth(Int(a), Int(b), Int(c)))
                            }
                        }
                        // one pass scores all five filters
                        var sums = (0, 0, 0, 0, 0)
                        @inline(__always) func cost(_ v: UInt8) -> Int { v < 128 ? Int(v) : 256 - Int(v) }
                        for i in 0..<stride {
                            let x = row[i], b = up[i]
                            let a = i >= bpp ? row[i - bpp] : 0, c = i >= bpp ? up[i - bpp] : 0
                            sums.0 += cost(x)
                            sums.1 += cost(x &- a)
                            sums.2 += cost(x &- b)
                            sums.3 += cost(x &- UInt8((Int(a) + Int(b)) >> 1))
                            sums.4 += cost(x &- UInt8(paeth(Int(a), Int(b), Int(c))))
                        }
                        let scores = [sums.0, sums.1, sums.2, sums.3, sums.4]
                        var best = 0
                        for f in 1..<5 where scores[f] < scores[best] { best = f }
                        let base = y * (stride + 1)
                        o[base] = UInt8(best)
                        for i in 0..<stride { o[base + 1 + i] = filtered(best, i) }
                    }
                }
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
