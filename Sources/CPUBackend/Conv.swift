// Conv.swift — the SIMD backend's 2-D (and, with H = 1, 1-D) convolution: im2col of the input
// into a (K = C·KH·KW, N = OH·OW) column matrix per batch item, then the packed GEMM
//   y_b(O, N) = W(O, K) · col_b            (bias preloaded into y, beta = 1)
// and backward
//   dW(O, K) += dy_b(O, N) · col_bᵀ,   dcol_b(K, N) = Wᵀ · dy_b,   dx_b = col2im(dcol_b).
// Small images and short sequences (N < 256) put several items side by side, one GEMM of
// (K, items·N) per group, their outputs scattered to (B, O, N) afterwards: one GEMM of a 16-step
// sequence is mostly call overhead. A single item of a 1×1 convolution at stride 1 without
// padding uses x_b itself as the column matrix (and writes dx_b directly).
import DiffusionCore

/// Rows [r0, r1) of the column matrix of one batch item: col[r, i·OW + j] with r = (c·KH + ky)·KW + kx
/// is x[c, i·stride + ky − padH, j·stride + kx − padW], zero in the padding.
/// Row r starts at col + r·ld (ld = OH·OW for one item, more when items sit side by side).
func im2colKernel(_ x: UnsafePointer<Float>, _ col: UnsafeMutablePointer<Float>, _ s: Conv2DShape, _ r0: Int, _ r1: Int, ld: Int) {
    let (H, W, KH, KW, OH, OW, st) = (s.height, s.width, s.kernelH, s.kernelW, s.outHeight, s.outWidth, s.stride)
    for r in r0..<r1 {
        let c = r / (KH * KW), ky = (r / KW) % KH, kx = r % KW
        let (jlo, jhi) = validRange(out: OW, size: W, tap: kx, pad: s.padW, stride: st)
        for i in 0..<OH {
            let row = col + r * ld + i * OW
            let iy = i * st + ky - s.padH
            guard iy >= 0 && iy < H && jlo < jhi else { fillKernel(row, 0, 0, OW); continue }
            let src = x + (c * H + iy) * W + kx - s.padW
            for j in 0..<jlo { row[j] = 0 }
            if st == 1 {
                // rows are short (a 16-step sequence): an inline loop, not a memcpy call per row
                var j = jlo
                while j + 8 <= jhi { store8(load8(src + j), row + j); j += 8 }
                while j < jhi { row[j] = src[j]; j += 1 }
            } else {
                for j in jlo..<jhi { row[j] = src[j * st] }
            }
            for j in jhi..<OW { row[j] = 0 }
        }
    }
}

/// Channels [c0, c1) of dx for one batch item from its column gradient dcol (K, N): every
/// column entry is added to the input element it was read from (zeroed first). Row stride ld.
func col2imKernel(_ dcol: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, _ s: Conv2DShape, _ c0: Int, _ c1: Int, ld: Int) {
    let (H, W, KH, KW, OH, OW, st) = (s.height, s.width, s.kernelH, s.kernelW, s.outHeight, s.outWidth, s.stride)
    for c in c0..<c1 {
        let plane = dx + c * H * W
        fillKernel(plane, 0, 0, H * W)
        for ky in 0..<KH { for kx in 0..<KW {
            let r = (c * KH + ky) * KW + kx
            let (jlo, jhi) = validRange(out: OW, size: W, tap: kx, pad: s.padW, stride: st)
            guard jlo < jhi else { continue }
            for i in 0..<OH {
                let iy = i * st + ky - s.padH
                guard iy >= 0 && iy < H else { continue }
                let src = dcol + r * ld + i * OW
                let dst = plane + iy * W + kx - s.padW
                if st == 1 {
                    var j = jlo
                    while j + 8 <= jhi { store8(load8(dst + j) + load8(src + j), dst + j); j += 8 }
                    while j < jhi { dst[j] += src[j]; j += 1 }
                } else {
                    for j in jlo..<jhi { dst[j * st] += src[j] }
                }
            }
        } }
    }
}

/// The output columns j in [lo, hi) whose tap reads inside the row: 0 ≤ j·stride + tap − pad < size.
@inline(__always)
func validRange(out: Int, size: Int, tap: Int, pad: Int, stride: Int) -> (Int, Int) {
    let lo = pad - tap > 0 ? (pad - tap + stride - 1) / stride : 0
    let num = size - 1 + pad - tap
    let hi = num < 0 ? 0 : min(out, num / stride + 1)
    return (min(lo, out), max(hi, 0))
}

/// Σ x[0..<n] in float SIMD lanes, blocks of 1024 summed in Double.
func sumKernel(_ x: UnsafePointer<Float>, _ n: Int) -> Double {
    var total = 0.0, i = 0
    while i < n {
        let end = min(n, i + 1024)
        var s0 = F8(), s1 = F8()
        while i + 16 <= end { s0 += load8(x + i); s1 += load8(x + i + 8); i += 16 }
        var block = Double((s0 + s1).sum())
        while i < end { block += Double(x[i]); i += 1 }
        total += block
    }
    return total
}

extension SIMDBackend {
    /// Batch items per GEMM: below 256 columns per item, enough items for about 480 columns
    /// (not 512: a row stride that is a multiple of 512 floats makes the GEMM pack its A).
    private func itemsPerGemm(_ s: Conv2DShape) -> Int {
        let n = s.outHeight * s.outWidth
        return n >= 256 ? 1 : max(1, min(s.batch, 480 / max(n, 1)))
    }

    /// Column matrices of `items` consecutive batch items side by side: (K, items·N).
    private func im2col(_ x: UnsafePointer<Float>, items: Int, _ col: UnsafeMutablePointer<Float>, _ s: Conv2DShape) {
        let n = s.outHeight * s.outWidth, k = s.patchSize, plane = s.inChannels * s.height * s.width
        runner.forEachChunk(count: items * k, minChunk: max(1, (1 << 14) / max(n, 1)), align: 1) { a, e in
            var r = a
            while r < e {
                let item = r / k, r0 = r % k, r1 = min(k, r0 + e - r)
                im2colKernel(x + item * plane, col + item * n, s, r0, r1, ld: items * n)
                r += r1 - r0
            }
        }
    }

    /// dx of `items` consecutive batch items from their side-by-side column gradient (K, items·N).
    private func col2im(_ dcol: UnsafePointer<Float>, items: Int, _ dx: UnsafeMutablePointer<Float>, _ s: Conv2DShape) {
        let n = s.outHeight * s.outWidth, c = s.inChannels, plane = c * s.height * s.width
        runner.forEachChunk(count: items * c, minChunk: max(1, (1 << 14) / max(s.kernelH * s.kernelW * n, 1)), align: 1) { a, e in
            var q = a
            while q < e {
                let item = q / c, c0 = q % c, c1 = min(c, c0 + e - q)
                col2imKernel(dcol + item * n, dx + item * plane, s, c0, c1, ld: items * n)
                q += c1 - c0
            }
        }
    }

    /// Copies (O, items·N) ↔ `items` consecutive (O, N) blocks of a (B, O, N) tensor, adding bias[o]
    /// on the way out when given.
    private func regroup(_ stacked: UnsafeMutablePointer<Float>, _ tensor: UnsafeMutablePointer<Float>, items: Int, o: Int, n: Int,
                         toTensor: Bool, bias: UnsafePointer<Float>? = nil) {
        runner.forEachChunk(count: items * o, minChunk: max(1, (1 << 15) / max(n, 1)), align: 1) { a, e in
            for q in a..<e {
                let item = q / o, oc = q % o
                let t = tensor + q * n, st = stacked + oc * items * n + item * n
                if !toTensor { st.update(from: t, count: n); continue }
                let bv = bias?[oc] ?? 0
                for j in 0..<n { t[j] = st[j] + bv }
            }
        }
    }

    private func isPointwise(_ s: Conv2DShape) -> Bool {
        s.kernelH == 1 && s.kernelW == 1 && s.stride == 1 && s.padH == 0 && s.padW == 0
    }

    public func conv2dForward(x: BufferView, weight: BufferView, bias: BufferView, y: BufferView, shape s: Conv2DShape) {
        ImageOpChecks.conv("conv2dForward", s, x: x, weight: weight, y: y)
        ImageOpChecks.bcs("conv2dForward", [("bias", bias, s.outChannels)])
        let X = ptr(x), Wt = ptr(weight), Bs = ptr(bias), Y = ptr(y)
        let n = s.outHeight * s.outWidth, k = s.patchSize, o = s.outChannels, plane = s.inChannels * s.height * s.width
        let nb = itemsPerGemm(s), direct = nb == 1 && isPointwise(s)
        let col = direct ? nil : allocateAligned(k * n * nb)
        let tmp = nb == 1 ? nil : allocateAligned(o * n * nb)
        defer { col?.deallocate(); tmp?.deallocate() }
        var b0 = 0
        while b0 < s.batch {
            let items = min(nb, s.batch - b0), xb = X + b0 * plane, yb = Y + b0 * o * n
            if let col { im2col(xb, items: items, col, s) }
            if let tmp {
                // (O, items·N) = W · col, then bias and the scatter to (B, O, N)
                runGemm(GemmProblem(a: Wt, b: col!, c: tmp, m: o, n: items * n, k: k, transA: false, transB: false, alpha: 1, beta: 0))
                regroup(tmp, yb, items: items, o: o, n: n, toTensor: true, bias: Bs)
            } else {
                for oc in 0..<o { fillKernel(yb + oc * n, Bs[oc], 0, n) }
                runGemm(GemmProblem(a: Wt, b: col ?? xb, c: yb, m: o, n: n, k: k, transA: false, transB: false, alpha: 1, beta: 1))
            }
            b0 += items
        }
    }

    public func conv2dBackward(x: BufferView, weight: BufferView, dy: BufferView,
                               dx: BufferView?, dWeight: BufferView, dBias: BufferView, shape s: Conv2DShape) {
        ImageOpChecks.conv("conv2dBackward", s, x: x, weight: weight, y: dy)
        ImageOpChecks.bcs("conv2dBackward", [("dWeight", dWeight, s.weightCount), ("dBias", dBias, s.outChannels)])
        if let dx { ImageOpChecks.bcs("conv2dBackward", [("dx", dx, s.inputCount)]) }
        let X = ptr(x), Wt = ptr(weight), DY = ptr(dy), DW = ptr(dWeight), DB = ptr(dBias)
        let n = s.outHeight * s.outWidth, k = s.patchSize, o = s.outChannels, plane = s.inChannels * s.height * s.width
        // dBias: per channel, batch items in order
        var db = [Double](repeating: 0, count: o)
        for b in 0..<s.batch { for oc in 0..<o { db[oc] += sumKernel(DY + (b * o + oc) * n, n) } }
        for oc in 0..<o { DB[oc] += Float(db[oc]) }
        let nb = itemsPerGemm(s), direct = nb == 1 && isPointwise(s)
        let col = direct ? nil : allocateAligned(k * n * nb)
        let dcol = direct || dx == nil ? nil : allocateAligned(k * n * nb)
        let dyS = nb == 1 ? nil : allocateAligned(o * n * nb)
        defer { col?.deallocate(); dcol?.deallocate(); dyS?.deallocate() }
        var b0 = 0
        while b0 < s.batch {
            let items = min(nb, s.batch - b0), xb = X + b0 * plane, dyb = DY + b0 * o * n
            if let col { im2col(xb, items: items, col, s) }
            if let dyS { regroup(dyS, dyb, items: items, o: o, n: n, toTensor: false) }
            let g = dyS ?? dyb, cols = items * n
            // dW(O,K) += dy(O, items·N) · col(K, items·N)ᵀ
            runGemm(GemmProblem(a: g, b: col ?? xb, c: DW, m: o, n: k, k: cols, transA: false, transB: true, alpha: 1, beta: 1))
            if let dx {
                let dxb = ptr(dx) + b0 * plane
                // dcol(K, items·N) = W(O,K)ᵀ · dy, straight into dx_b for a single pointwise item
                runGemm(GemmProblem(a: Wt, b: g, c: dcol ?? dxb, m: k, n: cols, k: o, transA: true, transB: false, alpha: 1, beta: 0))
                if let dcol { col2im(dcol, items: items, dxb, s) }
            }
            b0 += items
        }
    }
}
