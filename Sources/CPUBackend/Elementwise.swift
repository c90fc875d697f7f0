// Elementwise.swift — vectorised elementwise kernels of the SIMD backend: axpby, axpbypcz,
// rowCombine, sums of squares, bias gradient, MSE, AdamW, EMA. Each works on a range
// [start, end) so the backend can split it over threads; tails use scalar loops.
import DiffusionCore

/// out = a·x + b·y on [start, end)   (out may alias x or y)
func axpbyKernel(_ a: Float, _ x: UnsafePointer<Float>, _ b: Float, _ y: UnsafePointer<Float>,
                 _ out: UnsafeMutablePointer<Float>, _ start: Int, _ end: Int) {
    let va = F8(repeating: a), vb = F8(repeating: b)
    var i = start
    while i + 8 <= end { store8(va * load8(x + i) + vb * load8(y + i), out + i); i += 8 }
    while i < end { out[i] = a * x[i] + b * y[i]; i += 1 }
}

/// out = a·x + b·y + c·z on [start, end)   (out may alias any input)
func combine3Kernel(_ a: Float, _ x: UnsafePointer<Float>, _ b: Float, _ y: UnsafePointer<Float>,
                    _ c: Float, _ z: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ start: Int, _ end: Int) {
    let va = F8(repeating: a), vb = F8(repeating: b), vc = F8(repeating: c)
    var i = start
    while i + 8 <= end { store8(va * load8(x + i) + vb * load8(y + i) + vc * load8(z + i), out + i); i += 8 }
    while i < end { out[i] = a * x[i] + b * y[i] + c * z[i]; i += 1 }
}

/// out[r,:] = ca[r]·x[r,:] + cb[r]·y[r,:] for rows [r0, r1) of (R, cols) matrices
func rowCombineKernel(_ ca: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ cb: UnsafePointer<Float>,
                      _ y: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, cols: Int, _ r0: Int, _ r1: Int) {
    if cols == 2 {
        // the common 2-D data case: four rows per SIMD8
        var r = r0
        while r + 4 <= r1 {
            let a = F8(ca[r], ca[r], ca[r + 1], ca[r + 1], ca[r + 2], ca[r + 2], ca[r + 3], ca[r + 3])
            let b = F8(cb[r], cb[r], cb[r + 1], cb[r + 1], cb[r + 2], cb[r + 2], cb[r + 3], cb[r + 3])
            let o = 2 * r
            store8(a * load8(x + o) + b * load8(y + o), out + o)
            r += 4
        }
        while r < r1 {
            out[2 * r] = ca[r] * x[2 * r] + cb[r] * y[2 * r]
            out[2 * r + 1] = ca[r] * x[2 * r + 1] + cb[r] * y[2 * r + 1]
            r += 1
        }
        return
    }
    for r in r0..<r1 {
        let o = r * cols
        axpbyKernel(ca[r], x + o, cb[r], y + o, out + o, 0, cols)
    }
}

/// Σ x[i]² over [start, end), accumulated in float blocks of 1024 and summed in Double.
func sumOfSquaresKernel(_ x: UnsafePointer<Float>, _ start: Int, _ end: Int) -> Double {
    var total: Double = 0
    var i = start
    while i < end {
        let blockEnd = min(end, i + 1024)
        var s0 = F8(), s1 = F8()
        while i + 16 <= blockEnd {
            let a = load8(x + i), b = load8(x + i + 8)
            s0 = s0.addingProduct(a, a); s1 = s1.addingProduct(b, b)
            i += 16
        }
        var block = Double((s0 + s1).sum())
        while i < blockEnd { block += Double(x[i]) * Double(x[i]); i += 1 }
        total += block
    }
    return total
}

/// dBias[c] += Σ_r dy[r, c] for columns [c0, c1) of dy (rows, cols)
func biasBackwardKernel(_ dy: UnsafePointer<Float>, _ dBias: UnsafeMutablePointer<Float>,
                        rows: Int, cols: Int, _ c0: Int, _ c1: Int) {
    var c = c0
    while c + 32 <= c1 {
        var s0 = F8(), s1 = F8(), s2 = F8(), s3 = F8()
        var p = dy + c
        for _ in 0..<rows {
            s0 += load8(p); s1 += load8(p + 8); s2 += load8(p + 16); s3 += load8(p + 24)
            p += cols
        }
        store8(load8(dBias + c) + s0, dBias + c)
        store8(load8(dBias + c + 8) + s1, dBias + c + 8)
        store8(load8(dBias + c + 16) + s2, dBias + c + 16)
        store8(load8(dBias + c + 24) + s3, dBias + c + 24)
        c += 32
    }
    while c + 8 <= c1 {
        var s = F8()
        var p = dy + c
        for _ in 0..<rows { s += load8(p); p += cols }
        store8(load8(dBias + c) + s, dBias + c)
        c += 8
    }
    while c < c1 {
        var s: Float = 0
        for r in 0..<rows { s += dy[r * cols + c] }
        dBias[c] += s
        c += 1
    }
}

/// dPred = scale·(pred − target) on [start, end); returns Σ (pred − target)² (in Double).
func mseKernel(_ pred: UnsafePointer<Float>, _ target: UnsafePointer<Float>, _ dPred: UnsafeMutablePointer<Float>,
               scale: Float, _ start: Int, _ end: Int) -> Double {
    var total: Double = 0
    let vs = F8(repeating: scale)
    var i = start
    while i < end {
        let blockEnd = min(end, i + 1024)
        var s = F8()
        while i + 8 <= blockEnd {
            let d = load8(pred + i) - load8(target + i)
            s = s.addingProduct(d, d)
            store8(vs * d, dPred + i)
            i += 8
        }
        var block = Double(s.sum())
        while i < blockEnd {
            let d = pred[i] - target[i]
            block += Double(d) * Double(d)
            dPred[i] = scale * d
            i += 1
        }
        total += block
    }
    return total
}

/// Pre-computed per-step AdamW constants.
struct AdamWConstants {
    var clip: Float, beta1: Float, beta2: Float, bc1: Float, bc2: Float, lr: Float, eps: Float, weightDecay: Float
}

/// AdamW on [start, end) (see Backend.adamwStep).
func adamwKernel(_ p: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ m: UnsafeMutablePointer<Float>,
                 _ v: UnsafeMutablePointer<Float>, _ k: AdamWConstants, _ start: Int, _ end: Int) {
    let clip = F8(repeating: k.clip)
    let b1 = F8(repeating: k.beta1), b2 = F8(repeating: k.beta2)
    let ob1 = F8(repeating: 1 - k.beta1), ob2 = F8(repeating: 1 - k.beta2)
    // one division per vector: the bias corrections become multiplications by 1/bc
    let rbc1 = F8(repeating: 1 / k.bc1), rbc2 = F8(repeating: 1 / k.bc2)
    let lr = F8(repeating: k.lr), eps = F8(repeating: k.eps), wd = F8(repeating: k.weightDecay)
    var i = start
    while i + 8 <= end {
        let gi = load8(g + i) * clip
        let mi = b1 * load8(m + i) + ob1 * gi
        let vi = b2 * load8(v + i) + ob2 * gi * gi
        store8(mi, m + i); store8(vi, v + i)
        let mhat = mi * rbc1, vhat = vi * rbc2
        let pi = load8(p + i)
        store8(pi - lr * (mhat / (vsqrt(vhat) + eps) + wd * pi), p + i)
        i += 8
    }
    while i < end {
        let gi = g[i] * k.clip
        m[i] = k.beta1 * m[i] + (1 - k.beta1) * gi
        v[i] = k.beta2 * v[i] + (1 - k.beta2) * gi * gi
        let mhat = m[i] / k.bc1, vhat = v[i] / k.bc2
        p[i] -= k.lr * (mhat / (vhat.squareRoot() + k.eps) + k.weightDecay * p[i])
        i += 1
    }
}

/// ema = decay·ema + (1−decay)·params on [start, end)
func emaKernel(_ ema: UnsafeMutablePointer<Float>, _ params: UnsafePointer<Float>, decay: Float, _ start: Int, _ end: Int) {
    let d = F8(repeating: decay), od = F8(repeating: 1 - decay)
    var i = start
    while i + 8 <= end { store8(d * load8(ema + i) + od * load8(params + i), ema + i); i += 8 }
    while i < end { ema[i] = decay * ema[i] + (1 - decay) * params[i]; i += 1 }
}

/// x[i] = value on [start, end)
func fillKernel(_ x: UnsafeMutablePointer<Float>, _ value: Float, _ start: Int, _ end: Int) {
    let v = F8(repeating: value)
    var i = start
    while i + 8 <= end { store8(v, x + i); i += 8 }
    while i < end { x[i] = value; i += 1 }
}
