// PNGDecoder.swift — reads PNG files into 8-bit gray or RGB pixels: chunks with CRC-32 check,
// IHDR/PLTE/IDAT/IEND, zlib via Inflate, filters None/Sub/Up/Average/Paeth. Colour types gray,
// RGB, palette, gray+alpha, RGBA; ALPHA IS DROPPED (not composited). Bit depth 8; 1/2/4 for gray
// (scaled to 0...255) and palette; 16-bit keeps the high byte. Interlaced files are refused.
// Every error is a DataError naming the file.
import Foundation

public struct DecodedImage: Sendable, Equatable {
    public var width: Int, height: Int
    /// 1 (gray) or 3 (RGB)
    public var channels: Int
    /// pixels (height, width, channels), row-major, top row first
    public var pixels: [UInt8]
}

public enum PNGDecoder {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    public static func decode(file path: String) throws -> DecodedImage {
        guard let d = FileManager.default.contents(atPath: path) else { throw DataError("\(path): cannot read file") }
        return try decode([UInt8](d), path: path)
    }

    static func be32(_ b: [UInt8], _ i: Int) -> Int {
        Int(b[i]) << 24 | Int(b[i + 1]) << 16 | Int(b[i + 2]) << 8 | Int(b[i + 3])
    }

    public static func decode(_ b: [UInt8], path: String) throws -> DecodedImage {
        guard b.count >= 8, Array(b[0..<8]) == signature else { throw DataError("\(path): not a PNG file (bad signature)") }
        var pos = 8
        var width = 0, height = 0, depth = 0, colorType = -1
        var palette: [UInt8] = []
        var idat: [UInt8] = []
        var sawEnd = false
        while !sawEnd {
            guard pos + 12 <= b.count else { throw DataError("\(path): truncated PNG (chunk header at byte \(pos))") }
            let len = be32(b, pos)
            guard len <= b.count - pos - 12 else { throw DataError("\(path): truncated PNG (chunk at byte \(pos) needs \(len) bytes)") }
            let type = String(decoding: b[(pos + 4)..<(pos + 8)], as: UTF8.self)
            let body = Array(b[(pos + 8)..<(pos + 8 + len)])
            let crc = UInt32(be32(b, pos + 8 + len))
            let got = b[(pos + 4)..<(pos + 8 + len)].withUnsafeBytes { CRC32.update(0, $0) }
            guard crc == got else { throw DataError("\(path): PNG chunk \(type) at byte \(pos): CRC mismatch (corrupt file)") }
            switch type {
            case "IHDR":
                guard len == 13 else { throw DataError("\(path): PNG IHDR has length \(len), expected 13") }
                width = be32(body, 0); height = be32(body, 4); depth = Int(body[8]); colorType = Int(body[9])
                guard width > 0, height > 0, width <= 1 << 16, height <= 1 << 16 else {
                    throw DataError("\(path): PNG size \(width)x\(height) unsupported (1...65536)")
                }
                guard body[12] == 0 else { throw DataError("\(path): interlaced (Adam7) PNG is not supported") }
                let ok: [Int: [Int]] = [0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16]]
                guard let depths = ok[colorType], depths.contains(depth) else {
                    throw DataError("\(path): PNG colour type \(colorType) with bit depth \(depth) is not supported")
                }
            case "PLTE": palette = body
            case "IDAT": idat += body
            case "IEND": sawEnd = true
            default: break
            }
            pos += 12 + len
        }
        guard colorType >= 0 else { throw DataError("\(path): PNG has no IHDR chunk") }
        guard !idat.isEmpty else { throw DataError("\(path): PNG has no IDAT chunk") }
        if colorType == 3, palette.isEmpty { throw DataError("\(path): palette PNG has no PLTE chunk") }
        let samples = [0: 1, 2: 3, 3: 1, 4: 2, 6: 4][colorType]!
        let bitsPerPixel = samples * depth
        let stride = (width * bitsPerPixel + 7) / 8
        let bpp = max(1, bitsPerPixel / 8)
        let raw = try Inflate.zlib(idat, path: path)
        guard raw.count >= height * (stride + 1) else {
            throw DataError("\(path): PNG image data too short: \(raw.count) bytes, expected \(height * (stride + 1))")
        }
        var prev = [UInt8](repeating: 0, count: stride), cur = prev
        let outChannels = (colorType == 2 || colorType == 3 || colorType == 6) ? 3 : 1
        var out = [UInt8](); out.reserveCapacity(width * height * outChannels)
        for y in 0..<height {
            let base = y * (stride + 1), filter = raw[base]
            for i in 0..<stride {
                let x = raw[base + 1 + i]
                let a = i >= bpp ? Int(cur[i - bpp]) : 0, up = Int(prev[i]), c = i >= bpp ? Int(prev[i - bpp]) : 0
                let pred: Int
                switch filter {
                case 0: pred = 0
                case 1: pred = a
                case 2: pred = up
                case 3: pred = (a + up) / 2
                case 4:
                    let p = a + up - c, pa = abs(p - a), pb = abs(p - up), pc = abs(p - c)
                    pred = pa <= pb && pa <= pc ? a : pb <= pc ? up : c
                default: throw DataError("\(path): PNG row \(y) has unknown filter type \(filter)")
                }
                cur[i] = x &+ UInt8(truncatingIfNeeded: pred)
            }
            for xPix in 0..<width {
                func sample(_ k: Int) -> Int {  // k-th sample of this pixel, scaled to 8 bits
                    if depth == 16 { return Int(cur[(xPix * samples + k) * 2]) }
                    if depth == 8 { return Int(cur[xPix * samples + k]) }
                    let bit = xPix * depth, v = (Int(cur[bit / 8]) >> (8 - depth - bit % 8)) & ((1 << depth) - 1)
                    return colorType == 3 ? v : v * 255 / ((1 << depth) - 1)
                }
                switch colorType {
                case 0, 4: out.append(UInt8(sample(0)))
                case 2, 6: for k in 0..<3 { out.append(UInt8(sample(k))) }
                default:
                    let idx = sample(0)
                    guard idx * 3 + 2 < palette.count else { throw DataError("\(path): PNG palette index \(idx) out of range") }
                    out += palette[(idx * 3)..<(idx * 3 + 3)]
                }
            }
            swap(&prev, &cur)
        }
        return DecodedImage(width: width, height: height, channels: outChannels, pixels: out)
    }
}
