// Matmul.swift — the SIMD backend's GEMM driver: C(M,N) = alpha·op(A)·op(B) + beta·C (+ bias).
//
// BLIS-style loop nest per thread region:  columns in NC blocks → K in KC blocks (pack B) →
// rows in MC blocks (pack A) → 16-column micro-panels → 6-row micro-panels → micro-kernel.
// The B micro-panel (KC×16) stays in L1 while A panels stream from L2. The C matrix is split
// into one region per thread (see `gemm` for the split); each thread packs its own panels into
// its own workspace. Small products run on the calling thread.

/// Block sizes (MC a multiple of 6, NC a multiple of 16).
enum GemmBlocking {
    static let mr = 6, nr = 16
    static let kc = 256
    static let mc = 72      // 72 rows × 256 = 72 KiB of A per block: measured best at n = 512–1024 (144 was 10–25% slower at 1024)
    static let nc = 1024
    /// regions per thread when the split is dynamic (load balance on a busy machine)
    static let chunksPerThread = 4
    /// above this many rows the columns are not split (every column region would stream all of A)
    static let columnSplitMaxRows = 1024
    /// below this many multiply-adds a product runs on one thread
    static let parallelThreshold = 64 * 64 * 64
}

/// Per-thread packing memory.
final class GemmWorkspace {
    let a: UnsafeMutablePointer<Float>
    let b: UnsafeMutablePointer<Float>
    let tile: UnsafeMutablePointer<Float>
    init() {
        a = allocateAligned(GemmBlocking.mc * GemmBlocking.kc + 16)   // + slack for 8-wide packing stores
        b = allocateAligned(GemmBlocking.kc * GemmBlocking.nc)
        tile = allocateAligned(96)
    }
    deinit { a.deallocate(); b.deallocate(); tile.deallocate() }
}

/// One GEMM problem in strided form. C has row stride ldc.
struct GemmProblem {
    let a: StridedMatrix        // op(A): (M, K)
    let b: StridedMatrix        // op(B): (K, N)
    let c: UnsafeMutablePointer<Float>
    let ldc: Int
    let m: Int, n: Int, k: Int
    let alpha: Float, beta: Float
    /// bias(N) added to every row of the result (linearForward's epilogue), or nil
    let bias: UnsafePointer<Float>?

    init(a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>,
         m: Int, n: Int, k: Int, transA: Bool, transB: Bool, alpha: Float, beta: Float,
         bias: UnsafePointer<Float>? = nil) {
        // A stored (M,K) or (K,M); B stored (K,N) or (N,K)
        self.a = transA ? StridedMatrix(base: a, rowStride: 1, colStride: m)
                        : StridedMatrix(base: a, rowStride: k, colStride: 1)
        self.b = transB ? StridedMatrix(base: b, rowStride: 1, colStride: k)
                        : StridedMatrix(base: b, rowStride: n, colStride: 1)
        self.c = c; self.ldc = n
        self.m = m; self.n = n; self.k = k
        self.alpha = alpha; self.beta = beta; self.bias = bias
    }
}

/// Runs a GEMM on `runner`'s threads using one workspace per task.
func gemm(_ p: GemmProblem, runner: ParallelRunner, workspaces: [GemmWorkspace]) {
    guard p.m > 0 && p.n > 0 else { return }
    if p.k == 0 || p.alpha == 0 {
        scaleAndBias(p, rows: 0..<p.m)
        return
    }
    if SkinnyGemm.handles(p) {
        SkinnyGemm.run(p, runner: runner, scratch: workspaces[0].b, capacity: GemmBlocking.kc * GemmBlocking.nc)
        return
    }
    let mPanels = (p.m + GemmBlocking.mr - 1) / GemmBlocking.mr
    let nPanels = (p.n + GemmBlocking.nr - 1) / GemmBlocking.nr
    let work = p.m * p.n * p.k
    let threads = min(runner.threads, workspaces.count)
    if threads <= 1 || work < GemmBlocking.parallelThreshold || mPanels * nPanels < 2 {
        gemmRegion(p, rows: 0..<p.m, cols: 0..<p.n, ws: workspaces[0])
        return
    }
    // grid tm × tn of regions, claimed dynamically by the threads (several per thread where
    // that is cheap, so a thread that loses its core on a busy machine leaves its remaining
    // regions to the others):
    // - moderate M with A read in place: split the columns, so nothing of A is packed and each
    //   region packs only its share of B (≥ 2 panels = 32 columns per region);
    // - large M: split the rows; each region packs all of B, which is small next to its rows;
    // - otherwise split the rows into two regions per thread (each region packs its own A rows
    //   and all of B, a few per cent extra for the balance), or statically when rows are few.
    let direct = p.a.colStride == 1 && readsAInPlace(lda: p.a.rowStride)
    var tm = threads, tn = 1
    if direct && p.m <= GemmBlocking.columnSplitMaxRows && nPanels >= 2 * threads {
        tm = 1; tn = min(nPanels / 2, GemmBlocking.chunksPerThread * threads)
    } else if mPanels >= 16 * GemmBlocking.chunksPerThread * threads {
        tm = GemmBlocking.chunksPerThread * threads
    } else if mPanels >= 4 * threads {
        tm = 2 * threads     // two row regions per thread, ≥ 2 panels each
    } else {
        while tm > 1 && (threads % tm != 0 || mPanels < 2 * tm) { tm -= 1 }
        tn = max(1, min(threads / tm, nPanels))
    }
    let tasks = tm * tn
    runner.runSlots(tasks: tasks) { t, slot in
        let rp = evenSplit(mPanels, parts: tm, index: t / tn)
        let cp = evenSplit(nPanels, parts: tn, index: t % tn)
        let rows = (rp.lowerBound * GemmBlocking.mr)..<min(p.m, rp.upperBound * GemmBlocking.mr)
        let cols = (cp.lowerBound * GemmBlocking.nr)..<min(p.n, cp.upperBound * GemmBlocking.nr)
        if !rows.isEmpty && !cols.isEmpty { gemmRegion(p, rows: rows, cols: cols, ws: workspaces[slot]) }
    }
}

/// C = beta·C + bias for the degenerate K == 0 / alpha == 0 product.
private func scaleAndBias(_ p: GemmProblem, rows: Range<Int>) {
    for i in rows {
        let row = p.c + i * p.ldc
        for j in 0..<p.n {
            var v: Float = p.beta == 0 ? 0 : p.beta * row[j]
            if let bias = p.bias { v += bias[j] }
            row[j] = v
        }
    }
}

/// The blocked loop nest over one rectangular region of C, single-threaded.
func gemmRegion(_ p: GemmProblem, rows: Range<Int>, cols: Range<Int>, ws: GemmWorkspace) {
    let kBlocks = (p.k + GemmBlocking.kc - 1) / GemmBlocking.kc
    let kcEven = (p.k + kBlocks - 1) / kBlocks        // balanced K blocks
    var jc = cols.lowerBound
    while jc < cols.upperBound {
        let nc = min(GemmBlocking.nc, cols.upperBound - jc)
        var pc = 0
        while pc < p.k {
            let kc = min(kcEven, p.k - pc)
            packB(p.b, p0: pc, kc: kc, j0: jc, nc: nc, into: ws.b)
            let first = pc == 0
            var ic = rows.lowerBound
            while ic < rows.upperBound {
                let mc = min(GemmBlocking.mc, rows.upperBound - ic)
                // row-major A whose row stride does not alias in L1 is read in place
                let direct = p.a.colStride == 1 && readsAInPlace(lda: p.a.rowStride)
                if !direct { packA(p.a, i0: ic, mc: mc, p0: pc, kc: kc, into: ws.a) }
                var jr = 0
                while jr < nc {
                    let ncols = min(GemmBlocking.nr, nc - jr)
                    let bPanel = ws.b + jr * kc
                    var merge = TileMerge(alpha: p.alpha, beta: first ? p.beta : 1, bias: nil)
                    if first, let bias = p.bias { merge.bias = bias + jc + jr }
                    var ir = 0
                    while ir < mc {
                        let c = p.c + (ic + ir) * p.ldc + jc + jr
                        let rowsHere = min(GemmBlocking.mr, mc - ir)
                        if direct {
                            microKernel6x16Direct(kc: kc, a: p.a.base + (ic + ir) * p.a.rowStride + pc, lda: p.a.rowStride,
                                                  b: bPanel, c: c, ldc: p.ldc, rows: rowsHere, cols: ncols,
                                                  merge: merge, scratch: ws.tile)
                        } else {
                            microKernel6x16(kc: kc, a: ws.a + ir * kc, b: bPanel, c: c, ldc: p.ldc,
                                            rows: rowsHere, cols: ncols, merge: merge, scratch: ws.tile)
                        }
                        ir += GemmBlocking.mr
                    }
                    jr += GemmBlocking.nr
                }
                ic += mc
            }
            pc += kc
        }
        jc += nc
    }
}

/// Whether the kernel may read a row-major A in place: six rows at this stride must not crowd
/// one L1 set (32 KiB, 8-way, 64 sets of 64 B lines); strides that are multiples of 512 floats
/// put three or more rows into the same set, so those are packed.
@inline(__always)
func readsAInPlace(lda: Int) -> Bool {
    lda % 512 != 0
}
