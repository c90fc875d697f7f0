// OpCheck+Image.swift — the image / sequence ops in `diffbench --only ops`: conv2d (3×3 and
// 5×5, stride 1 and 2, the 1-D H = 1 case), group normalization, FiLM, nearest upsampling.
// Inputs are uniform in [-1, 1], so an n-term sum has Σ|terms| ≤ n and the absolute tolerance
// is the summation bound γ_n·n (γ_n = (n+3)·2^-24), the worst case of ImageOpBounds.
import CPUBackend
import DiffusionCore

extension OpCheck {
    /// γ_(n)·(Σ|terms| ≤ magnitude)
    static func sumBound(_ n: Int, _ magnitude: Double) -> Float { Float(ImageOpBounds.gamma(n) * magnitude) }

    static var imageCases: [Case] {
        var list: [Case] = []
        let convs: [(String, Conv2DShape)] = [
            ("3x3", .same(batch: 3, inChannels: 5, height: 7, width: 6, outChannels: 4, kernel: 3)),
            ("5x5/2", .same(batch: 3, inChannels: 5, height: 7, width: 6, outChannels: 3, kernel: 5, stride: 2)),
            ("1d k5", .conv1d(batch: 3, inChannels: 5, length: 16, outChannels: 6, kernel: 5)),
            ("1d k5/2", .conv1d(batch: 3, inChannels: 5, length: 15, outChannels: 4, kernel: 5, stride: 2)),
        ]
        for (name, s) in convs {
            let shape = "\(name) \(s.batch)x\(s.inChannels)x\(s.height)x\(s.width)→\(s.outChannels)"
            list.append(Case(op: "conv2dForward", shape: shape, abs: sumBound(s.patchSize + 1, Double(s.patchSize + 1)), rel: 0) { b, src in
                let x = try buffer(b, src.values(s.inputCount)), w = try buffer(b, src.values(s.weightCount))
                let bias = try buffer(b, src.values(s.outChannels)), y = try buffer(b, [Float](repeating: 0, count: s.outputCount))
                b.conv2dForward(x: x, weight: w, bias: bias, y: y, shape: s)
                return [y]
            })
            let terms = s.batch * s.outHeight * s.outWidth + 1, dxTerms = s.outChannels * s.kernelH * s.kernelW
            list.append(Case(op: "conv2dBackward", shape: shape, abs: max(sumBound(terms, Double(terms)), sumBound(dxTerms, Double(dxTerms))), rel: 0) { b, src in
                let x = try buffer(b, src.values(s.inputCount)), w = try buffer(b, src.values(s.weightCount))
                let dy = try buffer(b, src.values(s.outputCount)), dx = try buffer(b, [Float](repeating: 0, count: s.inputCount))
                let dw = try buffer(b, src.values(s.weightCount)), db = try buffer(b, src.values(s.outChannels))
                b.conv2dBackward(x: x, weight: w, dy: dy, dx: dx, dWeight: dw, dBias: db, shape: s)
                return [dx, dw, db]
            })
        }
        // group norm: values of O(1) after normalizing (rstd ≈ √3 for uniform inputs); bound of
        // ImageOpBounds.groupNorm* at |x̂| ≤ √3, |gamma| ≤ 1, n = 84 per group
        let (B, C, S, G) = (3, 6, 42, 3)
        let n = C / G * S, rs = 3.0.squareRoot()
        list.append(Case(op: "groupNormForward", shape: "\(B)x\(C)x\(S) G\(G)", abs: sumBound(n + 4, 3 * rs), rel: 0) { b, src in
            let x = try buffer(b, src.values(B * C * S)), g = try buffer(b, src.values(C)), bt = try buffer(b, src.values(C))
            let y = try buffer(b, [Float](repeating: 0, count: B * C * S)), st = try buffer(b, [Float](repeating: 0, count: 2 * B * G))
            b.groupNormForward(x: x, gamma: g, beta: bt, y: y, stats: st, batch: B, channels: C, spatial: S, groups: G, eps: 1e-5)
            return [y, st]
        })
        list.append(Case(op: "groupNormBackward", shape: "\(B)x\(C)x\(S) G\(G)", abs: max(sumBound(n + 4, rs * (2 + 2 * rs)), sumBound(B * S + 4, Double(B * S) * rs + 1)), rel: 0) { b, src in
            let xs = src.values(B * C * S)
            let x = try buffer(b, xs), g = try buffer(b, src.values(C)), dy = try buffer(b, src.values(B * C * S))
            // statistics from the reference forward on both sides: this case checks the backward alone
            let ref = ReferenceBackend(), rst = BufferView(try ref.makeBuffer(count: 2 * B * G))
            ref.groupNormForward(x: BufferView(try ref.makeBuffer(xs)), gamma: BufferView(try ref.makeBuffer([Float](repeating: 1, count: C))),
                                 beta: BufferView(try ref.makeBuffer(count: C)), y: BufferView(try ref.makeBuffer(count: B * C * S)),
                                 stats: rst, batch: B, channels: C, spatial: S, groups: G, eps: 1e-5)
            let st = try buffer(b, ref.read(rst))
            let dx = try buffer(b, [Float](repeating: 0, count: B * C * S))
            let dg = try buffer(b, src.values(C)), db = try buffer(b, src.values(C))
            b.groupNormBackward(x: x, gamma: g, stats: st, dy: dy, dx: dx, dGamma: dg, dBeta: db, batch: B, channels: C, spatial: S, groups: G)
            return [dx, dg, db]
        })
        let (fb, fc, fs) = (3, 5, 42)
        list.append(Case(op: "filmForward", shape: "\(fb)x\(fc)x\(fs)", abs: Float(3 * ImageOpBounds.u * 3), rel: 0) { b, src in
            let x = try buffer(b, src.values(fb * fc * fs)), sc = try buffer(b, src.values(fb * fc)), sh = try buffer(b, src.values(fb * fc))
            let y = try buffer(b, [Float](repeating: 0, count: fb * fc * fs))
            b.filmForward(x: x, scale: sc, shift: sh, y: y, batch: fb, channels: fc, spatial: fs)
            return [y]
        })
        list.append(Case(op: "filmBackward", shape: "\(fb)x\(fc)x\(fs)", abs: sumBound(fs + 1, Double(fs)), rel: 0) { b, src in
            let x = try buffer(b, src.values(fb * fc * fs)), sc = try buffer(b, src.values(fb * fc)), dy = try buffer(b, src.values(fb * fc * fs))
            let dx = try buffer(b, [Float](repeating: 0, count: fb * fc * fs))
            let ds = try buffer(b, [Float](repeating: 0, count: fb * fc)), dh = try buffer(b, [Float](repeating: 0, count: fb * fc))
            b.filmBackward(x: x, scale: sc, dy: dy, dx: dx, dScale: ds, dShift: dh, batch: fb, channels: fc, spatial: fs)
            return [dx, ds, dh]
        })
        for (h, w, fh, fw) in [(7, 6, 2, 2), (1, 9, 1, 2)] {
            let (ub, uc) = (3, 5), small = ub * uc * h * w
            list.append(Case(op: "upsampleNearestForward", shape: "\(ub)x\(uc)x\(h)x\(w) ×\(fh)x\(fw)", abs: 0, rel: 0) { b, src in
                let x = try buffer(b, src.values(small)), y = try buffer(b, [Float](repeating: 0, count: small * fh * fw))
                b.upsampleNearestForward(x: x, y: y, batch: ub, channels: uc, height: h, width: w, factorH: fh, factorW: fw)
                return [y]
            })
            list.append(Case(op: "upsampleNearestBackward", shape: "\(ub)x\(uc)x\(h)x\(w) ×\(fh)x\(fw)", abs: sumBound(fh * fw, Double(fh * fw)), rel: 0) { b, src in
                let dy = try buffer(b, src.values(small * fh * fw)), dx = try buffer(b, [Float](repeating: 0, count: small))
                b.upsampleNearestBackward(dy: dy, dx: dx, batch: ub, channels: uc, height: h, width: w, factorH: fh, factorW: fw)
                return [dx]
            })
        }
        return list
    }
}
