// SpecPerturbedBackend.swift — the reference CPU backend with every result a conforming Vulkan
// driver may compute differently moved by the most the Vulkan spec allows, in a fixed pseudo-
// random direction per element. Running the same training twice, plain and perturbed, measures
// how far spec-allowed errors can move a run; that divergence, not a figure tuned on lavapipe,
// sets the GPU-vs-CPU tolerance of the training test (VulkanTrainerTests).
//
// Bounds per op (u = 2^-24 the unit roundoff):
// - matmul / linear: a K-term dot product in any order, plus the epilogue (α·, + β·C or + bias),
//   is off by ≤ γ_(K+2)·(Σ|a||b| + |β·C|) with the Vulkan rounding unit 2^-23 (SpecTolerance),
//   Σ|a||b| per element computed on absolute values;
// - activations: the Vulkan bound of the formula at each element (SpecArith.activation: exp
//   (3 + 2|x|) ulp, fdiv 2.5 ulp, tanh from exp);
// - gaussianNoise: the bound VulkanNoiseBound.abs (1e-5 absolute, derived there);
// - axpby, axpbypcz, rowCombine, adamwStep (fdiv 2.5 ulp, sqrt = 1/inversesqrt), emaUpdate: the
//   Vulkan bound of each element's formula (SpecArith; the rounding mode is undefined, so even
//   + − × may round differently from the CPU);
// - time embedding: identical floats on both backends (portable sin/cos), so unperturbed.
import CPUBackend
import DiffusionCore

final class SpecPerturbedBackend: Backend {
    let base = ReferenceBackend()
    private var calls: UInt64 = 0
    static let u: Float = 1.0 / 16_777_216
    static let vulkan = SpecArith(rules: .vulkan)

    /// Which way each result moves.
    enum Directions {
        /// pseudo-random per call and element (independent errors, as VulkanTrainerTests uses)
        case perCall
        /// every result up, or every result down (errors that add up over steps)
        case up, down
        /// pseudo-random per element index, the same for every call
        case perElement(UInt64)
    }
    let directions: Directions
    init(directions: Directions = .perCall) { self.directions = directions }

    var info: BackendInfo { base.info }

    /// x[i] += sign(i)·(absolute + relative·|x[i]| + perElement[i]), the sign from `directions`.
    private func perturb(_ v: BufferView, relative: Float, absolute: Float = 0, perElement: [Float]? = nil) {
        calls &+= 1
        var x = base.read(v)
        for i in x.indices {
            var h: UInt64
            switch directions {
            case .perCall: h = (calls &* 0x9E37_79B9_7F4A_7C15) ^ UInt64(i) &* 0xBF58_476D_1CE4_E5B9
            case .up: h = 0
            case .down: h = 1
            case .perElement(let seed): h = (seed &* 0x9E37_79B9_7F4A_7C15) ^ UInt64(i) &* 0xBF58_476D_1CE4_E5B9
            }
            if case .up = directions {} else if case .down = directions {} else { h ^= h >> 31 }
            let s: Float = h & 1 == 0 ? 1 : -1
            x[i] += s * (absolute + relative * Swift.abs(x[i]) + (perElement?[i] ?? 0))
        }
        base.write(x, to: v)
    }

    /// γ_(k+2)·(Σ_p |op(A)_ip||op(B)_pj| + |extra_ij|) per element (Vulkan rounding unit).
    private func dotBounds(_ a: BufferView, _ b: BufferView, m: Int, n: Int, k: Int, transA: Bool, transB: Bool,
                           extra: [Float]) -> [Float] {
        let absA = try! base.makeBuffer(base.read(a).map { Swift.abs($0) }), absB = try! base.makeBuffer(base.read(b).map { Swift.abs($0) })
        let out = try! base.makeBuffer(count: m * n)
        base.matmul(BufferView(absA), BufferView(absB), BufferView(out), m: m, n: n, k: k, transA: transA, transB: transB, alpha: 1, beta: 0)
        let g = Float(Self.vulkan.gamma(k + 2))
        return zip(base.read(BufferView(out)), extra).map { g * ($0 + Swift.abs($1)) }
    }
    private func activationBounds(_ act: Activation, _ x: [Float], dy: [Float]? = nil) -> [Float] {
        x.indices.map { i in
            let xb = Bounded(x[i])
            guard let dy else { return Float(Self.vulkan.activation(act, xb).e) }
            return Float(Self.vulkan.mul(Bounded(dy[i]), Self.vulkan.activationDerivative(act, xb)).e)
        }
    }

    func makeBuffer(count: Int) throws -> DeviceBuffer { try base.makeBuffer(count: count) }
    func write(_ values: [Float], to view: BufferView) { base.write(values, to: view) }
    func read(_ view: BufferView) throws -> [Float] { base.read(view) }
    func synchronize() throws {}
    func copy(_ src: BufferView, to dst: BufferView) { base.copy(src, to: dst) }
    func fill(_ x: BufferView, value: Float) { base.fill(x, value: value) }

    func matmul(_ a: BufferView, _ b: BufferView, _ c: BufferView, m: Int, n: Int, k: Int,
                transA: Bool, transB: Bool, alpha: Float, beta: Float) {
        let old = beta == 0 ? [Float](repeating: 0, count: m * n) : base.read(c.slice(0, m * n)).map { beta * $0 }
        let bounds = dotBounds(a, b, m: m, n: n, k: k, transA: transA, transB: transB, extra: old).map { Swift.abs(alpha) * $0 }
        base.matmul(a, b, c, m: m, n: n, k: k, transA: transA, transB: transB, alpha: alpha, beta: beta)
        perturb(c.slice(0, m * n), relative: 0, perElement: bounds)
    }
    func linearForward(x: BufferView, weight: BufferView, bias: BufferView, y: BufferView,
                       batch: Int, inFeatures: Int, outFeatures: Int) {
        let bv = base.read(bias.slice(0, outFeatures))
        let bounds = dotBounds(x, weight, m: batch, n: outFeatures, k: inFeatures, transA: false, transB: true,
                               extra: (0..<batch * outFeatures).map { bv[$0 % outFeatures] })
        base.linearForward(x: x, weight: weight, bias: bias, y: y, batch: batch, inFeatures: inFeatures, outFeatures: outFeatures)
        perturb(y.slice(0, batch * outFeatures), relative: 0, perElement: bounds)
    }
    func linearBackward(x: BufferView, weight: BufferView, dy: BufferView, dx: BufferView?, dWeight: BufferView,
                        dBias: BufferView, batch: Int, inFeatures: Int, outFeatures: Int) {
        let dxBounds = dx == nil ? [] : dotBounds(dy, weight, m: batch, n: inFeatures, k: outFeatures, transA: false, transB: false,
                                                  extra: [Float](repeating: 0, count: batch * inFeatures))
        let dwBounds = dotBounds(dy, x, m: outFeatures, n: inFeatures, k: batch, transA: true, transB: false,
                                 extra: base.read(dWeight.slice(0, outFeatures * inFeatures)))
        base.linearBackward(x: x, weight: weight, dy: dy, dx: dx, dWeight: dWeight, dBias: dBias,
                            batch: batch, inFeatures: inFeatures, outFeatures: outFeatures)
        if let dx { perturb(dx.slice(0, batch * inFeatures), relative: 0, perElement: dxBounds) }
        perturb(dWeight.slice(0, outFeatures * inFeatures), relative: 0, perElement: dwBounds)
        perturb(dBias.slice(0, outFeatures), relative: Float(batch) * Self.u)
    }
    func biasBackward(dy: BufferView, dBias: BufferView, rows: Int, cols: Int) {
        base.biasBackward(dy: dy, dBias: dBias, rows: rows, cols: cols)
        perturb(dBias.slice(0, cols), relative: Float(rows) * Self.u)
    }
    func activationForward(_ act: Activation, x: BufferView, y: BufferView) {
        let bounds = activationBounds(act, base.read(x))
        base.activationForward(act, x: x, y: y)
        perturb(y, relative: 0, perElement: bounds)
    }
    func activationBackward(_ act: Activation, x: BufferView, dy: BufferView, dx: BufferView) {
        let bounds = activationBounds(act, base.read(x), dy: base.read(dy))
        base.activationBackward(act, x: x, dy: dy, dx: dx)
        perturb(dx, relative: 0, perElement: bounds)
    }
    func axpby(a: Float, x: BufferView, b: Float, y: BufferView, out: BufferView) {
        let s = Self.vulkan, xs = base.read(x), ys = base.read(y)
        let bounds = xs.indices.map { Float(s.add(s.mul(Bounded(a), Bounded(xs[$0])), s.mul(Bounded(b), Bounded(ys[$0]))).e) }
        base.axpby(a: a, x: x, b: b, y: y, out: out)
        perturb(out, relative: 0, perElement: bounds)
    }
    func axpbypcz(a: Float, x: BufferView, b: Float, y: BufferView, c: Float, z: BufferView, out: BufferView) {
        let s = Self.vulkan, xs = base.read(x), ys = base.read(y), zs = base.read(z)
        let bounds = xs.indices.map { i in
            Float(s.add(s.add(s.mul(Bounded(a), Bounded(xs[i])), s.mul(Bounded(b), Bounded(ys[i]))), s.mul(Bounded(c), Bounded(zs[i]))).e)
        }
        base.axpbypcz(a: a, x: x, b: b, y: y, c: c, z: z, out: out)
        perturb(out, relative: 0, perElement: bounds)
    }
    func rowCombine(ca: BufferView, x: BufferView, cb: BufferView, y: BufferView, out: BufferView, rows: Int, cols: Int) {
        let s = Self.vulkan, xs = base.read(x), ys = base.read(y), cas = base.read(ca), cbs = base.read(cb)
        let bounds = (0..<rows * cols).map { i in
            Float(s.add(s.mul(Bounded(cas[i / cols]), Bounded(xs[i])), s.mul(Bounded(cbs[i / cols]), Bounded(ys[i]))).e)
        }
        base.rowCombine(ca: ca, x: x, cb: cb, y: y, out: out, rows: rows, cols: cols)
        perturb(out.slice(0, rows * cols), relative: 0, perElement: bounds)
    }
    func sumOfSquares(_ x: BufferView, out: BufferView) {
        base.sumOfSquares(x, out: out)
        perturb(out.slice(0, 1), relative: Float(x.count) * Self.u)
    }
    func rowSumOfSquares(_ x: BufferView, out: BufferView, rows: Int, cols: Int) {
        base.rowSumOfSquares(x, out: out, rows: rows, cols: cols)
        perturb(out.slice(0, rows), relative: Float(cols) * Self.u)
    }
    func copyColumns(src: BufferView, srcCols: Int, srcCol: Int, dst: BufferView, dstCols: Int, dstCol: Int, rows: Int, width: Int) {
        base.copyColumns(src: src, srcCols: srcCols, srcCol: srcCol, dst: dst, dstCols: dstCols, dstCol: dstCol, rows: rows, width: width)
    }
    func timeEmbedding(t: BufferView, out: BufferView, batch: Int, dim: Int, scale: Float) {
        base.timeEmbedding(t: t, out: out, batch: batch, dim: dim, scale: scale)
    }
    func embeddingForward(labels: BufferView, table: BufferView, out: BufferView, batch: Int, dim: Int) {
        base.embeddingForward(labels: labels, table: table, out: out, batch: batch, dim: dim)
    }
    func embeddingBackward(labels: BufferView, dOut: BufferView, dTable: BufferView, batch: Int, dim: Int) {
        base.embeddingBackward(labels: labels, dOut: dOut, dTable: dTable, batch: batch, dim: dim)
        perturb(dTable, relative: Float(batch) * Self.u)
    }
    // image / sequence ops: a K-term sum moves by up to K·u relative (as matmul); group
    // normalization's outputs are O(1) after normalizing, so its n-term sums are taken as
    // n·u absolute plus relative; FiLM may be contracted to one fma (2 u); upsampling copies.
    func conv2dForward(x: BufferView, weight: BufferView, bias: BufferView, y: BufferView, shape: Conv2DShape) {
        base.conv2dForward(x: x, weight: weight, bias: bias, y: y, shape: shape)
        perturb(y.slice(0, shape.outputCount), relative: Float(shape.patchSize + 1) * Self.u)
    }
    func conv2dBackward(x: BufferView, weight: BufferView, dy: BufferView, dx: BufferView?, dWeight: BufferView,
                        dBias: BufferView, shape s: Conv2DShape) {
        base.conv2dBackward(x: x, weight: weight, dy: dy, dx: dx, dWeight: dWeight, dBias: dBias, shape: s)
        let terms = Float(s.batch * s.outHeight * s.outWidth)
        if let dx { perturb(dx.slice(0, s.inputCount), relative: Float(s.outChannels * s.kernelH * s.kernelW) * Self.u) }
        perturb(dWeight.slice(0, s.weightCount), relative: terms * Self.u)
        perturb(dBias.slice(0, s.outChannels), relative: terms * Self.u)
    }
    func groupNormForward(x: BufferView, gamma: BufferView, beta: BufferView, y: BufferView, stats: BufferView,
                          batch: Int, channels: Int, spatial: Int, groups: Int, eps: Float) {
        base.groupNormForward(x: x, gamma: gamma, beta: beta, y: y, stats: stats, batch: batch, channels: channels,
                              spatial: spatial, groups: groups, eps: eps)
        let n = Float(channels / groups * spatial) * Self.u
        perturb(y.slice(0, batch * channels * spatial), relative: n, absolute: n)
        perturb(stats.slice(0, 2 * batch * groups), relative: n)
    }
    func groupNormBackward(x: BufferView, gamma: BufferView, stats: BufferView, dy: BufferView, dx: BufferView,
                           dGamma: BufferView, dBeta: BufferView, batch: Int, channels: Int, spatial: Int, groups: Int) {
        base.groupNormBackward(x: x, gamma: gamma, stats: stats, dy: dy, dx: dx, dGamma: dGamma, dBeta: dBeta,
                               batch: batch, channels: channels, spatial: spatial, groups: groups)
        let n = Float(channels / groups * spatial) * Self.u
        perturb(dx.slice(0, batch * channels * spatial), relative: n, absolute: n)
        perturb(dGamma.slice(0, channels), relative: Float(batch * spatial) * Self.u)
        perturb(dBeta.slice(0, channels), relative: Float(batch * spatial) * Self.u)
    }
    func filmForward(x: BufferView, scale: BufferView, shift: BufferView, y: BufferView, batch: Int, channels: Int, spatial: Int) {
        base.filmForward(x: x, scale: scale, shift: shift, y: y, batch: batch, channels: channels, spatial: spatial)
        perturb(y.slice(0, batch * channels * spatial), relative: 2 * Self.u)
    }
    func filmBackward(x: BufferView, scale: BufferView, dy: BufferView, dx: BufferView, dScale: BufferView, dShift: BufferView,
                      batch: Int, channels: Int, spatial: Int) {
        base.filmBackward(x: x, scale: scale, dy: dy, dx: dx, dScale: dScale, dShift: dShift, batch: batch, channels: channels, spatial: spatial)
        perturb(dScale.slice(0, batch * channels), relative: Float(spatial) * Self.u)
        perturb(dShift.slice(0, batch * channels), relative: Float(spatial) * Self.u)
    }
    func upsampleNearestForward(x: BufferView, y: BufferView, batch: Int, channels: Int, height: Int, width: Int, factorH: Int, factorW: Int) {
        base.upsampleNearestForward(x: x, y: y, batch: batch, channels: channels, height: height, width: width, factorH: factorH, factorW: factorW)
    }
    func upsampleNearestBackward(dy: BufferView, dx: BufferView, batch: Int, channels: Int, height: Int, width: Int, factorH: Int, factorW: Int) {
        base.upsampleNearestBackward(dy: dy, dx: dx, batch: batch, channels: channels, height: height, width: width, factorH: factorH, factorW: factorW)
        perturb(dx.slice(0, batch * channels * height * width), relative: Float(factorH * factorW) * Self.u)
    }
    func mseLoss(pred: BufferView, target: BufferView, dPred: BufferView, lossOut: BufferView) {
        base.mseLoss(pred: pred, target: target, dPred: dPred, lossOut: lossOut)
        perturb(lossOut.slice(0, 1), relative: Float(pred.count) * Self.u)
    }
    func adamwStep(params: BufferView, grads: BufferView, m: BufferView, v: BufferView,
                   gradNormSquared: BufferView, hyper: AdamWHyper) {
        let s = Self.vulkan, ps = base.read(params), gs = base.read(grads), ms = base.read(m), vs = base.read(v)
        let clip = s.adamwClip(normSquared: Bounded(base.read(gradNormSquared)[0]), clipNorm: hyper.clipNorm).clip
        let steps = ps.indices.map { s.adamw(p: Bounded(ps[$0]), g: Bounded(gs[$0]), m: Bounded(ms[$0]), v: Bounded(vs[$0]), clip: clip, hyper) }
        base.adamwStep(params: params, grads: grads, m: m, v: v, gradNormSquared: gradNormSquared, hyper: hyper)
        perturb(params, relative: 0, perElement: steps.map { Float($0.p.e) })
        perturb(m, relative: 0, perElement: steps.map { Float($0.m.e) })
        perturb(v, relative: 0, perElement: steps.map { Float($0.v.e) })
    }
    func emaUpdate(ema: BufferView, params: BufferView, decay: Float) {
        let s = Self.vulkan, es = base.read(ema), ps = base.read(params)
        let bounds = es.indices.map { Float(s.ema(Bounded(es[$0]), Bounded(ps[$0]), decay: decay).e) }
        base.emaUpdate(ema: ema, params: params, decay: decay)
        perturb(ema, relative: 0, perElement: bounds)
    }
    func gaussianNoise(out: BufferView, seed: UInt64, counterBase: UInt64) {
        base.gaussianNoise(out: out, seed: seed, counterBase: counterBase)
        perturb(out, relative: 0, absolute: VulkanNoiseBound.abs)
    }
}
