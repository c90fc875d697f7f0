// ImageGradientTests.swift — finite-difference checks of the image / sequence backward ops on
// the ReferenceBackend (GradientTests.swift's pattern: L = Σ G ⊙ output with fixed random G,
// central differences in Float with step h, L summed in Double): conv2dBackward (2-D stride 2
// and 1-D kernel 5), groupNormBackward, filmBackward, upsampleNearestBackward; plus the
// accumulate / overwrite rule of each gradient.
import CPUBackend
import DiffusionCore
import Testing

private let be = ReferenceBackend()
private func view(_ v: [Float]) -> BufferView { BufferView(try! be.makeBuffer(v)) }
private func dot(_ a: [Float], _ b: [Float]) -> Double { zip(a, b).reduce(0) { $0 + Double($1.0) * Double($1.1) } }

/// Central difference of `loss` in element i of `v` (restored afterwards).
private func centralDifference(_ v: BufferView, _ i: Int, h: Float = 1e-2, _ loss: () -> Double) -> Double {
    var values = be.read(v)
    let x0 = values[i]
    values[i] = x0 + h; be.write(values, to: v)
    let up = loss()
    values[i] = x0 - h; be.write(values, to: v)
    let down = loss()
    values[i] = x0; be.write(values, to: v)
    return (up - down) / Double(2 * h)
}

private func expectGradient(_ name: String, _ param: BufferView, _ analytic: [Float], abs: Double = 1e-3, rel: Double = 1e-3,
                            _ loss: () -> Double, sourceLocation: SourceLocation = #_sourceLocation) {
    for i in 0..<param.count {
        let fd = centralDifference(param, i, loss)
        #expect(Swift.abs(fd - Double(analytic[i])) <= abs + rel * Swift.abs(fd),
                "\(name)[\(i)]: analytic \(analytic[i]), finite difference \(fd)", sourceLocation: sourceLocation)
    }
}

@Suite("Image op gradients (finite differences, reference backend)")
struct ImageGradientTests {
    @Test("conv2dBackward: dx, dW, dBias; dW and dBias accumulate, dx is overwritten",
          arguments: [Conv2DShape.same(batch: 2, inChannels: 3, height: 5, width: 4, outChannels: 2, kernel: 3, stride: 2),
                      Conv2DShape.conv1d(batch: 2, inChannels: 2, length: 7, outChannels: 3, kernel: 5)])
    func conv(_ s: Conv2DShape) {
        let x = view(randomFloats(s.inputCount, seed: 80)), w = view(randomFloats(s.weightCount, seed: 81))
        let b = view(randomFloats(s.outChannels, seed: 82)), y = view([Float](repeating: 0, count: s.outputCount))
        let g = randomFloats(s.outputCount, seed: 83)
        let dx = view([Float](repeating: .nan, count: s.inputCount))
        let dw = view([Float](repeating: 0, count: s.weightCount)), db = view([Float](repeating: 0, count: s.outChannels))
        func loss() -> Double { be.conv2dForward(x: x, weight: w, bias: b, y: y, shape: s); return dot(be.read(y), g) }
        be.conv2dBackward(x: x, weight: w, dy: view(g), dx: dx, dWeight: dw, dBias: db, shape: s)
        let (gx, gw, gb) = (be.read(dx), be.read(dw), be.read(db))
        expectGradient("conv dx \(s)", x, gx, loss)
        expectGradient("conv dW \(s)", w, gw, loss)
        expectGradient("conv dBias \(s)", b, gb, loss)
        be.conv2dBackward(x: x, weight: w, dy: view(g), dx: dx, dWeight: dw, dBias: db, shape: s)
        #expect(be.read(dx) == gx, "dx must be overwritten")
        expectClose(be.read(dw), gw.map { 2 * $0 }, abs: 1e-6, rel: 1e-6, "dW accumulates")
        expectClose(be.read(db), gb.map { 2 * $0 }, abs: 1e-6, rel: 1e-6, "dBias accumulates")
    }

    @Test("groupNormBackward: dx, dGamma, dBeta; the parameter gradients accumulate", arguments: [(2, 4, 5, 2), (1, 3, 6, 3), (2, 4, 3, 1)])
    func groupNorm(_ shape: (Int, Int, Int, Int)) {
        let (B, C, S, G) = shape
        let n = B * C * S, eps: Float = 1e-5
        let x = view(randomFloats(n, seed: 84, in: -2...2)), gamma = view(randomFloats(C, seed: 85, in: 0.5...1.5))
        let beta = view(randomFloats(C, seed: 86)), y = view([Float](repeating: 0, count: n)), stats = view([Float](repeating: 0, count: 2 * B * G))
        let g = randomFloats(n, seed: 87)
        let dx = view([Float](repeating: .nan, count: n)), dg = view([Float](repeating: 0, count: C)), db = view([Float](repeating: 0, count: C))
        func loss() -> Double {
            be.groupNormForward(x: x, gamma: gamma, beta: beta, y: y, stats: stats, batch: B, channels: C, spatial: S, groups: G, eps: eps)
            return dot(be.read(y), g)
        }
        _ = loss()
        be.groupNormBackward(x: x, gamma: gamma, stats: stats, dy: view(g), dx: dx, dGamma: dg, dBeta: db, batch: B, channels: C, spatial: S, groups: G)
        let (gx, gg, gb) = (be.read(dx), be.read(dg), be.read(db))
        expectGradient("groupNorm dx \(shape)", x, gx, abs: 2e-3, loss)
        expectGradient("groupNorm dGamma \(shape)", gamma, gg, loss)
        expectGradient("groupNorm dBeta \(shape)", beta, gb, loss)
        // Σ_group dx = 0 (the mean is removed) for any dy
        let cpg = C / G
        for q in 0..<(B * G) {
            let s = gx[(q * cpg * S)..<((q + 1) * cpg * S)].reduce(0.0) { $0 + Double($1) }
            #expect(Swift.abs(s) < 1e-5, "Σ dx over group \(q) is \(s)")
        }
        _ = loss()
        be.groupNormBackward(x: x, gamma: gamma, stats: stats, dy: view(g), dx: dx, dGamma: dg, dBeta: db, batch: B, channels: C, spatial: S, groups: G)
        #expect(be.read(dx) == gx, "dx must be overwritten")
        expectClose(be.read(dg), gg.map { 2 * $0 }, abs: 1e-6, rel: 1e-6, "dGamma accumulates")
        expectClose(be.read(db), gb.map { 2 * $0 }, abs: 1e-6, rel: 1e-6, "dBeta accumulates")
    }

    @Test("filmBackward: dx, dScale, dShift, all overwritten")
    func film() {
        let (B, C, S) = (2, 3, 5)
        let n = B * C * S
        let x = view(randomFloats(n, seed: 88)), scale = view(randomFloats(B * C, seed: 89)), shift = view(randomFloats(B * C, seed: 90))
        let y = view([Float](repeating: 0, count: n)), g = randomFloats(n, seed: 91)
        let dx = view([Float](repeating: .nan, count: n)), ds = view([Float](repeating: .nan, count: B * C)), dh = view([Float](repeating: .nan, count: B * C))
        func loss() -> Double { be.filmForward(x: x, scale: scale, shift: shift, y: y, batch: B, channels: C, spatial: S); return dot(be.read(y), g) }
        be.filmBackward(x: x, scale: scale, dy: view(g), dx: dx, dScale: ds, dShift: dh, batch: B, channels: C, spatial: S)
        let (gx, gs, gh) = (be.read(dx), be.read(ds), be.read(dh))
        expectGradient("film dx", x, gx, loss)
        expectGradient("film dScale", scale, gs, loss)
        expectGradient("film dShift", shift, gh, loss)
        be.filmBackward(x: x, scale: scale, dy: view(g), dx: dx, dScale: ds, dShift: dh, batch: B, channels: C, spatial: S)
        #expect(be.read(dx) == gx && be.read(ds) == gs && be.read(dh) == gh, "film gradients must be overwritten, not accumulated")
    }

    @Test("upsampleNearestBackward: 2×2 and the 1-D 1×2", arguments: [(2, 2, 3, 2, 2, 2), (2, 3, 1, 5, 1, 2)])
    func upsample(_ shape: (Int, Int, Int, Int, Int, Int)) {
        let (B, C, H, W, fh, fw) = shape
        let small = B * C * H * W, large = small * fh * fw
        let x = view(randomFloats(small, seed: 92)), y = view([Float](repeating: 0, count: large)), g = randomFloats(large, seed: 93)
        let dx = view([Float](repeating: .nan, count: small))
        func loss() -> Double {
            be.upsampleNearestForward(x: x, y: y, batch: B, channels: C, height: H, width: W, factorH: fh, factorW: fw)
            return dot(be.read(y), g)
        }
        be.upsampleNearestBackward(dy: view(g), dx: dx, batch: B, channels: C, height: H, width: W, factorH: fh, factorW: fw)
        expectGradient("upsample dx \(shape)", x, be.read(dx), loss)
    }
}
