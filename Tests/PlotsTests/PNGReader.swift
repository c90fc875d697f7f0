// PNGReader.swift — an independent PNG reader for the tests: chunk walking with a bit-by-bit
// CRC-32 (no table, unlike the encoder), a small inflate for stored and fixed-Huffman DEFLATE
// blocks, Adler-32 by definition, and PNG row un-filtering.
import Foundation

struct PNGChunk {
    var type: String
    var data: [UInt8]
    var crcOK: Bool
}

enum TestPNGError: Error, CustomStringConvertible {
    case bad(String)
    var description: String { if case .bad(let s) = self { return s }; return "" }
}

enum TestPNG {
    static func bitwiseCRC(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xffff_ffff
        for b in bytes {
            crc ^= UInt32(b)
            for _ in 0..<8 { crc = (crc >> 1) ^ ((crc & 1) * 0xEDB8_8320) }
        }
        return ~crc
    }

    static func adler(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt64 = 1, b: UInt64 = 0
        for x in bytes { a = (a + UInt64(x)) % 65521; b = (b + a) % 65521 }
        return UInt32(b << 16 | a)
    }

    static func be32(_ d: [UInt8], _ i: Int) -> UInt32 {
        UInt32(d[i]) << 24 | UInt32(d[i + 1]) << 16 | UInt32(d[i + 2]) << 8 | UInt32(d[i + 3])
    }

    static func chunks(_ data: Data) throws -> [PNGChunk] {
        let d = [UInt8](data)
        guard d.count >= 8, Array(d[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] else {
            throw TestPNGError.bad("no PNG signature")
        }
        var i = 8
        var out: [PNGChunk] = []
        while i + 12 <= d.count {
            let len = Int(be32(d, i))
            guard i + 12 + len <= d.count else { throw TestPNGError.bad("chunk overruns file") }
            let type = String(decoding: d[(i + 4)..<(i + 8)], as: UTF8.self)
            let payload = Array(d[(i + 8)..<(i + 8 + len)])
            let crc = be32(d, i + 8 + len)
            out.append(PNGChunk(type: type, data: payload, crcOK: bitwiseCRC(Array(d[(i + 4)..<(i + 8 + len)])) == crc))
            i += 12 + len
        }
        guard i == d.count else { throw TestPNGError.bad("trailing bytes") }
        return out
    }

    /// Decodes an 8-bit RGB/RGBA PNG to (width, height, channels, pixels).
    static func decode(_ data: Data) throws -> (width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        let cs = try chunks(data)
        guard let ihdr = cs.first, ihdr.type == "IHDR", ihdr.data.count == 13 else { throw TestPNGError.bad("IHDR first") }
        let w = Int(be32(ihdr.data, 0)), h = Int(be32(ihdr.data, 4))
        guard ihdr.data[8] == 8 else { throw TestPNGError.bad("bit depth") }
        let channels: Int
        switch ihdr.data[9] { case 2: channels = 3; case 6: channels = 4; default: throw TestPNGError.bad("colour type") }
        let z = cs.filter { $0.type == "IDAT" }.flatMap(\.data)
        let raw = try zlibInflate(z)
        let stride = w * channels
        guard raw.count == h * (stride + 1) else { throw TestPNGError.bad("IDAT size \(raw.count) != \(h * (stride + 1))") }
        var px = [UInt8](repeating: 0, count: h * stride)
        for y in 0..<h {
            let f = raw[y * (stride + 1)]
            for i in 0..<stride {
                let x = Int(raw[y * (stride + 1) + 1 + i])
                let a = i >= channels ? Int(px[y * stride + i - channels]) : 0
                let b = y > 0 ? Int(px[(y - 1) * stride + i]) : 0
                let c = (i >= channels && y > 0) ? Int(px[(y - 1) * stride + i - channels]) : 0
                let pred: Int
                switch f {
                case 0: pred = 0
                case 1: pred = a
                case 2: pred = b
                case 3: pred = (a + b) / 2
                case 4:
                    let p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
                    pred = (pa <= pb && pa <= pc) ? a : (pb <= pc ? b : c)
                default: throw TestPNGError.bad("filter type \(f)")
                }
                px[y * stride + i] = UInt8((x + pred) & 0xff)
            }
        }
        return (w, h, channels, px)
    }

    static func zlibInflate(_ z: [UInt8]) throws -> [UInt8] {
        guard z.count >= 6, (UInt16(z[0]) << 8 | UInt16(z[1])) % 31 == 0, z[0] & 0x0f == 8 else {
            throw TestPNGError.bad("bad zlib header")
        }
        var r = BitReader(bytes: Array(z[2...]))
        let out = try inflate(&r)
        let end = 2 + r.bytePositionAfterAlign()
        guard end + 4 <= z.count else { throw TestPNGError.bad("missing adler") }
        guard be32(z, end) == adler(out) else { throw TestPNGError.bad("adler mismatch") }
        return out
    }

    struct BitReader {
        let bytes: [UInt8]
        var pos = 0  // bit position
        mutating func bit() throws -> Int {
            guard pos / 8 < bytes.count else { throw TestPNGError.bad("out of input") }
            let b = Int(bytes[pos / 8] >> UInt8(pos % 8)) & 1
            pos += 1
            return b
        }
        mutating func bits(_ n: Int) throws -> Int {
            var v = 0
            for i in 0..<n { v |= try bit() << i }
            return v
        }
        mutating func bytePositionAfterAlign() -> Int { (pos + 7) / 8 }
    }

    static let lenBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    static let lenExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    static let distBase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
    static let distExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]

    /// Raw DEFLATE, block types 0 and 1 only.
    static func inflate(_ r: inout BitReader) throws -> [UInt8] {
        var out: [UInt8] = []
        var final = 0
        repeat {
            final = try r.bit()
            let type = try r.bits(2)
            switch type {
            case 0:
                r.pos = r.bytePositionAfterAlign() * 8
                let len = try r.bits(16), nlen = try r.bits(16)
                guard len == (~nlen & 0xffff) else { throw TestPNGError.bad("stored LEN/NLEN") }
                for _ in 0..<len { out.append(UInt8(try r.bits(8))) }
            case 1:
                while true {
                    let sym = try fixedSymbol(&r)
                    if sym < 256 { out.append(UInt8(sym)); continue }
                    if sym == 256 { break }
                    let li = sym - 257
                    guard li < 29 else { throw TestPNGError.bad("length symbol \(sym)") }
                    let len = lenBase[li] + (try r.bits(lenExtra[li]))
                    var dcode = 0
                    for _ in 0..<5 { dcode = dcode << 1 | (try r.bit()) }
                    guard dcode < 30 else { throw TestPNGError.bad("distance code \(dcode)") }
                    let dist = distBase[dcode] + (try r.bits(distExtra[dcode]))
                    guard dist <= out.count else { throw TestPNGError.bad("distance \(dist) too far") }
                    for _ in 0..<len { out.append(out[out.count - dist]) }
                }
            default:
                throw TestPNGError.bad("block type \(type) not supported by the test inflater")
            }
        } while final == 0
        return out
    }

    static func fixedSymbol(_ r: inout BitReader) throws -> Int {
        var code = 0
        for _ in 0..<7 { code = code << 1 | (try r.bit()) }
        if code <= 23 { return 256 + code }
        code = code << 1 | (try r.bit())
        if code >= 48 && code <= 191 { return code - 48 }
        if code >= 192 && code <= 199 { return 280 + code - 192 }
        code = code << 1 | (try r.bit())
        if code >= 400 && code <= 511 { return 144 + code - 400 }
        throw TestPNGError.bad("bad fixed code")
    }
}
