// Conv.swift — the SIMD backend's 2-D (and, with H = 1, 1-D) convolution: per batch item,
// im2col of the input into a (C·KH·KW, OH·OW) column matrix, then the packed GEMM
//   y_b(O, OH·OW) = W(O, C·KH·KW) · col_b            (bias preloaded into y, beta = 1)
// and backward
//   dW(O, K) += dy_b(O, N) · col_bᵀ,   dcol_b(K, N) = Wᵀ · dy_b,   dx_b = col2im(dcol_b).
// A 1×1 convolution at stride 1 without padding uses x_b itself as the column matrix.
import DiffusionCore

/// Rows [r0, r1) of the column matrix of one batch item: col[r, i·OW + j] with r = (c·KH + ky)·KW + kx
/// is x[c, i·stride + ky − padH, j·stride + kx − padW], zero in the padding.
func im2colKernel(_ x: UnsafePointer<Float>, _ col: UnsafeMutablePointer<Float>, _ s: Conv2DShape, _ r0: Int, _ r1: Int) {
    let (H, W, KH, KW, OH, OW, st) = (s.height, s.width, s.kernelH, s.kernelW, s.outHeight, s.outWidth, s.stride)
    for r in r0..<r1 {
        let c = r / (KH * KW), ky = (r / KW) % KH, kx = r % KW
        let (jlo, jhi) = validRange(out: OW, size: W, tap: kx, pad: s.padW, stride: st)
        for i in 0..<OH {
            let row = col + r * OH * OW + i * OW
            let iy = i * st + ky - s.padH
            guard iy >= 0 && iy < H && jlo < jhi else { fillKernel(row, 0, 0, OW); continue }
            let src = x + (c * H + iy) * W + kx - s.padW
            for j in 0..<jlo { row[j] = 0 }
            if st == 1 {
                (row + jlo).update(from: src + jlo, count: jhi - jlo)
            } else {
                for j in jlo..<jhi { row[j] = src[j * st] }
            }
            for j in jhi..<OW { row[j] = 0 }
        }
    }
}

/// Channels [c0, c1) of dx for one batch item from its column gradient dcol (K, N): every
/// column entry is added to the input element it was read from (zeroed first).
func col2imKernel(_ dcol: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, _ s: Conv2DShape, _ c0: Int, _ c1: Int) {
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
                let src = dcol + r * OH * OW + i * OW
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
    /// Whether x_b is its own column matrix (1×1 kernel, stride 1, no padding).
    private func isPointwise(_ s: Conv2DShape) -> Bool {
        s.kernelH == 1 && s.kernelW == 1 && s.stride == 1 && s.padH == 0 && s.padW == 0
    }

    private func im2col(_ x: UnsafePointer<Float>, _ col: UnsafeMutablePointer<Float>, _ s: Conv2DShape) {
        let n = s.outHeight * s.outWidth
        runner.forEachChunk(count: s.patchSize, minChunk: max(1, (1 << 14) / max(n, 1)), align: 1) { r0, r1 in
            im2colKernel(x, col, s, r0, r1)
        }
    }

    public func conv2dForward(x: BufferView, weight: BufferView, bias: BufferView, y: BufferView, shape s: Conv2DShape) {
        ImageOpChecks.conv("conv2dForward", s, x: x, weight: weight, y: y)
        ImageOpChecks.bcs("conv2dForward", [("bias", bias, s.outChannels)])
        let X = ptr(x), Wt = ptr(weight), Bs = ptr(bias), Y = ptr(y)
        let n = s.outHeight * s.outWidth, k = s.patchSize, o = s.outChannels
        let pointwise = isPointwise(s)
        let col = pointwise ? nil : allocateAligned(k * n)
        defer { col?.deallocate() }
        for b in 0..<s.batch {
            let xb = X + b * s.inChannels * s.height * s.width, yb = Y + b * o * n
            for oc in 0..<o { fillKernel(yb + oc * n, Bs[oc], 0, n) }
            if let col { im2col(xb, col, s) }
            runGemm(GemmProblem(a: Wt, b: col ?? xb, c: yb, m: o, n: n, k: k,
                                transA: false, transB: false, alpha: 1, beta: 1))
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
        let pointwise = isPointwise(s)
        let col = pointwise ? nil : allocateAligned(k * n)
        let dcol = pointwise || dx == nil ? nil : allocateAligned(k * n)
        defer { col?.deallocate(); dcol?.deallocate() }
        for b in 0..<s.batch {
            let xb = X + b * plane, dyb = DY + b * o * n
            if let col { im2col(xb, col, s) }
            // dW(O,K) += dy_b(O,N) · col_b(K,N)ᵀ
            runGemm(GemmProblem(a: dyb, b: col ?? xb, c: DW, m: o, n: k, k: n,
                                transA: false, transB: true, alpha: 1, beta: 1))
            guard let dx else { continue }
            let dxb = ptr(dx) + b * plane
            // dcol(K,N) = W(O,K)ᵀ · dy_b(O,N), straight into dx_b for a pointwise convolution
            runGemm(GemmProblem(a: Wt, b: dyb, c: dcol ?? dxb, m: k, n: n, k: o,
                                transA: true, transB: false, alpha: 1, beta: 0))
            if let dcol {
                runner.forEachChunk(count: s.inChannels, minChunk: max(1, (1 << 14) / max(k / s.inChannels * n, 1)), align: 1) { c0, c1 in
                    col2imKernel(dcol, dxb, s, c0, c1)
                }
            }
        }
    }
}
