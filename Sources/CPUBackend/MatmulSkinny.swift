// MatmulSkinny.swift — GEMM paths for products with a tiny output side, where padding to the
// 6×16 tile would waste most of the work: N ≤ 4 (the model's output layer, y = x·Wᵀ with
// 2 outputs) and M ≤ 4 (its weight gradient dW = dyᵀ·x with 2 rows, and every layer of a
// batch-1 forward pass, y = x·Wᵀ for one observation of a policy). The small operand is copied
// once (times alpha) into a contiguous scratch; the big one is streamed with SIMD8 and never
// packed, so a matrix-vector product reads each weight once.

enum SkinnyGemm {
    static let maxSide = 4
    static let parallelThreshold = 1 << 17   // multiply-adds

    /// True when `p` is handled here (N ≤ 4, or M ≤ 4 with row- or column-contiguous op(B)).
    static func handles(_ p: GemmProblem) -> Bool {
        p.n <= maxSide || (p.m <= maxSide && (p.b.colStride == 1 || p.b.rowStride == 1))
    }

    static func run(_ p: GemmProblem, runner: ParallelRunner, scratch: UnsafeMutablePointer<Float>, capacity: Int) {
        let small = p.n <= maxSide ? p.n : p.m
        let needed = small * p.k
        let buf = needed <= capacity ? scratch : allocateAligned(needed)
        defer { if buf != scratch { buf.deallocate() } }
        let tasks = p.m * p.n * p.k >= parallelThreshold ? runner.threads : 1
        if p.n <= maxSide {
            // bt (N, K): column j of op(B) · alpha
            for j in 0..<p.n { for q in 0..<p.k { buf[j * p.k + q] = p.alpha * p.b[q, j] } }
            runner.run(tasks: tasks) { t in
                let rows = evenSplit((p.m + 7) / 8, parts: tasks, index: t)
                smallN(p, bt: buf, rows: (rows.lowerBound * 8)..<min(p.m, rows.upperBound * 8))
            }
        } else {
            // at (M, K): row i of op(A) · alpha
            for i in 0..<p.m { for q in 0..<p.k { buf[i * p.k + q] = p.alpha * p.a[i, q] } }
            runner.run(tasks: tasks) { t in
                let cols = evenSplit((p.n + 15) / 16, parts: tasks, index: t)
                let range = (cols.lowerBound * 16)..<min(p.n, cols.upperBound * 16)
                if p.b.colStride == 1 { smallM(p, at: buf, cols: range) } else { smallMDots(p, at: buf, cols: range) }
            }
        }
    }

    @inline(__always)
    private static func merge(_ p: GemmProblem, _ i: Int, _ j: Int, _ v: Float) {
        var v = v
        if let bias = p.bias { v += bias[j] }
        let c = p.c + i * p.ldc + j
        c.pointee = p.beta == 0 ? v : v + p.beta * c.pointee
    }

    /// Rows `rows` of C for N ≤ 4: dot products of op(A) rows with the packed columns bt.
    private static func smallN(_ p: GemmProblem, bt: UnsafePointer<Float>, rows: Range<Int>) {
        let k = p.k
        if p.a.colStride == 1 {
            // op(A) rows contiguous: SIMD dot products along K
            for i in rows {
                let a = p.a.base + i * p.a.rowStride
                for j in 0..<p.n {
                    let b = bt + j * k
                    var s0 = F8(), s1 = F8()
                    var q = 0
                    while q + 16 <= k {
                        s0 = s0.addingProduct(load8(a + q), load8(b + q))
                        s1 = s1.addingProduct(load8(a + q + 8), load8(b + q + 8))
                        q += 16
                    }
                    if q + 8 <= k { s0 = s0.addingProduct(load8(a + q), load8(b + q)); q += 8 }
                    var s = (s0 + s1).sum()
                    while q < k { s += a[q] * b[q]; q += 1 }
                    merge(p, i, j, s)
                }
            }
        } else {
            // op(A) stored transposed: eight rows at once, contiguous along M
            var i = rows.lowerBound
            while i + 8 <= rows.upperBound {
                for j in 0..<p.n {
                    let b = bt + j * k
                    var s0 = F8(), s1 = F8()
                    var a = p.a.base + i
                    var q = 0
                    while q + 2 <= k {
                        s0 = s0.addingProduct(load8(a), F8(repeating: b[q]))
                        s1 = s1.addingProduct(load8(a + p.a.colStride), F8(repeating: b[q + 1]))
                        a += 2 * p.a.colStride; q += 2
                    }
                    if q < k { s0 = s0.addingProduct(load8(a), F8(repeating: b[q])) }
                    let s = s0 + s1
                    for l in 0..<8 { merge(p, i + l, j, s[l]) }
                }
                i += 8
            }
            while i < rows.upperBound {
                for j in 0..<p.n {
                    var s: Float = 0
                    for q in 0..<k { s += p.a[i, q] * bt[j * k + q] }
                    merge(p, i, j, s)
                }
                i += 1
            }
        }
    }

    /// Columns `cols` of C for M ≤ 4 and row-contiguous op(B): 16 columns × M rows per pass.
    private static func smallM(_ p: GemmProblem, at: UnsafePointer<Float>, cols: Range<Int>) {
        let k = p.k, m = p.m
        var j = cols.lowerBound
        while j + 16 <= cols.upperBound {
            var acc = (F8(), F8(), F8(), F8(), F8(), F8(), F8(), F8())
            var b = p.b.base + j
            for q in 0..<k {
                let b0 = load8(b), b1 = load8(b + 8)
                let a0 = F8(repeating: at[q])
                acc.0 = acc.0.addingProduct(a0, b0); acc.1 = acc.1.addingProduct(a0, b1)
                if m > 1 {
                    let a1 = F8(repeating: at[k + q])
                    acc.2 = acc.2.addingProduct(a1, b0); acc.3 = acc.3.addingProduct(a1, b1)
                }
                if m > 2 {
                    let a2 = F8(repeating: at[2 * k + q])
                    acc.4 = acc.4.addingProduct(a2, b0); acc.5 = acc.5.addingProduct(a2, b1)
                }
                if m > 3 {
                    let a3 = F8(repeating: at[3 * k + q])
                    acc.6 = acc.6.addingProduct(a3, b0); acc.7 = acc.7.addingProduct(a3, b1)
                }
                b += p.b.rowStride
            }
            for i in 0..<m {
                let (v0, v1) = i == 0 ? (acc.0, acc.1) : i == 1 ? (acc.2, acc.3) : i == 2 ? (acc.4, acc.5) : (acc.6, acc.7)
                for l in 0..<8 { merge(p, i, j + l, v0[l]); merge(p, i, j + 8 + l, v1[l]) }
            }
            j += 16
        }
        while j < cols.upperBound {
            for i in 0..<m {
                var s: Float = 0
                for q in 0..<k { s += at[i * k + q] * p.b[q, j] }
                merge(p, i, j, s)
            }
            j += 1
        }
    }

    /// Columns `cols` of C for M ≤ 4 and column-contiguous op(B) (y = x·Wᵀ with W (N, K) row-major):
    /// each C element is a dot product of a row of `at` with a contiguous column of op(B).
    private static func smallMDots(_ p: GemmProblem, at: UnsafePointer<Float>, cols: Range<Int>) {
        let k = p.k, m = p.m
        if m == 1 { singleRowDots(p, a: at, cols: cols); return }
        for j in cols {
            let b = p.b.base + j * p.b.colStride
            var acc = (F8(), F8(), F8(), F8())
            var q = 0
            while q + 8 <= k {
                let bv = load8(b + q)
                acc.0 = acc.0.addingProduct(load8(at + q), bv)
                if m > 1 { acc.1 = acc.1.addingProduct(load8(at + k + q), bv) }
                if m > 2 { acc.2 = acc.2.addingProduct(load8(at + 2 * k + q), bv) }
                if m > 3 { acc.3 = acc.3.addingProduct(load8(at + 3 * k + q), bv) }
                q += 8
            }
            for i in 0..<m {
                var s = (i == 0 ? acc.0 : i == 1 ? acc.1 : i == 2 ? acc.2 : acc.3).sum()
                for r in q..<k { s += at[i * k + r] * b[r] }
                merge(p, i, j, s)
            }
        }
    }

    /// M = 1: four independent accumulators per dot product, so the FMA latency chain does not
    /// limit a matrix-vector product.
    private static func singleRowDots(_ p: GemmProblem, a: UnsafePointer<Float>, cols: Range<Int>) {
        let k = p.k
        for j in cols {
            let b = p.b.base + j * p.b.colStride
            var s0 = F8(), s1 = F8(), s2 = F8(), s3 = F8()
            var q = 0
            while q + 32 <= k {
                s0 = s0.addingProduct(load8(a + q), load8(b + q))
                s1 = s1.addingProduct(load8(a + q + 8), load8(b + q + 8))
                s2 = s2.addingProduct(load8(a + q + 16), load8(b + q + 16))
                s3 = s3.addingProduct(load8(a + q + 24), load8(b + q + 24))
                q += 32
            }
            while q + 8 <= k { s0 = s0.addingProduct(load8(a + q), load8(b + q)); q += 8 }
            var s = ((s0 + s1) + (s2 + s3)).sum()
            while q < k { s += a[q] * b[q]; q += 1 }
            merge(p, 0, j, s)
        }
    }
}
