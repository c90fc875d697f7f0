// CRC32.swift — CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320, as zlib's crc32), used to
// check checkpoint files. Slicing-by-8 tables; crc32("123456789") = 0xCBF43926.
public enum CRC32 {
    /// 8 tables of 256 entries, flat: table k at [256k, 256k + 256)
    static let table: [UInt32] = {
        var t = [[UInt32]](repeating: [UInt32](repeating: 0, count: 256), count: 8)
        for i in 0..<256 {
            var c = UInt32(i)
            for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            t[0][i] = c
        }
        for i in 0..<256 {
            for k in 1..<8 { t[k][i] = (t[k - 1][i] >> 8) ^ t[0][Int(t[k - 1][i] & 0xff)] }
        }
        return t.flatMap { $0 }
    }()

    /// Continues a CRC over `bytes` (start with 0).
    public static func update(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var c = ~crc
        table.withUnsafeBufferPointer { tp in
            var i = 0
            let n = bytes.count
            while i + 8 <= n {
                let lo = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt32.self)) ^ c
                let hi = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: i + 4, as: UInt32.self))
                c = tp[7 * 256 + Int(lo & 0xff)] ^ tp[6 * 256 + Int((lo >> 8) & 0xff)]
                  ^ tp[5 * 256 + Int((lo >> 16) & 0xff)] ^ tp[4 * 256 + Int(lo >> 24)]
                  ^ tp[3 * 256 + Int(hi & 0xff)] ^ tp[2 * 256 + Int((hi >> 8) & 0xff)]
                  ^ tp[1 * 256 + Int((hi >> 16) & 0xff)] ^ tp[Int(hi >> 24)]
                i += 8
            }
            while i < n {
                c = tp[Int((c ^ UInt32(bytes[i])) & 0xff)] ^ (c >> 8)
                i += 1
            }
        }
        return ~c
    }

    public static func checksum<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        Array(bytes).withUnsafeBytes { update(0, $0) }
    }
}
