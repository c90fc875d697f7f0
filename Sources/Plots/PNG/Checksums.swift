// Checksums.swift — CRC-32 (ISO 3309 / PNG chunks, polynomial 0xEDB88320, table-driven) and
// Adler-32 (the zlib stream trailer). Nested in PNGEncoder / Deflate so they do not clash with
// DiffusionCore's CRC32 in modules that import both.
import Foundation

extension PNGEncoder {
    static let crcTable: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    /// CRC-32 of `bytes`, continuing from `crc` (0 to start).
    public static func crc32(_ bytes: [UInt8], continuing crc: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBufferPointer { b in
            crcTable.withUnsafeBufferPointer { t in
                var c = ~crc
                for x in b { c = t[Int((c ^ UInt32(x)) & 0xff)] ^ (c >> 8) }
                return ~c
            }
        }
    }
}

extension Deflate {
    /// Adler-32 of `bytes` (RFC 1950).
    public static func adler32(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        var i = 0
        // 5552 bytes is the longest run whose sums cannot overflow 32 bits before the modulo
        bytes.withUnsafeBufferPointer { p in
            while i < p.count {
                let end = min(p.count, i + 5552)
                while i < end { a &+= UInt32(p[i]); b &+= a; i += 1 }
                a %= 65521; b %= 65521
            }
        }
        return (b << 16) | a
    }
}
