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
            // transposed storage (B stored (N, K)): each column is contiguous along p;
            // full groups of 8 columns go through 8×8 register transposes
            for g in stride(from: 0, to: 16, by: 8) {
                var c = g
                if g + 8 <= cols {
                    let s = b.base + (j0 + j + g) * b.colStride + p0
                    var p = 0
                    while p + 8 <= kc {
                        transpose8x8(s + p, b.colStride, panel + p * 16 + g, 16)
                        p += 8
                    }
                    while p < kc {
                        for l in 0..<8 { panel[p * 16 + g + l] = s[l * b.colStride + p] }
                        p += 1
                    }
                    c = g + 8
                }
                while c < g + 8 {
                    if c < cols {
                        let s = b.base + (j0 + j + c) * b.colStride + p0
                        for p in 0..<kc { panel[p * 16 + c] = s[p] }
                    } else {
                        for p in 0..<kc { panel[p * 16 + c] = 0 }
                    }
                    c += 1
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

/// d[r·ld + c] = s[c·ls + r] for an 8×8 block (row r of the result is column r of the source).
/// Written as lane shuffles that LLVM lowers to unpck/shufps/vinsertf128.
@inline(__always)
func transpose8x8(_ s: UnsafePointer<Float>, _ ls: Int, _ d: UnsafeMutablePointer<Float>, _ ld: Int) {
    typealias V = SIMD8<Float>
    let r0 = load8(s), r1 = load8(s + ls), r2 = load8(s + 2 * ls), r3 = load8(s + 3 * ls)
    let r4 = load8(s + 4 * ls), r5 = load8(s + 5 * ls), r6 = load8(s + 6 * ls), r7 = load8(s + 7 * ls)
    // interleave pairs of rows within each 128-bit half
    let t0 = V(r0[0], r1[0], r0[1], r1[1], r0[4], r1[4], r0[5], r1[5])
    let t1 = V(r0[2], r1[2], r0[3], r1[3], r0[6], r1[6], r0[7], r1[7])
    let t2 = V(r2[0], r3[0], r2[1], r3[1], r2[4], r3[4], r2[5], r3[5])
    let t3 = V(r2[2], r3[2], r2[3], r3[3], r2[6], r3[6], r2[7], r3[7])
    let t4 = V(r4[0], r5[0], r4[1], r5[1], r4[4], r5[4], r4[5], r5[5])
    let t5 = V(r4[2], r5[2], r4[3], r5[3], r4[6], r5[6], r4[7], r5[7])
    let t6 = V(r6[0], r7[0], r6[1], r7[1], r6[4], r7[4], r6[5], r7[5])
    let t7 = V(r6[2], r7[2], r6[3], r7[3], r6[6], r7[6], r6[7], r7[7])
    // interleave 64-bit pairs
    let u0 = V(t0[0], t0[1], t2[0], t2[1], t0[4], t0[5], t2[4], t2[5])
    let u1 = V(t0[2], t0[3], t2[2], t2[3], t0[6], t0[7], t2[6], t2[7])
    let u2 = V(t1[0], t1[1], t3[0], t3[1], t1[4], t1[5], t3[4], t3[5])
    let u3 = V(t1[2], t1[3], t3[2], t3[3], t1[6], t1[7], t3[6], t3[7])
    let u4 = V(t4[0], t4[1], t6[0], t6[1], t4[4], t4[5], t6[4], t6[5])
    let u5 = V(t4[2], t4[3], t6[2], t6[3], t4[6], t4[7], t6[6], t6[7])
    let u6 = V(t5[0], t5[1], t7[0], t7[1], t5[4], t5[5], t7[4], t7[5])
    let u7 = V(t5[2], t5[3], t7[2], t7[3], t5[6], t5[7], t7[6], t7[7])
    // join 128-bit halves
    store8(V(lowHalf: u0.lowHalf, highHalf: u4.lowHalf), d)
    store8(V(lowHalf: u1.lowHalf, highHalf: u5.lowHalf), d + ld)
    store8(V(lowHalf: u2.lowHalf, highHalf: u6.lowHalf), d + 2 * ld)
    store8(V(lowHalf: u3.lowHalf, highHalf: u7.lowHalf), d + 3 * ld)
    store8(V(lowHalf: u0.highHalf, highHalf: u4.highHalf), d + 4 * ld)
    store8(V(lowHalf: u1.highHalf, highHalf: u5.highHalf), d + 5 * ld)
    store8(V(lowHalf: u2.highHalf, highHalf: u6.highHalf), d + 6 * ld)
    store8(V(lowHalf: u3.highHalf, highHalf: u7.highHalf), d + 7 * ld)
}
