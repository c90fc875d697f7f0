// ImageOpBounds.swift — per-element error bounds of the image / sequence ops, for comparing an
// implementation (SIMD, a shader) with ReferenceBackend. The rule is the summation bound: a float
// sum of n products, in any order (fma or not), is off the exact value by at most
//   γ_n·Σ|terms|,  γ_n = n·u/(1 − n·u) ≈ n·u,  u = 2^-24,
// and the reference (sums in Double, rounded once) by at most u·|value|. Σ|terms| comes from the
// reference op itself run on absolute values (|x|, |w|, |dy|), so each bound is the magnitude the
// element's sum actually had, not a global epsilon. Group normalization adds the propagation of
// its mean and rstd errors (see `groupNormForward`). The bounds are for one float implementation
// against the reference; nothing here is tuned on a device.
import DiffusionCore

public enum ImageOpBounds {
    public static let u = 1.0 / 16_777_216

    /// γ_(n+slack) (the slack covers the products' and the final roundings)
    public static func gamma(_ n: Int, slack: Int = 3) -> Double { Double(n + slack) * u / (1 - Double(n + slack) * u) }

    private static func run(_ body: (ReferenceBackend) -> [BufferView]) -> [[Float]] {
        let ref = ReferenceBackend()
        return body(ref).map { ref.read($0) }
    }
    private static func buf(_ ref: ReferenceBackend, _ v: [Float]) -> BufferView { BufferView(try! ref.makeBuffer(v)) }
    private static func absv(_ v: [Float]) -> [Float] { v.map { Swift.abs($0) } }
    private static func scaled(_ v: [Float], _ g: Double) -> [Float] { v.map { Float(Double($0) * g) } }

    /// y: γ_(C·KH·KW+1)·(Σ|w·x| + |bias|)
    public static func conv2dForward(x: [Float], weight: [Float], bias: [Float], shape s: Conv2DShape) -> [Float] {
        let sums = run { r in
            let y = buf(r, [Float](repeating: 0, count: s.outputCount))
            r.conv2dForward(x: buf(r, absv(x)), weight: buf(r, absv(weight)), bias: buf(r, absv(bias)), y: y, shape: s)
            return [y]
        }
        return scaled(sums[0], gamma(s.patchSize + 1))
    }

    /// dx: γ_(O·KH·KW)·Σ|w·dy|; dW: γ_(B·OH·OW)·(Σ|dy·x| + |dW₀|); dBias: γ_(B·OH·OW)·(Σ|dy| + |dBias₀|),
    /// where dW₀, dBias₀ are the values accumulated onto.
    public static func conv2dBackward(x: [Float], weight: [Float], dy: [Float], dWeight0: [Float], dBias0: [Float],
                                      shape s: Conv2DShape) -> (dx: [Float], dWeight: [Float], dBias: [Float]) {
        let sums = run { r in
            let dx = buf(r, [Float](repeating: 0, count: s.inputCount))
            let dw = buf(r, absv(dWeight0)), db = buf(r, absv(dBias0))
            r.conv2dBackward(x: buf(r, absv(x)), weight: buf(r, absv(weight)), dy: buf(r, absv(dy)), dx: dx, dWeight: dw, dBias: db, shape: s)
            return [dx, dw, db]
        }
        let terms = s.batch * s.outHeight * s.outWidth
        return (scaled(sums[0], gamma(s.outChannels * s.kernelH * s.kernelW)), scaled(sums[1], gamma(terms + 1)),
                scaled(sums[2], gamma(terms + 1)))
    }

    /// Per group of n = (C/G)·S values: the computed mean is off by δμ ≤ γ_n·mean|x|; the variance
    /// (second pass over x − μ̃; an error in μ̃ enters only squared) by γ_(n+3) relative, so rstd by
    /// half that plus a few ulp of the square root and division. Then
    ///   |δy| ≤ |gamma|·rstd·δμ + |gamma·x̂|·δrstd/rstd + 4u·(|gamma·x̂| + |beta|).
    /// stats: mean δμ + u|μ|, rstd (γ_(n+3)/2 + 4u)·rstd.
    public static func groupNormForward(x: [Float], gamma gm: [Float], beta: [Float], batch: Int, channels: Int,
                                        spatial: Int, groups: Int, eps: Float) -> (y: [Float], stats: [Float]) {
        let cpg = channels / groups, n = cpg * spatial
        var y = [Float](repeating: 0, count: x.count), stats = [Float](repeating: 0, count: 2 * batch * groups)
        let g = gamma(n), relR = gamma(n + 3) / 2 + 4 * u
        for b in 0..<batch { for q in 0..<groups {
            let base = (b * channels + q * cpg) * spatial
            let vals = (0..<n).map { Double(x[base + $0]) }
            let mean = vals.reduce(0, +) / Double(n)
            let meanAbs = vals.reduce(0) { $0 + Swift.abs($1) } / Double(n)
            let rstd = 1 / (vals.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n) + Double(eps)).squareRoot()
            let dMean = g * meanAbs
            stats[2 * (b * groups + q)] = Float(dMean + u * Swift.abs(mean))
            stats[2 * (b * groups + q) + 1] = Float(relR * rstd)
            for i in 0..<n {
                let c = q * cpg + i / spatial
                let gx = Swift.abs(Double(gm[c]) * (vals[i] - mean) * rstd)
                y[base + i] = Float(Swift.abs(Double(gm[c])) * rstd * dMean + gx * relR + 4 * u * (gx + Swift.abs(Double(beta[c]))))
            }
        } }
        return (y, stats)
    }

    /// With the forward's stats given (the same on both sides), per group of n values, g = gamma·dy:
    ///   |δdx| ≤ rstd·γ_(n+4)·(|g| + mean|g| + |x̂|·mean|g·x̂| + |x̂|·mean|g|);
    /// dGamma: γ_(B·S+4)·(Σ|dy·x̂| + |dGamma₀|); dBeta: γ_(B·S)·(Σ|dy| + |dBeta₀|).
    public static func groupNormBackward(x: [Float], gamma gm: [Float], stats: [Float], dy: [Float],
                                         dGamma0: [Float], dBeta0: [Float], batch: Int, channels: Int, spatial: Int,
                                         groups: Int) -> (dx: [Float], dGamma: [Float], dBeta: [Float]) {
        let cpg = channels / groups, n = cpg * spatial
        var dx = [Float](repeating: 0, count: x.count)
        var sg = dGamma0.map { Swift.abs(Double($0)) }, sb = dBeta0.map { Swift.abs(Double($0)) }
        let g = gamma(n + 4)
        for b in 0..<batch { for q in 0..<groups {
            let base = (b * channels + q * cpg) * spatial
            let mean = Double(stats[2 * (b * groups + q)]), rstd = Double(stats[2 * (b * groups + q) + 1])
            var m1 = 0.0, m2 = 0.0
            var xh = [Double](repeating: 0, count: n), gd = [Double](repeating: 0, count: n)
            for i in 0..<n {
                let c = q * cpg + i / spatial
                xh[i] = (Double(x[base + i]) - mean) * rstd
                gd[i] = Double(gm[c]) * Double(dy[base + i])
                m1 += Swift.abs(gd[i]) / Double(n); m2 += Swift.abs(gd[i] * xh[i]) / Double(n)
                sg[c] += Swift.abs(Double(dy[base + i]) * xh[i]); sb[c] += Swift.abs(Double(dy[base + i]))
            }
            for i in 0..<n {
                dx[base + i] = Float(rstd * g * (Swift.abs(gd[i]) + m1 + Swift.abs(xh[i]) * (m2 + m1)))
            }
        } }
        let pg = gamma(batch * spatial + 4)
        return (dx, sg.map { Float($0 * pg) }, sb.map { Float($0 * pg) })
    }

    /// y = x·(1 + scale) + shift: three roundings, 3u·(|x|·(1 + |scale|) + |shift|).
    public static func filmForward(x: [Float], scale: [Float], shift: [Float], spatial: Int) -> [Float] {
        x.indices.map { i in
            let r = i / spatial
            return Float(3 * u * (Swift.abs(Double(x[i])) * (1 + Swift.abs(Double(scale[r]))) + Swift.abs(Double(shift[r]))))
        }
    }

    /// dx: 2u·|dy|·(1 + |scale|); dScale: γ_(S+1)·Σ|dy·x|; dShift: γ_S·Σ|dy|.
    public static func filmBackward(x: [Float], scale: [Float], dy: [Float], spatial: Int) -> (dx: [Float], dScale: [Float], dShift: [Float]) {
        let dx = dy.indices.map { Float(2 * u * Swift.abs(Double(dy[$0])) * (1 + Swift.abs(Double(scale[$0 / spatial])))) }
        let rows = scale.count
        var ds = [Float](repeating: 0, count: rows), dh = [Float](repeating: 0, count: rows)
        for r in 0..<rows {
            var a = 0.0, b = 0.0
            for s in 0..<spatial { let i = r * spatial + s; a += Swift.abs(Double(dy[i]) * Double(x[i])); b += Swift.abs(Double(dy[i])) }
            ds[r] = Float(gamma(spatial + 1) * a); dh[r] = Float(gamma(spatial) * b)
        }
        return (dx, ds, dh)
    }

    /// dx: γ_(FH·FW)·Σ|children| (the forward is an exact copy: bound 0).
    public static func upsampleNearestBackward(dy: [Float], batch: Int, channels: Int, height: Int, width: Int,
                                               factorH: Int, factorW: Int) -> [Float] {
        let sums = run { r in
            let dx = buf(r, [Float](repeating: 0, count: batch * channels * height * width))
            r.upsampleNearestBackward(dy: buf(r, absv(dy)), dx: dx, batch: batch, channels: channels, height: height, width: width,
                                      factorH: factorH, factorW: factorW)
            return [dx]
        }
        return scaled(sums[0], gamma(factorH * factorW))
    }

    /// The first index where |got − want| > bound (NaN never passes), or nil.
    public static func firstViolation(_ got: [Float], _ want: [Float], _ bound: [Float]) -> Int? {
        if got.count != want.count || want.count != bound.count { return 0 }
        return got.indices.first { !(Swift.abs(Double(got[$0]) - Double(want[$0])) <= Double(bound[$0])) }
    }
}
