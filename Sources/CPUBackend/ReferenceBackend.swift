// ReferenceBackend.swift — naive, single-threaded, obviously-correct kernels for every Backend op.
//
// This is the yardstick: the fast CPU kernels and the Vulkan shaders are tested against it.
// Loops are written straight from the formulas in Backend.swift; no blocking, no SIMD.
import DiffusionCore
import Foundation

/// Host memory buffer shared by the CPU backends.
public final class HostBuffer: DeviceBuffer {
    public let count: Int
    public let pointer: UnsafeMutablePointer<Float>
    /// A zero-filled buffer; throws instead of trapping when the memory cannot be had.
    public init(count: Int) throws {
        guard count >= 0, count <= Int.max / 8 else { throw HostBufferError(count: count) }
        // calloc: zeroed pages on demand, and NULL (not a trap) when the request is refused
        guard let raw = calloc(max(count, 1), MemoryLayout<Float>.stride) else { throw HostBufferError(count: count) }
        self.count = count
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    }
    deinit { free(pointer) }
}

/// A host allocation the system refused (names the size so a job error says what was asked).
public struct HostBufferError: Error, CustomStringConvertible {
    public let count: Int
    public var description: String {
        "cannot allocate a buffer of \(count) floats (\(MemoryFormat.bytes(Double(max(count, 0)) * 4))): out of memory"
    }
}

@inline(__always)
func ptr(_ v: BufferView) -> UnsafeMutablePointer<Float> {
    guard let hb = v.buffer as? HostBuffer else {
        fatalError("CPU backend given a buffer of another backend (\(type(of: v.buffer)))")
    }
    return hb.pointer + v.offset
}

public final class ReferenceBackend: Backend {
    public init() {}
    public var info: BackendInfo {
        BackendInfo(kind: "cpu-reference", deviceName: "naive loops", deviceType: "cpu", detail: "single thread, no SIMD")
    }

    public func makeBuffer(count: Int) throws -> DeviceBuffer { try HostBuffer(count: count) }
    public func write(_ values: [Float], to view: BufferView) {
        shapeCheck(values.count == view.count, "write of \(values.count) floats into a view of \(view.count)")
        let p = ptr(view)
        for i in 0..<values.count { p[i] = values[i] }
    }
    public func read(_ view: BufferView) -> [Float] {
        let p = ptr(view)
        return (0..<view.count).map { p[$0] }
    }
    public func synchronize() throws {}
    public func copy(_ src: BufferView, to dst: BufferView) {
        shapeCheck(src.count == dst.count, "copy: source has \(src.count) floats, destination \(dst.count)")
        let s = ptr(src), d = ptr(dst)
        let tmp = (0..<src.count).map { s[$0] }
        for i in 0..<tmp.count { d[i] = tmp[i] }
    }
    public func fill(_ x: BufferView, value: Float) {
        let p = ptr(x)
        for i in 0..<x.count { p[i] = value }
    }

    public func matmul(_ a: BufferView, _ b: BufferView, _ c: BufferView,
                       m: Int, n: Int, k: Int, transA: Bool, transB: Bool, alpha: Float, beta: Float) {
        shapeCheck(a.count >= m * k && b.count >= k * n && c.count >= m * n, "matmul shapes exceed buffers")
        let A = ptr(a), B = ptr(b), C = ptr(c)
        for i in 0..<m {
            for j in 0..<n {
                var s: Double = 0
                for p in 0..<k {
                    let av = transA ? A[p * m + i] : A[i * k + p]
                    let bv = transB ? B[j * k + p] : B[p * n + j]
                    s += Double(av) * Double(bv)
                }
                let old = beta == 0 ? 0 : beta * C[i * n + j]
                C[i * n + j] = alpha * Float(s) + old
            }
        }
    }

    public func linearForward(x: BufferView, weight: BufferView, bias: BufferView, y: BufferView,
                              batch: Int, inFeatures: Int, outFeatures: Int) {
        matmul(x, weight, y, m: batch, n: outFeatures, k: inFeatures, transA: false, transB: true, alpha: 1, beta: 0)
        let Y = ptr(y), bb = ptr(bias)
        for r in 0..<batch { for o in 0..<outFeatures { Y[r * outFeatures + o] += bb[o] } }
    }

    public func linearBackward(x: BufferView, weight: BufferView, dy: BufferView,
                               dx: BufferView?, dWeight: BufferView, dBias: BufferView,
                               batch: Int, inFeatures: Int, outFeatures: Int) {
        if let dx { matmul(dy, weight, dx, m: batch, n: inFeatures, k: outFeatures, transA: false, transB: false, alpha: 1, beta: 0) }
        matmul(dy, x, dWeight, m: outFeatures, n: inFeatures, k: batch, transA: true, transB: false, alpha: 1, beta: 1)
        biasBackward(dy: dy, dBias: dBias, rows: batch, cols: outFeatures)
    }

    public func biasBackward(dy: BufferView, dBias: BufferView, rows: Int, cols: Int) {
        let D = ptr(dy), B = ptr(dBias)
        for c in 0..<cols {
            var s: Double = 0
            for r in 0..<rows { s += Double(D[r * cols + c]) }
            B[c] += Float(s)
        }
    }

    public func activationForward(_ act: Activation, x: BufferView, y: BufferView) {
        let X = ptr(x), Y = ptr(y)
        for i in 0..<x.count { Y[i] = ReferenceMath.activation(act, X[i]) }
    }
    public func activationBackward(_ act: Activation, x: BufferView, dy: BufferView, dx: BufferView) {
        let X = ptr(x), DY = ptr(dy), DX = ptr(dx)
        for i in 0..<x.count { DX[i] = DY[i] * ReferenceMath.activationDerivative(act, X[i]) }
    }

    public func axpby(a: Float, x: BufferView, b: Float, y: BufferView, out: BufferView) {
        let X = ptr(x), Y = ptr(y), O = ptr(out)
        for i in 0..<out.count { O[i] = a * X[i] + b * Y[i] }
    }
    public func axpbypcz(a: Float, x: BufferView, b: Float, y: BufferView, c: Float, z: BufferView, out: BufferView) {
        let X = ptr(x), Y = ptr(y), Z = ptr(z), O = ptr(out)
        for i in 0..<out.count { O[i] = a * X[i] + b * Y[i] + c * Z[i] }
    }
    public func rowCombine(ca: BufferView, x: BufferView, cb: BufferView, y: BufferView, out: BufferView, rows: Int, cols: Int) {
        let A = ptr(ca), X = ptr(x), B = ptr(cb), Y = ptr(y), O = ptr(out)
        for r in 0..<rows { for c in 0..<cols { O[r * cols + c] = A[r] * X[r * cols + c] + B[r] * Y[r * cols + c] } }
    }
    public func sumOfSquares(_ x: BufferView, out: BufferView) {
        let X = ptr(x)
        var s: Double = 0
        for i in 0..<x.count { s += Double(X[i]) * Double(X[i]) }
        ptr(out)[0] = Float(s)
    }
    public func rowSumOfSquares(_ x: BufferView, out: BufferView, rows: Int, cols: Int) {
        let X = ptr(x), O = ptr(out)
        for r in 0..<rows {
            var s: Double = 0
            for c in 0..<cols { s += Double(X[r * cols + c]) * Double(X[r * cols + c]) }
            O[r] = Float(s)
        }
    }
    public func copyColumns(src: BufferView, srcCols: Int, srcCol: Int,
                            dst: BufferView, dstCols: Int, dstCol: Int, rows: Int, width: Int) {
        let S = ptr(src), D = ptr(dst)
        for r in 0..<rows { for c in 0..<width { D[r * dstCols + dstCol + c] = S[r * srcCols + srcCol + c] } }
    }

    public func timeEmbedding(t: BufferView, out: BufferView, batch: Int, dim: Int, scale: Float) {
        let T = ptr(t), O = ptr(out)
        let half = dim / 2
        for b in 0..<batch {
            for i in 0..<half {
                let f = ReferenceMath.timeFrequency(i, half: half)
                let arg = scale * T[b] * f
                O[b * dim + i] = sinf(arg)
                O[b * dim + half + i] = cosf(arg)
            }
        }
    }
    public func embeddingForward(labels: BufferView, table: BufferView, out: BufferView, batch: Int, dim: Int) {
        let L = ptr(labels), T = ptr(table), O = ptr(out)
        for b in 0..<batch {
            let row = Int(L[b])
            for e in 0..<dim { O[b * dim + e] = T[row * dim + e] }
        }
    }
    public func embeddingBackward(labels: BufferView, dOut: BufferView, dTable: BufferView, batch: Int, dim: Int) {
        let L = ptr(labels), D = ptr(dOut), T = ptr(dTable)
        for b in 0..<batch {
            let row = Int(L[b])
            for e in 0..<dim { T[row * dim + e] += D[b * dim + e] }
        }
    }

    public func mseLoss(pred: BufferView, target: BufferView, dPred: BufferView, lossOut: BufferView) {
        let P = ptr(pred), T = ptr(target), D = ptr(dPred)
        let n = pred.count
        var s: Double = 0
        for i in 0..<n {
            let d = P[i] - T[i]
            s += Double(d) * Double(d)
            D[i] = 2 * d / Float(n)
        }
        ptr(lossOut)[0] = Float(s / Double(n))
    }

    public func adamwStep(params: BufferView, grads: BufferView, m: BufferView, v: BufferView,
                          gradNormSquared: BufferView, hyper h: AdamWHyper) {
        let P = ptr(params), G = ptr(grads), M = ptr(m), V = ptr(v)
        let clip = ReferenceMath.clipFactor(normSquared: ptr(gradNormSquared)[0], clipNorm: h.clipNorm)
        let bc1 = 1 - powf(h.beta1, Float(h.step)), bc2 = 1 - powf(h.beta2, Float(h.step))
        for i in 0..<params.count {
            let g = G[i] * clip
            M[i] = h.beta1 * M[i] + (1 - h.beta1) * g
            V[i] = h.beta2 * V[i] + (1 - h.beta2) * g * g
            let mhat = M[i] / bc1, vhat = V[i] / bc2
            P[i] -= h.lr * (mhat / (vhat.squareRoot() + h.eps) + h.weightDecay * P[i])
        }
    }
    public func emaUpdate(ema: BufferView, params: BufferView, decay: Float) {
        let E = ptr(ema), P = ptr(params)
        for i in 0..<ema.count { E[i] = decay * E[i] + (1 - decay) * P[i] }
    }

    public func gaussianNoise(out: BufferView, seed: UInt64, counterBase: UInt64) {
        let values = Philox.gaussianNoise(count: out.count, seed: seed, counterBase: counterBase)
        write(values, to: out)
    }
}
