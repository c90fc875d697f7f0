// MatmulKernel.swift — the 6×16 register-tiled SIMD8<Float> micro-kernel of the SIMD GEMM.
//
// One call computes a 6×16 tile  acc = Apanel · Bpanel  over kc steps from packed panels
// (a: kc × 6 floats, row i of step p at a[p*6 + i]; b: kc × 16 floats at b[p*16 + j]),
// holding the tile in 12 SIMD8 accumulators (+2 B vectors +1 broadcast = 15 of 16 ymm
// registers), then merges it into C:  C = acc + bias + beta·C  (beta == 0 never reads C).
// Partial tiles at the matrix edge (rows < 6 or cols < 16) go through a scalar merge.

/// How a finished tile is merged into C:  C = alpha·acc + bias + beta·C.
struct TileMerge {
    var alpha: Float
    /// 0: overwrite C (old contents ignored, even NaN); 1: accumulate; else C = … + beta·C.
    var beta: Float
    /// Per-column bias added to the tile (nil: none). Points at the tile's first column.
    var bias: UnsafePointer<Float>?
}

@inline(__always)
private func mergeRow(_ c: UnsafeMutablePointer<Float>, _ v0: SIMD8<Float>, _ v1: SIMD8<Float>, _ merge: TileMerge) {
    var v0 = v0, v1 = v1
    if merge.alpha != 1 { let a = SIMD8<Float>(repeating: merge.alpha); v0 *= a; v1 *= a }
    if let bias = merge.bias { v0 += load8(bias); v1 += load8(bias + 8) }
    if merge.beta == 0 {
        store8(v0, c); store8(v1, c + 8)
    } else if merge.beta == 1 {
        store8(load8(c) + v0, c); store8(load8(c + 8) + v1, c + 8)
    } else {
        let beta = SIMD8<Float>(repeating: merge.beta)
        store8(v0.addingProduct(beta, load8(c)), c)
        store8(v1.addingProduct(beta, load8(c + 8)), c + 8)
    }
}

/// Scalar merge of a partial tile (rows × cols of the 6×16 `tile`, row stride 16) into C.
private func mergePartial(_ tile: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>, ldc: Int,
                          rows: Int, cols: Int, _ merge: TileMerge) {
    for r in 0..<rows {
        let crow = c + r * ldc
        for j in 0..<cols {
            var v = merge.alpha * tile[r * 16 + j]
            if let bias = merge.bias { v += bias[j] }
            if merge.beta == 0 { crow[j] = v } else { crow[j] = v + merge.beta * crow[j] }
        }
    }
}

/// The kernel body: rows r0…r5 of A advance by `step` floats per k step; B is a packed panel.
@inline(__always)
private func kernelBody(kc: Int, _ r0: UnsafePointer<Float>, _ r1: UnsafePointer<Float>, _ r2: UnsafePointer<Float>,
                        _ r3: UnsafePointer<Float>, _ r4: UnsafePointer<Float>, _ r5: UnsafePointer<Float>, step: Int,
                        b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, cols: Int,
                        merge: TileMerge, scratch: UnsafeMutablePointer<Float>) {
    var c00 = SIMD8<Float>(), c01 = SIMD8<Float>()
    var c10 = SIMD8<Float>(), c11 = SIMD8<Float>()
    var c20 = SIMD8<Float>(), c21 = SIMD8<Float>()
    var c30 = SIMD8<Float>(), c31 = SIMD8<Float>()
    var c40 = SIMD8<Float>(), c41 = SIMD8<Float>()
    var c50 = SIMD8<Float>(), c51 = SIMD8<Float>()
    var pb = b
    var off = 0
    for _ in 0..<kc {
        let b0 = load8(pb), b1 = load8(pb + 8)
        var s = SIMD8<Float>(repeating: r0[off])
        c00 = c00.addingProduct(s, b0); c01 = c01.addingProduct(s, b1)
        s = SIMD8<Float>(repeating: r1[off])
        c10 = c10.addingProduct(s, b0); c11 = c11.addingProduct(s, b1)
        s = SIMD8<Float>(repeating: r2[off])
        c20 = c20.addingProduct(s, b0); c21 = c21.addingProduct(s, b1)
        s = SIMD8<Float>(repeating: r3[off])
        c30 = c30.addingProduct(s, b0); c31 = c31.addingProduct(s, b1)
        s = SIMD8<Float>(repeating: r4[off])
        c40 = c40.addingProduct(s, b0); c41 = c41.addingProduct(s, b1)
        s = SIMD8<Float>(repeating: r5[off])
        c50 = c50.addingProduct(s, b0); c51 = c51.addingProduct(s, b1)
        off += step; pb += 16
    }
    if rows == 6 && cols == 16 {
        mergeRow(c, c00, c01, merge)
        mergeRow(c + ldc, c10, c11, merge)
        mergeRow(c + 2 * ldc, c20, c21, merge)
        mergeRow(c + 3 * ldc, c30, c31, merge)
        mergeRow(c + 4 * ldc, c40, c41, merge)
        mergeRow(c + 5 * ldc, c50, c51, merge)
    } else {
        store8(c00, scratch); store8(c01, scratch + 8)
        store8(c10, scratch + 16); store8(c11, scratch + 24)
        store8(c20, scratch + 32); store8(c21, scratch + 40)
        store8(c30, scratch + 48); store8(c31, scratch + 56)
        store8(c40, scratch + 64); store8(c41, scratch + 72)
        store8(c50, scratch + 80); store8(c51, scratch + 88)
        mergePartial(scratch, c, ldc: ldc, rows: rows, cols: cols, merge)
    }
}

/// C tile (rows ≤ 6, cols ≤ 16, row stride ldc) ⊕= Apanel(6 × kc, packed) · Bpanel(kc × 16).
/// `scratch` holds 96 floats for partial tiles.
func microKernel6x16(kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                     c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, cols: Int,
                     merge: TileMerge, scratch: UnsafeMutablePointer<Float>) {
    kernelBody(kc: kc, a, a + 1, a + 2, a + 3, a + 4, a + 5, step: 6,
               b: b, c: c, ldc: ldc, rows: rows, cols: cols, merge: merge, scratch: scratch)
}

/// The same tile with A read in place from a row-major matrix (row stride lda, contiguous
/// along k): no packing of A. Rows beyond `rows` re-read row 0 (results discarded).
func microKernel6x16Direct(kc: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>,
                           c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, cols: Int,
                           merge: TileMerge, scratch: UnsafeMutablePointer<Float>) {
    let r1 = rows > 1 ? a + lda : a, r2 = rows > 2 ? a + 2 * lda : a
    let r3 = rows > 3 ? a + 3 * lda : a, r4 = rows > 4 ? a + 4 * lda : a, r5 = rows > 5 ? a + 5 * lda : a
    kernelBody(kc: kc, a, r1, r2, r3, r4, r5, step: 1,
               b: b, c: c, ldc: ldc, rows: rows, cols: cols, merge: merge, scratch: scratch)
}
