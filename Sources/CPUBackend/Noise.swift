// Noise.swift — fast Philox4x32-10 + Box–Muller noise: eight Philox blocks per SIMD step,
// the same counter layout as Philox.swift (DiffusionCore), and the same scalar glibc
// logf / cosf / sinf Box–Muller as the reference, so normals match it bit for bit.
import DiffusionCore

public enum PhiloxSIMD {
    /// Raw words of blocks firstBlock ..< firstBlock + blocks of stream `seed`:
    /// out[4·b + w] = word w of block firstBlock + b, exactly `Philox.words(seed:block:)`.
    public static func words(seed: UInt64, firstBlock: UInt64, blocks: Int, into out: UnsafeMutablePointer<UInt32>) {
        var b = 0
        while b + 8 <= blocks {
            let w = block8(seed: seed, first: firstBlock &+ UInt64(b))
            for lane in 0..<8 {
                let o = out + 4 * (b + lane)
                o[0] = w.0[lane]; o[1] = w.1[lane]; o[2] = w.2[lane]; o[3] = w.3[lane]
            }
            b += 8
        }
        while b < blocks {
            let w = Philox.words(seed: seed, block: firstBlock &+ UInt64(b))
            let o = out + 4 * b
            o[0] = w.0; o[1] = w.1; o[2] = w.2; o[3] = w.3
            b += 1
        }
    }

    /// [UInt32] convenience of `words(seed:firstBlock:blocks:into:)`.
    public static func words(seed: UInt64, firstBlock: UInt64, blocks: Int) -> [UInt32] {
        [UInt32](unsafeUninitializedCapacity: 4 * blocks) { buf, n in
            words(seed: seed, firstBlock: firstBlock, blocks: blocks, into: buf.baseAddress!)
            n = 4 * blocks
        }
    }

    /// Philox4x32-10 on the eight counters (j, j+1, ..., j+7) (high halves in word 1, words 2, 3 zero).
    @inline(__always)
    static func block8(seed: UInt64, first j: UInt64) -> (U8, U8, U8, U8) {
        var lo = U8(), hi = U8()
        for lane in 0..<8 {
            let c = j &+ UInt64(lane)
            lo[lane] = UInt32(truncatingIfNeeded: c); hi[lane] = UInt32(truncatingIfNeeded: c >> 32)
        }
        return rounds((lo, hi, U8(), U8()), key: (UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32)))
    }

    /// The ten Philox4x32-10 rounds on eight counters held word-wise in four vectors.
    @inline(__always)
    static func rounds(_ c: (U8, U8, U8, U8), key: (UInt32, UInt32)) -> (U8, U8, U8, U8) {
        var c0 = c.0, c1 = c.1, c2 = c.2, c3 = c.3
        var k0 = key.0, k1 = key.1
        let m0 = SIMD8<UInt64>(repeating: UInt64(Philox.m0)), m1 = SIMD8<UInt64>(repeating: UInt64(Philox.m1))
        for round in 0..<10 {
            if round > 0 { k0 &+= Philox.w0; k1 &+= Philox.w1 }
            let p0 = SIMD8<UInt64>(truncatingIfNeeded: c0) &* m0
            let p1 = SIMD8<UInt64>(truncatingIfNeeded: c2) &* m1
            let hi0 = U8(truncatingIfNeeded: p0 &>> 32), lo0 = U8(truncatingIfNeeded: p0)
            let hi1 = U8(truncatingIfNeeded: p1 &>> 32), lo1 = U8(truncatingIfNeeded: p1)
            c0 = hi1 ^ c1 ^ U8(repeating: k0)
            c1 = lo1
            c2 = hi0 ^ c3 ^ U8(repeating: k1)
            c3 = lo0
        }
        return (c0, c1, c2, c3)
    }

    /// Philox4x32-10 of arbitrary (counter; key) pairs through the SIMD path, eight at a time.
    public static func blocks(counters: [SIMD4<UInt32>], key: SIMD2<UInt32>) -> [SIMD4<UInt32>] {
        var out: [SIMD4<UInt32>] = []
        out.reserveCapacity(counters.count)
        var i = 0
        while i < counters.count {
            var c0 = U8(), c1 = U8(), c2 = U8(), c3 = U8()
            for lane in 0..<8 where i + lane < counters.count {
                let c = counters[i + lane]
                c0[lane] = c[0]; c1[lane] = c[1]; c2[lane] = c[2]; c3[lane] = c[3]
            }
            let r = rounds((c0, c1, c2, c3), key: (key[0], key[1]))
            for lane in 0..<8 where i + lane < counters.count {
                out.append(SIMD4(r.0[lane], r.1[lane], r.2[lane], r.3[lane]))
            }
            i += 8
        }
        return out
    }

    /// Normal numbers count elements of Backend.gaussianNoise starting at element `start`
    /// (a multiple of 4) of the stream with this seed and counterBase, written to out[0..<count].
    static func normals(seed: UInt64, counterBase: UInt64, start: Int, count: Int,
                        into out: UnsafeMutablePointer<Float>) {
        let chunkBlocks = 64
        var words = [UInt32](repeating: 0, count: 4 * chunkBlocks)
        words.withUnsafeMutableBufferPointer { wb in
            let w = wb.baseAddress!
            var done = 0
            while done < count {
                let n = min(4 * chunkBlocks, count - done)
                let blocks = (n + 3) / 4
                PhiloxSIMD.words(seed: seed, firstBlock: counterBase &+ UInt64((start + done) / 4), blocks: blocks, into: w)
                var i = 0
                while i + 4 <= n {
                    let (a, b) = Philox.boxMuller(w[i], w[i + 1])
                    let (c, d) = Philox.boxMuller(w[i + 2], w[i + 3])
                    let o = out + done + i
                    o[0] = a; o[1] = b; o[2] = c; o[3] = d
                    i += 4
                }
                if i < n {
                    let (a, b) = Philox.boxMuller(w[i], w[i + 1])
                    let (c, d) = Philox.boxMuller(w[i + 2], w[i + 3])
                    let lanes = (a, b, c, d)
                    let o = out + done + i
                    o[0] = lanes.0
                    if i + 1 < n { o[1] = lanes.1 }
                    if i + 2 < n { o[2] = lanes.2 }
                }
                done += n
            }
        }
    }
}
