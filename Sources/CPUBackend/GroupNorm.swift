// GroupNorm.swift — the SIMD backend's group normalization and FiLM (per-channel scale and shift
// from an embedding). Work is split over (batch, group) pairs resp. (batch, channel) rows; sums
// run in SIMD8 float lanes and are combined in Double per block of 1024 (see `sumKernel`), so a
// group of n values carries about 1024·u of summation error, not n·u.
import DiffusionCore

/// (Σ x, Σ (x − mean)²) need two passes; this is the second: Σ (x − m)² over [0, n).
func centeredSquaresKernel(_ x: UnsafePointer<Float>, _ n: Int, mean m: Float) -> Double {
    var total = 0.0, i = 0
    let vm = F8(repeating: m)
    while i < n {
        let end = min(n, i + 1024)
        var s0 = F8(), s1 = F8()
        while i + 16 <= end {
            let a = load8(x + i) - vm, b = load8(x + i + 8) - vm
            s0 = s0.addingProduct(a, a); s1 = s1.addingProduct(b, b); i += 16
        }
        var block = Double((s0 + s1).sum())
        while i < end { let d = Double(x[i] - m); block += d * d; i += 1 }
        total += block
    }
    return total
}

/// (Σ dy, Σ dy·(x − m)) over [0, n); centring x first keeps Σ dy·x̂ free of cancellation when
/// |mean| ≫ σ
func dotAndSumKernel(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int, mean m: Float = 0) -> (sum: Double, dot: Double) {
    var sum = 0.0, dot = 0.0, i = 0
    let vm = F8(repeating: m)
    while i < n {
        let end = min(n, i + 1024)
        var s = F8(), d = F8()
        while i + 8 <= end { let g = load8(dy + i); s += g; d = d.addingProduct(g, load8(x + i) - vm); i += 8 }
        var bs = Double(s.sum()), bd = Double(d.sum())
        while i < end { bs += Double(dy[i]); bd += Double(dy[i]) * Double(x[i] - m); i += 1 }
        sum += bs; dot += bd
    }
    return (sum, dot)
}

/// out[i] = (x[i] − m)·a + c over [0, n)
@inline(__always)
func affineKernel(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int, m: Float, a: Float, c: Float) {
    let vm = F8(repeating: m), va = F8(repeating: a), vc = F8(repeating: c)
    var i = 0
    while i + 8 <= n { store8(vc.addingProduct(load8(x + i) - vm, va), out + i); i += 8 }
    while i < n { out[i] = (x[i] - m) * a + c; i += 1 }
}

extension SIMDBackend {
    public func groupNormForward(x: BufferView, gamma: BufferView, beta: BufferView, y: BufferView, stats: BufferView,
                                 batch: Int, channels: Int, spatial: Int, groups: Int, eps: Float) {
        ImageOpChecks.groupNormForward(x: x, gamma: gamma, beta: beta, y: y, stats: stats, batch: batch, channels: channels,
                                       spatial: spatial, groups: groups)
        let X = ptr(x), G = ptr(gamma), Bt = ptr(beta), Y = ptr(y), ST = ptr(stats)
        let cpg = channels / groups, len = cpg * spatial
        runner.forEachChunk(count: batch * groups, minChunk: max(1, (1 << 14) / max(len, 1)), align: 1) { p0, p1 in
            for p in p0..<p1 {
                let base = (p / groups * channels + p % groups * cpg) * spatial
                let mean = Float(sumKernel(X + base, len) / Double(len))
                let variance = centeredSquaresKernel(X + base, len, mean: mean) / Double(len)
                let rstd = Float(1 / (variance + Double(eps)).squareRoot())
                ST[2 * p] = mean; ST[2 * p + 1] = rstd
                for ci in 0..<cpg {
                    let c = p % groups * cpg + ci, o = base + ci * spatial
                    affineKernel(X + o, Y + o, spatial, m: mean, a: rstd * G[c], c: Bt[c])
                }
            }
        }
    }

    public func groupNormBackward(x: BufferView, gamma: BufferView, stats: BufferView, dy: BufferView,
                                  dx: BufferView, dGamma: BufferView, dBeta: BufferView,
                                  batch: Int, channels: Int, spatial: Int, groups: Int) {
        ImageOpChecks.groupNormBackward(x: x, gamma: gamma, stats: stats, dy: dy, dx: dx, dGamma: dGamma, dBeta: dBeta,
                                        batch: batch, channels: channels, spatial: spatial, groups: groups)
        let X = ptr(x), G = ptr(gamma), ST = ptr(stats), DY = ptr(dy), DX = ptr(dx)
        let cpg = channels / groups, len = cpg * spatial
        // per (b, c): Σ_s dy and Σ_s dy·x̂, reduced over b in order afterwards (deterministic)
        var partial = [Double](repeating: 0, count: 2 * batch * channels)
        partial.withUnsafeMutableBufferPointer { pb in
            let P = pb.baseAddress!
            runner.forEachChunk(count: batch * groups, minChunk: max(1, (1 << 13) / max(len, 1)), align: 1) { p0, p1 in
                for p in p0..<p1 {
                    let b = p / groups, g = p % groups
                    let base = (b * channels + g * cpg) * spatial
                    let mean = ST[2 * p], rstd = ST[2 * p + 1]
                    var s1 = 0.0, s2 = 0.0
                    for ci in 0..<cpg {
                        let c = g * cpg + ci, o = base + ci * spatial
                        let (sum, dot) = dotAndSumKernel(DY + o, X + o, spatial, mean: mean)
                        let dxh = Double(rstd) * dot       // Σ dy·x̂
                        P[2 * (b * channels + c)] = sum; P[2 * (b * channels + c) + 1] = dxh
                        s1 += Double(G[c]) * sum; s2 += Double(G[c]) * dxh
                    }
                    let m1 = Float(s1 / Double(len)), m2 = Float(s2 / Double(len))
                    for ci in 0..<cpg {
                        let c = g * cpg + ci, o = base + ci * spatial
                        // dx = rstd·(γ·dy − m1 − x̂·m2) = (rstd·γ)·dy − (rstd·m2·rstd)·(x − mean) − rstd·m1
                        let a = F8(repeating: rstd * G[c]), bq = F8(repeating: rstd * rstd * m2)
                        let vm = F8(repeating: mean), c0 = F8(repeating: rstd * m1)
                        var i = 0
                        while i + 8 <= spatial {
                            let v = a * load8(DY + o + i) - bq * (load8(X + o + i) - vm) - c0
                            store8(v, DX + o + i); i += 8
                        }
                        while i < spatial {
                            DX[o + i] = rstd * G[c] * DY[o + i] - rstd * rstd * m2 * (X[o + i] - mean) - rstd * m1; i += 1
                        }
                    }
                }
            }
        }
        let DG = ptr(dGamma), DB = ptr(dBeta)
        for c in 0..<channels {
            var sb = 0.0, sg = 0.0
            for b in 0..<batch { sb += partial[2 * (b * channels + c)]; sg += partial[2 * (b * channels + c) + 1] }
            DB[c] += Float(sb); DG[c] += Float(sg)
        }
    }

    public func filmForward(x: BufferView, scale: BufferView, shift: BufferView, y: BufferView,
                            batch: Int, channels: Int, spatial: Int) {
        let rows = batch * channels
        ImageOpChecks.filmForward(x: x, scale: scale, shift: shift, y: y, batch: batch, channels: channels, spatial: spatial)
        let X = ptr(x), SC = ptr(scale), SH = ptr(shift), Y = ptr(y)
        runner.forEachChunk(count: rows, minChunk: max(1, (1 << 15) / max(spatial, 1)), align: 1) { r0, r1 in
            for r in r0..<r1 {
                let a = F8(repeating: 1 + SC[r]), c = F8(repeating: SH[r]), o = r * spatial
                var i = 0
                while i + 8 <= spatial { store8(c.addingProduct(load8(X + o + i), a), Y + o + i); i += 8 }
                while i < spatial { Y[o + i] = X[o + i] * (1 + SC[r]) + SH[r]; i += 1 }
            }
        }
    }

    public func filmBackward(x: BufferView, scale: BufferView, dy: BufferView,
                             dx: BufferView, dScale: BufferView, dShift: BufferView,
                             batch: Int, channels: Int, spatial: Int) {
        let rows = batch * channels
        ImageOpChecks.filmBackward(x: x, scale: scale, dy: dy, dx: dx, dScale: dScale, dShift: dShift,
                                   batch: batch, channels: channels, spatial: spatial)
        let X = ptr(x), SC = ptr(scale), DY = ptr(dy), DX = ptr(dx), DS = ptr(dScale), DH = ptr(dShift)
        runner.forEachChunk(count: rows, minChunk: max(1, (1 << 14) / max(spatial, 1)), align: 1) { r0, r1 in
            for r in r0..<r1 {
                let o = r * spatial
                // the sums first: dx may alias dy
                let (sum, dot) = dotAndSumKernel(DY + o, X + o, spatial)
                DS[r] = Float(dot); DH[r] = Float(sum)
                let a = F8(repeating: 1 + SC[r])
                var i = 0
                while i + 8 <= spatial { store8(load8(DY + o + i) * a, DX + o + i); i += 8 }
                while i < spatial { DX[o + i] = DY[o + i] * (1 + SC[r]); i += 1 }
            }
        }
    }

    public func upsampleNearestForward(x: BufferView, y: BufferView, batch: Int, channels: Int,
                                       height: Int, width: Int, factorH: Int, factorW: Int) {
        let planes = batch * channels, ow = width * factorW
        ImageOpChecks.upsampleNearest("upsampleNearestForward", small: ("x", x), large: ("y", y), batch: batch, channels: channels,
                                       height: height, width: width, factorH: factorH, factorW: factorW)
        let X = ptr(x), Y = ptr(y)
        runner.forEachChunk(count: planes * height, minChunk: max(1, (1 << 15) / max(ow * factorH, 1)), align: 1) { r0, r1 in
            for r in r0..<r1 {
                let src = X + r * width, dst = Y + r * factorH * ow
                if factorW == 2 {
                    var j = 0
                    while j + 8 <= width {
                        let v = load8(src + j)
                        store8(F8(v[0], v[0], v[1], v[1], v[2], v[2], v[3], v[3]), dst + 2 * j)
                        store8(F8(v[4], v[4], v[5], v[5], v[6], v[6], v[7], v[7]), dst + 2 * j + 8)
                        j += 8
                    }
                    while j < width { dst[2 * j] = src[j]; dst[2 * j + 1] = src[j]; j += 1 }
                } else {
                    for j in 0..<ow { dst[j] = src[j / factorW] }
                }
                for a in 1..<max(factorH, 1) { (dst + a * ow).update(from: dst, count: ow) }
            }
        }
    }

    public func upsampleNearestBackward(dy: BufferView, dx: BufferView, batch: Int, channels: Int,
                                        height: Int, width: Int, factorH: Int, factorW: Int) {
        let planes = batch * channels, ow = width * factorW
        ImageOpChecks.upsampleNearest("upsampleNearestBackward", small: ("dx", dx), large: ("dy", dy), batch: batch, channels: channels,
                                       height: height, width: width, factorH: factorH, factorW: factorW)
        let DY = ptr(dy), DX = ptr(dx)
        runner.forEachChunk(count: planes * height, minChunk: max(1, (1 << 15) / max(ow * factorH, 1)), align: 1) { r0, r1 in
            for r in r0..<r1 {
                let src = DY + r * factorH * ow, dst = DX + r * width
                for j in 0..<width {
                    var acc: Float = 0
                    for a in 0..<factorH { for c in 0..<factorW { acc += src[a * ow + j * factorW + c] } }
                    dst[j] = acc
                }
            }
        }
    }
}
