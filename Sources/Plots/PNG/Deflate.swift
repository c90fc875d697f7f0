// Deflate.swift — a from-scratch zlib (RFC 1950) / DEFLATE (RFC 1951) compressor with two
// block kinds: stored (no compression) and fixed-Huffman with LZ77 matches found through a
// hash chain over a 32 KiB window. Good enough for plots: long runs of background compress well.
import Foundation

public enum DeflateMode: Sendable {
    case stored
    case fixedHuffman
}

/// LSB-first bit writer as DEFLATE wants it.
struct BitWriter {
    var bytes: [UInt8] = []
    private var acc: UInt64 = 0
    private var count = 0

    /// Appends the low `n` bits of `value`, least significant bit first.
    mutating func write(_ value: UInt32, bits n: Int) {
        acc |= UInt64(value & (n == 32 ? 0xffff_ffff : (1 << UInt32(n)) - 1)) << UInt64(count)
        count += n
        while count >= 8 { bytes.append(UInt8(acc & 0xff)); acc >>= 8; count -= 8 }
    }

    /// Appends a Huffman code of `n` bits, most significant bit first (RFC 1951 §3.1.1).
    mutating func writeCode(_ code: UInt32, bits n: Int) {
        var rev: UInt32 = 0
        for i in 0..<n { rev |= ((code >> UInt32(i)) & 1) << UInt32(n - 1 - i) }
        write(rev, bits: n)
    }

    mutating func alignToByte() { if count > 0 { write(0, bits: 8 - count) } }
}

public enum Deflate {
    /// A complete zlib stream: header 0x78 0x01, DEFLATE blocks, Adler-32 of `data` (big-endian).
    public static func zlib(_ data: [UInt8], mode: DeflateMode = .fixedHuffman) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        out += mode == .stored ? stored(data) : fixedHuffman(data)
        let adler = adler32(data)
        out += [UInt8(adler >> 24), UInt8((adler >> 16) & 0xff), UInt8((adler >> 8) & 0xff), UInt8(adler & 0xff)]
        return out
    }

    /// Raw DEFLATE stored blocks (at most 65535 bytes each).
    static func stored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        repeat {
            let n = min(65535, data.count - i)
            let final: UInt8 = i + n == data.count ? 1 : 0
            out.append(final)  // BFINAL, BTYPE = 00, padded to a byte
            out += [UInt8(n & 0xff), UInt8(n >> 8), UInt8(~n & 0xff), UInt8((~n >> 8) & 0xff)]
            out += data[i..<(i + n)]
            i += n
        } while i < data.count
        return out
    }

    // RFC 1951 §3.2.5: length codes 257...285 and distance codes 0...29
    static let lengthBase: [Int] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59,
                                    67, 83, 99, 115, 131, 163, 195, 227, 258]
    static let lengthExtra: [Int] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    static let distBase: [Int] = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769,
                                  1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
    static let distExtra: [Int] = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10,
                                   11, 11, 12, 12, 13, 13]

    /// Literal/length symbol 0...287 with the fixed Huffman code of RFC 1951 §3.2.6.
    static func writeFixedSymbol(_ w: inout BitWriter, _ sym: Int) {
        switch sym {
        case 0...143: w.writeCode(UInt32(0x30 + sym), bits: 8)
        case 144...255: w.writeCode(UInt32(0x190 + sym - 144), bits: 9)
        case 256...279: w.writeCode(UInt32(sym - 256), bits: 7)
        default: w.writeCode(UInt32(0xC0 + sym - 280), bits: 8)
        }
    }

    static func writeMatch(_ w: inout BitWriter, length: Int, distance: Int) {
        var li = lengthBase.count - 1
        while lengthBase[li] > length { li -= 1 }
        writeFixedSymbol(&w, 257 + li)
        if lengthExtra[li] > 0 { w.write(UInt32(length - lengthBase[li]), bits: lengthExtra[li]) }
        var di = distBase.count - 1
        while distBase[di] > distance { di -= 1 }
        w.writeCode(UInt32(di), bits: 5)
        if distExtra[di] > 0 { w.write(UInt32(distance - distBase[di]), bits: distExtra[di]) }
    }

    /// One fixed-Huffman block (BFINAL = 1) holding all of `data`, greedy LZ77 matching.
    static func fixedHuffman(_ data: [UInt8]) -> [UInt8] {
        var w = BitWriter()
        w.write(1, bits: 1)  // BFINAL
        w.write(1, bits: 2)  // BTYPE = 01 fixed Huffman
        let n = data.count
        let window = 32768, maxChain = 32, maxLen = 258
        let hashBits = 15, hashSize = 1 << 15
        var head = [Int](repeating: -1, count: hashSize)
        var prev = [Int](repeating: -1, count: window)
        func hash(_ i: Int) -> Int {
            let v = (Int(data[i]) << 16) | (Int(data[i + 1]) << 8) | Int(data[i + 2])
            return (v &* 2654435761) >> (32 - hashBits) & (hashSize - 1)
        }
        func insert(_ i: Int) {
            guard i + 2 < n else { return }
            let h = hash(i)
            prev[i & (window - 1)] = head[h]
            head[h] = i
        }
        var i = 0
        data.withUnsafeBufferPointer { d in
            while i < n {
                var bestLen = 0, bestDist = 0
                if i + 2 < n {
                    var cand = head[hash(i)]
                    var chain = 0
                    let limit = min(maxLen, n - i)
                    while cand >= 0 && i - cand <= window && chain < maxChain {
                        if d[cand + bestLen] == d[i + bestLen] || bestLen == 0 {
                            var l = 0
                            while l < limit && d[cand + l] == d[i + l] { l += 1 }
                            if l > bestLen { bestLen = l; bestDist = i - cand; if l == limit { break } }
                        }
                        let next = prev[cand & (window - 1)]
                        if next >= cand { break }  // slot reused by a newer position
                        cand = next
                        chain += 1
                    }
                }
                if bestLen >= 3 {
                    writeMatch(&w, length: bestLen, distance: bestDist)
                    for k in i..<(i + bestLen) { insert(k) }
                    i += bestLen
                } else {
                    writeFixedSymbol(&w, Int(d[i]))
                    insert(i)
                    i += 1
                }
            }
        }
        writeFixedSymbol(&w, 256)  // end of block
        w.alignToByte()
        return w.bytes
    }
}
