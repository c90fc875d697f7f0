// ImageOpReferenceTests.swift — the naive ReferenceBackend image / sequence ops against hand-
// computed small cases and closed forms: conv2d (3×3 same, stride 2, 1-D kernel 3, 1×1 = matmul),
// groupNorm (statistics of the output, a 4-value group by hand), FiLM, nearest upsampling, and
// channel concatenation through copyColumns.
import CPUBackend
import DiffusionCore
import Testing

private let ref = ReferenceBackend()
private func buf(_ v: [Float]) -> BufferView { BufferView(try! ref.makeBuffer(v)) }
private func zeros(_ n: Int) -> BufferView { buf([Float](repeating: 0, count: n)) }

@Suite("Reference image ops: hand-computed cases")
struct ImageOpReferenceTests {
    @Test("conv2d 3×3, padding 1: neighbourhood sums of 1…9; stride 2 keeps the corners")
    func conv3x3() {
        let x = buf((1...9).map(Float.init)), w = buf([Float](repeating: 1, count: 9)), b = buf([0.5])
        let s = Conv2DShape.same(batch: 1, inChannels: 1, height: 3, width: 3, outChannels: 1, kernel: 3)
        let y = zeros(9)
        ref.conv2dForward(x: x, weight: w, bias: b, y: y, shape: s)
        #expect(ref.read(y) == [12, 21, 16, 27, 45, 33, 24, 39, 28].map { $0 + 0.5 })
        let s2 = Conv2DShape.same(batch: 1, inChannels: 1, height: 3, width: 3, outChannels: 1, kernel: 3, stride: 2)
        #expect(s2.outHeight == 2 && s2.outWidth == 2)
        let y2 = zeros(4)
        ref.conv2dForward(x: x, weight: w, bias: b, y: y2, shape: s2)
        #expect(ref.read(y2) == [12.5, 16.5, 24.5, 28.5])
        // backward of Σ y: dBias = 9, dW[ky,kx] = Σ of the inputs that tap sees, dx = how often each input is read
        let dw = zeros(9), db = buf([1]), dx = buf([Float](repeating: .nan, count: 9))
        ref.conv2dBackward(x: x, weight: w, dy: buf([Float](repeating: 1, count: 9)), dx: dx, dWeight: dw, dBias: db, shape: s)
        #expect(ref.read(db) == [10])                                     // accumulated onto 1
        #expect(ref.read(dw) == [12, 21, 16, 27, 45, 33, 24, 39, 28])     // the same neighbourhood sums (symmetry)
        #expect(ref.read(dx) == [4, 6, 4, 6, 9, 6, 4, 6, 4])
    }

    @Test("conv1d (H = KH = 1), kernel 3 [1, 0, −1]: central differences with zero ends; two channels in, two out")
    func conv1d() {
        let s = Conv2DShape.conv1d(batch: 1, inChannels: 2, length: 5, outChannels: 2, kernel: 3)
        #expect(s.outHeight == 1 && s.outWidth == 5 && s.padW == 1 && s.padH == 0)
        let x = buf([1, 2, 3, 4, 5, 10, 20, 30, 40, 50])
        // out 0 = diff of channel 0; out 1 = channel 1 shifted right by one (tap 0)
        let w = buf([1, 0, -1, 0, 0, 0, 0, 0, 0, 1, 0, 0])
        let y = zeros(10)
        ref.conv2dForward(x: x, weight: w, bias: buf([0, 1]), y: y, shape: s)
        #expect(ref.read(y) == [-2, -2, -2, -2, 4, 1, 11, 21, 31, 41])
        let y2 = zeros(6)
        let s2 = Conv2DShape.conv1d(batch: 1, inChannels: 2, length: 5, outChannels: 2, kernel: 3, stride: 2)
        ref.conv2dForward(x: x, weight: w, bias: buf([0, 1]), y: y2, shape: s2)
        #expect(ref.read(y2) == [-2, -2, 4, 1, 21, 41])
    }

    @Test("conv2d 1×1 is a matmul per pixel: y_b(O, HW) = W(O, C) · x_b(C, HW) + bias")
    func pointwiseIsMatmul() {
        let (B, C, O, H, W) = (2, 3, 4, 2, 3)
        let xs = randomFloats(B * C * H * W, seed: 31), ws = randomFloats(O * C, seed: 32), bs = randomFloats(O, seed: 33)
        let s = Conv2DShape(batch: B, inChannels: C, height: H, width: W, outChannels: O, kernelH: 1, kernelW: 1, padH: 0, padW: 0)
        let y = zeros(s.outputCount)
        ref.conv2dForward(x: buf(xs), weight: buf(ws), bias: buf(bs), y: y, shape: s)
        let got = ref.read(y)
        for b in 0..<B {
            let yb = zeros(O * H * W)
            ref.matmul(buf(ws), buf(Array(xs[(b * C * H * W)..<((b + 1) * C * H * W)])), yb, m: O, n: H * W, k: C,
                       transA: false, transB: false, alpha: 1, beta: 0)
            let want = ref.read(yb).enumerated().map { $0.element + bs[$0.offset / (H * W)] }
            expectClose(Array(got[(b * O * H * W)..<((b + 1) * O * H * W)]), want, abs: 1e-6, rel: 1e-6, "1×1 conv item \(b)")
        }
    }

    @Test("groupNorm: the group [1, 2, 3, 4] by hand; every group of the output has mean beta-free 0 and variance 1")
    func groupNorm() {
        let eps: Float = 1e-5
        let y = zeros(4), stats = zeros(2)
        ref.groupNormForward(x: buf([1, 2, 3, 4]), gamma: buf([2]), beta: buf([0.5]), y: y, stats: stats,
                             batch: 1, channels: 1, spatial: 4, groups: 1, eps: eps)
        let rstd = 1 / (1.25 + Double(eps)).squareRoot()
        expectClose(ref.read(stats), [2.5, Float(rstd)], abs: 0, rel: 1e-7, "stats")
        expectClose(ref.read(y), [-1.5, -0.5, 0.5, 1.5].map { Float($0 * rstd * 2 + 0.5) }, abs: 0, rel: 1e-7, "y")

        let (B, C, S, G) = (3, 6, 5, 3)
        let xs = randomFloats(B * C * S, seed: 34, in: -3...5)
        let y2 = zeros(xs.count), st2 = zeros(2 * B * G)
        ref.groupNormForward(x: buf(xs), gamma: buf([Float](repeating: 1, count: C)), beta: buf([Float](repeating: 0, count: C)),
                             y: y2, stats: st2, batch: B, channels: C, spatial: S, groups: G, eps: 0)
        let out = ref.read(y2), n = C / G * S
        for g in 0..<(B * G) {
            let vals = out[(g * n)..<((g + 1) * n)].map(Double.init)
            let mean = vals.reduce(0, +) / Double(n), variance = vals.reduce(0) { $0 + $1 * $1 } / Double(n)
            #expect(Swift.abs(mean) < 1e-6 && Swift.abs(variance - 1) < 1e-5, "group \(g): mean \(mean), variance \(variance)")
        }
    }

    @Test("FiLM: y = x·(1 + scale) + shift per (b, c); backward sums over S")
    func film() {
        let x = buf([1, 2, 3, 4, 5, 6]), y = zeros(6)                   // (B=1, C=2, S=3)
        ref.filmForward(x: x, scale: buf([1, -0.5]), shift: buf([0, 10]), y: y, batch: 1, channels: 2, spatial: 3)
        #expect(ref.read(y) == [2, 4, 6, 12, 12.5, 13])
        let dx = zeros(6), ds = buf([9, 9]), dh = buf([9, 9])          // overwritten, not accumulated
        ref.filmBackward(x: x, scale: buf([1, -0.5]), dy: buf([1, 1, 1, 1, 0, 2]), dx: dx, dScale: ds, dShift: dh,
                         batch: 1, channels: 2, spatial: 3)
        #expect(ref.read(dx) == [2, 2, 2, 0.5, 0, 1])
        #expect(ref.read(ds) == [6, 16] && ref.read(dh) == [3, 3])
    }

    @Test("nearest upsampling 2×2 and 1×2 (sequences), backward sums the children")
    func upsample() {
        let y = zeros(16)
        ref.upsampleNearestForward(x: buf([1, 2, 3, 4]), y: y, batch: 1, channels: 1, height: 2, width: 2, factorH: 2, factorW: 2)
        #expect(ref.read(y) == [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4])
        let dx = zeros(4)
        ref.upsampleNearestBackward(dy: buf((0..<16).map(Float.init)), dx: dx, batch: 1, channels: 1, height: 2, width: 2, factorH: 2, factorW: 2)
        #expect(ref.read(dx) == [10, 18, 42, 50] as [Float])        // 0+1+4+5, 2+3+6+7, 8+9+12+13, 10+11+14+15
        let y1 = zeros(6)
        ref.upsampleNearestForward(x: buf([1, 2, 3]), y: y1, batch: 1, channels: 1, height: 1, width: 3, factorH: 1, factorW: 2)
        #expect(ref.read(y1) == [1, 1, 2, 2, 3, 3])
        let dx1 = zeros(3)
        ref.upsampleNearestBackward(dy: buf([1, 2, 3, 4, 5, 6]), dx: dx1, batch: 1, channels: 1, height: 1, width: 3, factorH: 1, factorW: 2)
        #expect(ref.read(dx1) == [3, 7, 11])
    }

    @Test("channel concatenation of NCHW tensors is copyColumns with one row per batch item")
    func concatChannels() {
        let (B, C1, C2, S) = (2, 2, 3, 4)
        let a = (0..<(B * C1 * S)).map { Float($0) }, b = (0..<(B * C2 * S)).map { Float(100 + $0) }
        let cat = zeros(B * (C1 + C2) * S)
        ref.copyColumns(src: buf(a), srcCols: C1 * S, srcCol: 0, dst: cat, dstCols: (C1 + C2) * S, dstCol: 0, rows: B, width: C1 * S)
        ref.copyColumns(src: buf(b), srcCols: C2 * S, srcCol: 0, dst: cat, dstCols: (C1 + C2) * S, dstCol: C1 * S, rows: B, width: C2 * S)
        var want: [Float] = []
        for i in 0..<B {
            want += a[(i * C1 * S)..<((i + 1) * C1 * S)]
            want += b[(i * C2 * S)..<((i + 1) * C2 * S)]
        }
        #expect(ref.read(cat) == want)
    }
}
