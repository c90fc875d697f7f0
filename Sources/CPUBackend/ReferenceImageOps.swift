// ReferenceImageOps.swift — the naive loops of the image / sequence ops (convolution, group
// normalization, FiLM, nearest upsampling), straight from the formulas in Backend.swift, sums in
// Double. The yardstick of the SIMD kernels (Conv.swift, GroupNorm.swift) and the shaders.
import DiffusionCore

/// Shape checks both CPU backends run at the Backend boundary of the image ops.
extension ReferenceBackend {
    public func conv2dForward(x: BufferView, weight: BufferView, bias: BufferView, y: BufferView, shape s: Conv2DShape) {
        ImageOpChecks.conv("conv2dForward", s, x: x, weight: weight, y: y)
        ImageOpChecks.bcs("conv2dForward", [("bias", bias, s.outChannels)])
        let X = ptr(x), Wt = ptr(weight), Bs = ptr(bias), Y = ptr(y)
        let (C, H, W, O, KH, KW, OH, OW) = (s.inChannels, s.height, s.width, s.outChannels, s.kernelH, s.kernelW, s.outHeight, s.outWidth)
        for b in 0..<s.batch { for o in 0..<O { for i in 0..<OH { for j in 0..<OW {
            var acc = Double(Bs[o])
            for c in 0..<C { for ky in 0..<KH { for kx in 0..<KW {
                let iy = i * s.stride + ky - s.padH, ix = j * s.stride + kx - s.padW
                guard iy >= 0 && iy < H && ix >= 0 && ix < W else { continue }
                acc += Double(Wt[((o * C + c) * KH + ky) * KW + kx]) * Double(X[((b * C + c) * H + iy) * W + ix])
            } } }
            Y[((b * O + o) * OH + i) * OW + j] = Float(acc)
        } } } }
    }

    public func conv2dBackward(x: BufferView, weight: BufferView, dy: BufferView,
                               dx: BufferView?, dWeight: BufferView, dBias: BufferView, shape s: Conv2DShape) {
        ImageOpChecks.conv("conv2dBackward", s, x: x, weight: weight, y: dy)
        ImageOpChecks.bcs("conv2dBackward", [("dWeight", dWeight, s.weightCount), ("dBias", dBias, s.outChannels)])
        let X = ptr(x), Wt = ptr(weight), DY = ptr(dy), DW = ptr(dWeight), DB = ptr(dBias)
        let (B, C, H, W, O, KH, KW, OH, OW) = (s.batch, s.inChannels, s.height, s.width, s.outChannels, s.kernelH, s.kernelW, s.outHeight, s.outWidth)
        // the input position read by output (i, j) at tap (ky, kx), or nil in the padding
        func at(_ i: Int, _ j: Int, _ ky: Int, _ kx: Int) -> (Int, Int)? {
            let iy = i * s.stride + ky - s.padH, ix = j * s.stride + kx - s.padW
            return iy >= 0 && iy < H && ix >= 0 && ix < W ? (iy, ix) : nil
        }
        for o in 0..<O {
            var acc = 0.0
            for b in 0..<B { for p in 0..<(OH * OW) { acc += Double(DY[(b * O + o) * OH * OW + p]) } }
            DB[o] += Float(acc)
            for c in 0..<C { for ky in 0..<KH { for kx in 0..<KW {
                var g = 0.0
                for b in 0..<B { for i in 0..<OH { for j in 0..<OW {
                    guard let (iy, ix) = at(i, j, ky, kx) else { continue }
                    g += Double(DY[((b * O + o) * OH + i) * OW + j]) * Double(X[((b * C + c) * H + iy) * W + ix])
                } } }
                DW[((o * C + c) * KH + ky) * KW + kx] += Float(g)
            } } }
        }
        guard let dx else { return }
        ImageOpChecks.bcs("conv2dBackward", [("dx", dx, s.inputCount)])
        var acc = [Double](repeating: 0, count: s.inputCount)
        for b in 0..<B { for o in 0..<O { for i in 0..<OH { for j in 0..<OW {
            let g = Double(DY[((b * O + o) * OH + i) * OW + j])
            for c in 0..<C { for ky in 0..<KH { for kx in 0..<KW {
                guard let (iy, ix) = at(i, j, ky, kx) else { continue }
                acc[((b * C + c) * H + iy) * W + ix] += g * Double(Wt[((o * C + c) * KH + ky) * KW + kx])
            } } }
        } } } }
        let DX = ptr(dx)
        for i in 0..<acc.count { DX[i] = Float(acc[i]) }
    }

    public func groupNormForward(x: BufferView, gamma: BufferView, beta: BufferView, y: BufferView, stats: BufferView,
                                 batch: Int, channels: Int, spatial: Int, groups: Int, eps: Float) {
        ImageOpChecks.groupNormForward(x: x, gamma: gamma, beta: beta, y: y, stats: stats, batch: batch, channels: channels,
                                       spatial: spatial, groups: groups)
        let X = ptr(x), G = ptr(gamma), Bt = ptr(beta), Y = ptr(y), ST = ptr(stats)
        let cpg = channels / groups, len = cpg * spatial
        for b in 0..<batch { for g in 0..<groups {
            let base = (b * channels + g * cpg) * spatial
            var sum = 0.0
            for i in 0..<len { sum += Double(X[base + i]) }
            let mean = sum / Double(len)
            var sq = 0.0
            for i in 0..<len { let d = Double(X[base + i]) - mean; sq += d * d }
            let rstd = 1 / (sq / Double(len) + Double(eps)).squareRoot()
            ST[2 * (b * groups + g)] = Float(mean)
            ST[2 * (b * groups + g) + 1] = Float(rstd)
            for i in 0..<len {
                let c = g * cpg + i / spatial
                Y[base + i] = Float((Double(X[base + i]) - mean) * rstd * Double(G[c]) + Double(Bt[c]))
            }
        } }
    }

    public func groupNormBackward(x: BufferView, gamma: BufferView, stats: BufferView, dy: BufferView,
                                  dx: BufferView, dGamma: BufferView, dBeta: BufferView,
                                  batch: Int, channels: Int, spatial: Int, groups: Int) {
        ImageOpChecks.groupNormBackward(x: x, gamma: gamma, stats: stats, dy: dy, dx: dx, dGamma: dGamma, dBeta: dBeta,
                                        batch: batch, channels: channels, spatial: spatial, groups: groups)
        let X = ptr(x), G = ptr(gamma), ST = ptr(stats), DY = ptr(dy), DX = ptr(dx), DG = ptr(dGamma), DB = ptr(dBeta)
        let cpg = channels / groups, len = cpg * spatial
        var dg = [Double](repeating: 0, count: channels), db = [Double](repeating: 0, count: channels)
        for b in 0..<batch { for g in 0..<groups {
            let base = (b * channels + g * cpg) * spatial
            let mean = Double(ST[2 * (b * groups + g)]), rstd = Double(ST[2 * (b * groups + g) + 1])
            var s1 = 0.0, s2 = 0.0
            var xhat = [Double](repeating: 0, count: len), gdy = [Double](repeating: 0, count: len)
            for i in 0..<len {
                let c = g * cpg + i / spatial
                xhat[i] = (Double(X[base + i]) - mean) * rstd
                let d = Double(DY[base + i])
                gdy[i] = Double(G[c]) * d
                s1 += gdy[i]; s2 += gdy[i] * xhat[i]
                dg[c] += d * xhat[i]; db[c] += d
            }
            let m1 = s1 / Double(len), m2 = s2 / Double(len)
            for i in 0..<len { DX[base + i] = Float(rstd * (gdy[i] - m1 - xhat[i] * m2)) }
        } }
        for c in 0..<channels { DG[c] += Float(dg[c]); DB[c] += Float(db[c]) }
    }

    public func filmForward(x: BufferView, scale: BufferView, shift: BufferView, y: BufferView,
                            batch: Int, channels: Int, spatial: Int) {
        let r = batch * channels
        ImageOpChecks.filmForward(x: x, scale: scale, shift: shift, y: y, batch: batch, channels: channels, spatial: spatial)
        let X = ptr(x), SC = ptr(scale), SH = ptr(shift), Y = ptr(y)
        for row in 0..<r { for s in 0..<spatial {
            Y[row * spatial + s] = X[row * spatial + s] * (1 + SC[row]) + SH[row]
        } }
    }

    public func filmBackward(x: BufferView, scale: BufferView, dy: BufferView,
                             dx: BufferView, dScale: BufferView, dShift: BufferView,
                             batch: Int, channels: Int, spatial: Int) {
        let r = batch * channels
        ImageOpChecks.filmBackward(x: x, scale: scale, dy: dy, dx: dx, dScale: dScale, dShift: dShift,
                                   batch: batch, channels: channels, spatial: spatial)
        let X = ptr(x), SC = ptr(scale), DY = ptr(dy), DX = ptr(dx), DS = ptr(dScale), DH = ptr(dShift)
        for row in 0..<r {
            var ss = 0.0, sh = 0.0
            for s in 0..<spatial {
                let i = row * spatial + s, d = DY[i]
                ss += Double(d) * Double(X[i]); sh += Double(d)
                DX[i] = d * (1 + SC[row])
            }
            DS[row] = Float(ss); DH[row] = Float(sh)
        }
    }

    public func upsampleNearestForward(x: BufferView, y: BufferView, batch: Int, channels: Int,
                                       height: Int, width: Int, factorH: Int, factorW: Int) {
        let planes = batch * channels, oh = height * factorH, ow = width * factorW
        ImageOpChecks.upsampleNearest("upsampleNearestForward", small: ("x", x), large: ("y", y), batch: batch, channels: channels,
                                       height: height, width: width, factorH: factorH, factorW: factorW)
        let X = ptr(x), Y = ptr(y)
        for p in 0..<planes { for i in 0..<oh { for j in 0..<ow {
            Y[(p * oh + i) * ow + j] = X[(p * height + i / factorH) * width + j / factorW]
        } } }
    }

    public func upsampleNearestBackward(dy: BufferView, dx: BufferView, batch: Int, channels: Int,
                                        height: Int, width: Int, factorH: Int, factorW: Int) {
        let planes = batch * channels, oh = height * factorH, ow = width * factorW
        ImageOpChecks.upsampleNearest("upsampleNearestBackward", small: ("dx", dx), large: ("dy", dy), batch: batch, channels: channels,
                                       height: height, width: width, factorH: factorH, factorW: factorW)
        let DY = ptr(dy), DX = ptr(dx)
        for p in 0..<planes { for i in 0..<height { for j in 0..<width {
            var acc = 0.0
            for a in 0..<factorH { for c in 0..<factorW {
                acc += Double(DY[(p * oh + i * factorH + a) * ow + j * factorW + c])
            } }
            DX[(p * height + i) * width + j] = Float(acc)
        } } }
    }
}
