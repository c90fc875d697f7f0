// Inflate.swift — zlib/DEFLATE decompression (RFC 1950/1951): stored, fixed-Huffman and
// dynamic-Huffman blocks, with the zlib header and Adler-32 trailer checked. Used by PNGDecoder.
// Errors are DataError naming `path`.
import Foundation

public enum Inflate {
    /// Canonical Huffman table: counts per length and symbols sorted by code.
    struct Huffman {
        var counts = [Int](repeating: 0, count: 16)
        var symbols: [Int] = []
        init(lengths: [Int]) {
            for l in lengths { counts[l] += 1 }
            counts[0] = 0
            var offs = [Int](repeating: 0, count: 16)
            for i in 1..<16 { offs[i] = offs[i - 1] + counts[i - 1] }
            symbols = [Int](repeating: 0, count: lengths.count)
            for (s, l) in lengths.enumerated() where l != 0 { symbols[offs[l]] = s; offs[l] += 1 }
        }
    }

    struct BitReader {
        let bytes: [UInt8]; var pos: Int; var bitBuf = 0; var bitCount = 0; let path: String
        mutating func bits(_ n: Int) throws -> Int {
            while bitCount < n {
                guard pos < bytes.count else { throw DataError("\(path): truncated zlib stream") }
                bitBuf |= Int(bytes[pos]) << bitCount; pos += 1; bitCount += 8
            }
            let v = bitBuf & ((1 << n) - 1); bitBuf >>= n; bitCount -= n
            return v
        }
        mutating func decode(_ h: Huffman) throws -> Int {
            var code = 0, first = 0, index = 0
            for len in 1..<16 {
                code |= try bits(1)
                let count = h.counts[len]
                if code - count < first { return h.symbols[index + (code - first)] }
                index += count; first += count; first <<= 1; code <<= 1
            }
            throw DataError("\(path): corrupt zlib stream (invalid Huffman code)")
        }
    }

    static let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    static let distBase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
    static let distExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]

    public static func adler32(_ b: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, s: UInt32 = 0
        for x in b { a = (a + UInt32(x)) % 65521; s = (s + a) % 65521 }
        return s << 16 | a
    }

    /// Decompresses a zlib stream; `path` names the file in errors.
    public static func zlib(_ data: [UInt8], path: String) throws -> [UInt8] {
        guard data.count >= 6 else { throw DataError("\(path): truncated zlib stream") }
        let cmf = Int(data[0]), flg = Int(data[1])
        guard cmf & 0x0f == 8, (cmf << 8 | flg) % 31 == 0 else { throw DataError("\(path): bad zlib header") }
        guard flg & 0x20 == 0 else { throw DataError("\(path): zlib preset dictionary not supported") }
        var r = BitReader(bytes: data, pos: 2, path: path)
        var out: [UInt8] = []
        var final = 0
        repeat {
            final = try r.bits(1)
            let type = try r.bits(2)
            switch type {
            case 0:
                r.bitBuf = 0; r.bitCount = 0
                guard r.pos + 4 <= data.count else { throw DataError("\(path): truncated zlib stream") }
                let len = Int(data[r.pos]) | Int(data[r.pos + 1]) << 8
                let nlen = Int(data[r.pos + 2]) | Int(data[r.pos + 3]) << 8
                guard len == (~nlen & 0xffff) else { throw DataError("\(path): corrupt zlib stored block length") }
                r.pos += 4
                guard r.pos + len <= data.count else { throw DataError("\(path): truncated zlib stream") }
                out.append(contentsOf: data[r.pos..<(r.pos + len)]); r.pos += len
            case 1:
                let lit = Huffman(lengths: (0..<288).map { $0 < 144 ? 8 : $0 < 256 ? 9 : $0 < 280 ? 7 : 8 })
                let dist = Huffman(lengths: [Int](repeating: 5, count: 30))
                try codes(&r, lit, dist, &out)
            case 2:
                let hlit = try r.bits(5) + 257, hdist = try r.bits(5) + 1, hclen = try r.bits(4) + 4
                let order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
                var cl = [Int](repeating: 0, count: 19)
                for i in 0..<hclen { cl[order[i]] = try r.bits(3) }
                let clh = Huffman(lengths: cl)
                var lengths: [Int] = []
                while lengths.count < hlit + hdist {
                    let sym = try r.decode(clh)
                    if sym < 16 { lengths.append(sym); continue }
                    var rep = 0, val = 0
                    if sym == 16 {
                        guard let last = lengths.last else { throw DataError("\(path): corrupt zlib stream (repeat with no length)") }
                        val = last; rep = 3 + (try r.bits(2))
                    } else if sym == 17 { rep = 3 + (try r.bits(3)) } else { rep = 11 + (try r.bits(7)) }
                    guard lengths.count + rep <= hlit + hdist else { throw DataError("\(path): corrupt zlib stream (too many lengths)") }
                    lengths += [Int](repeating: val, count: rep)
                }
                try codes(&r, Huffman(lengths: Array(lengths[0..<hlit])), Huffman(lengths: Array(lengths[hlit...])), &out)
            default:
                throw DataError("\(path): corrupt zlib stream (block type 3)")
            }
        } while final == 0
        r.bitBuf = 0; r.bitCount = 0
        guard r.pos + 4 <= data.count else { throw DataError("\(path): truncated zlib stream (no Adler-32)") }
        let want = UInt32(data[r.pos]) << 24 | UInt32(data[r.pos + 1]) << 16 | UInt32(data[r.pos + 2]) << 8 | UInt32(data[r.pos + 3])
        guard want == adler32(out) else { throw DataError("\(path): zlib Adler-32 mismatch (corrupt data)") }
        return out
    }

    static func codes(_ r: inout BitReader, _ lit: Huffman, _ dist: Huffman, _ out: inout [UInt8]) throws {
        while true {
            let sym = try r.decode(lit)
            if sym < 256 { out.append(UInt8(sym)); continue }
            if sym == 256 { return }
            let li = sym - 257
            guard li < 29 else { throw DataError("\(r.path): corrupt zlib stream (bad length code)") }
            let len = lengthBase[li] + (try r.bits(lengthExtra[li]))
            let di = try r.decode(dist)
            guard di < 30 else { throw DataError("\(r.path): corrupt zlib stream (bad distance code)") }
            let d = distBase[di] + (try r.bits(distExtra[di]))
            guard d <= out.count else { throw DataError("\(r.path): corrupt zlib stream (distance too far back)") }
            let start = out.count - d
            for i in 0..<len { out.append(out[start + i]) }
        }
    }
}
