// MatmulPacking.swift — copies blocks of op(A) and op(B) into the panel layouts the
// micro-kernel reads (see MatmulKernel.swift), zero-padding the ragged edge panels.

/// A strided view of a logical matrix: element (i, j) is base[i*rowStride + j*colStride].
/// op(A) and op(B) of every transposition combination are expressed this way.
struct StridedMatrix {
    let base: UnsafePointer<Float>
    let rowStride: Int
    let colStride: Int
    @inline(__always) subscript(i: Int, j: Int) -> Float { base[i * rowStride + j * colStride] }
}

/// Packs op(A)[i0 ..< i0+mc, p0 ..< p0+kc] into 6-row panels:
/// panel q (rows i0+6q ..< i0+6q+6) occupies dst[q*6*kc ..< (q+1)*6*kc], element (r, p) at p*6 + r.
func packA(_ a: StridedMatrix, i0: Int, mc: Int, p0: Int, kc: Int, into dst: UnsafeMutablePointer<Float>) {
    var q = 0
    var i = 0
    while i < mc {
        let rows = min(6, mc - i)
        let panel = dst + q * 6 * kc
        if a.colStride == 1 && rows == 6 {
            // row-major rows: six read streams
            let r0 = a.base + (i0 + i) * a.rowStride + p0
            let rs = a.rowStride
            let r1 = r0 + rs, r2 = r1 + rs, r3 = r2 + rs, r4 = r3 + rs, r5 = r4 + rs
            for p in 0..<kc {
                let d = panel + p * 6
                d[0] = r0[p]; d[1] = r1[p]; d[2] = r2[p]
                d[3] = r3[p]; d[4] = r4[p]; d[5] = r5[p]
            }
        } else if a.rowStride == 1 && rows == 6 {
            // transposed storage: the six values of step p are contiguous
            // (an 8-wide copy per step overlaps the next step's slots, which are rewritten;
            // the workspace has 8 floats of slack; used only while 8 source floats exist)
            var p = 0
            if i0 + i + 8 <= a.colStride {
                while p < kc {
                    store8(load8(a.base + (p0 + p) * a.colStride + i0 + i), panel + p * 6)
                    p += 1
                }
            }
            while p < kc {
                let s = a.base + (p0 + p) * a.colStride + i0 + i
                let d = panel + p * 6
                d[0] = s[0]; d[1] = s[1]; d[2] = s[2]
                d[3] = s[3]; d[4] = s[4]; d[5] = s[5]
                p += 1
            }
        } else {
            for p in 0..<kc {
                let d = panel + p * 6
                for r in 0..<6 { d[r] = r < rows ? a[i0 + i + r, p0 + p] : 0 }
            }
        }
        i += 6; q += 1
    }
}

/// Packs op(B)[p0 ..< p0+kc, j0 ..< j0+nc] into 16-column panels:
/// panel q (columns j0+16q ..< j0+16q+16) occupies dst[q*16*kc ..< (q+1)*16*kc], element (p, c) at p*16 + c.
func packB(_ b: StridedMatrix, p0: Int, kc: Int, j0: Int, nc: Int, into dst: UnsafeMutablePointer<Float>) {
    var q = 0
    var j = 0
    while j < nc {
        let cols = min(16, nc - j)
        let panel = dst + q * 16 * kc
        if b.colStride == 1 && cols == 16 {
            // row-major B: 16 contiguous floats per step
            var s = b.base + p0 * b.rowStride + j0 + j
            for p in 0..<kc {
                let d = panel + p * 16
                store8(load8(s), d); store8(load8(s + 8), d + 8)
                s += b.rowStride
            }
        } else if b.rowStride == 1 {
            // transposed storage (B stored (N, K)): each column is contiguous along p
            for c in 0..<16 {
                if c < cols {
                    let s = b.base + (j0 + j + c) * b.colStride + p0
                    for p in 0..<kc { panel[p * 16 + c] = s[p] }
                } else {
                    for p in 0..<kc { panel[p * 16 + c] = 0 }
                }
            }
        } else {
            for p in 0..<kc {
                let d = panel + p * 16
                for c in 0..<16 { d[c] = c < cols ? b[p0 + p, j0 + j + c] : 0 }
            }
        }
        j += 16; q += 1
    }
}
