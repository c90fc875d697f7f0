// VulkanOps+Dense.swift — dispatch functions for the dense-layer ops: matmul, linearForward,
// linearBackward, biasBackward, activations, copy, fill (shaders of the same names).
import DiffusionCore

extension VulkanComputeBackend {
    public func copy(_ src: BufferView, to dst: BufferView) {
        precondition(src.count == dst.count, "vulkan copy: \(src.count) floats into a view of \(dst.count)")
        let bs = [binding(src, "copy"), binding(dst, "copy")]
        record { try stream.dispatch(Kernels.copy, bs, outputs: 1, params: [u32(src.count, "count")], groups: groups(src.count)) }
    }

    public func fill(_ x: BufferView, value: Float) {
        let bs = [binding(x, "fill")]
        record { try stream.dispatch(Kernels.fill, bs, outputs: 1, params: [u32(x.count, "count"), value.bitPattern], groups: groups(x.count)) }
    }

    func matmulGroups(m: Int, n: Int) -> (UInt32, UInt32, UInt32) {
        let gx = (n + Int(tiling.tileN) - 1) / Int(tiling.tileN), gy = (m + Int(tiling.tileM) - 1) / Int(tiling.tileM)
        precondition(gx <= 65535 && gy <= 65535, "vulkan matmul: \(m)×\(n) needs more than 65535 tiles per dimension")
        return (UInt32(gx), UInt32(gy), 1)
    }

    // a: op(A) (M,K), b: op(B) (K,N), c (M,N)
    public func matmul(_ a: BufferView, _ b: BufferView, _ c: BufferView,
                       m: Int, n: Int, k: Int, transA: Bool, transB: Bool, alpha: Float, beta: Float) {
        precondition(m >= 0 && n >= 0 && k >= 0, "vulkan matmul: negative shape m=\(m) n=\(n) k=\(k)")
        precondition(a.count >= m * k && b.count >= k * n && c.count >= m * n,
                     "vulkan matmul: shapes m=\(m) n=\(n) k=\(k) exceed buffers a=\(a.count) b=\(b.count) c=\(c.count)")
        let bs = [binding(a, "matmul"), binding(b, "matmul"), binding(c, "matmul")]
        let params = [u32(m, "m"), u32(n, "n"), u32(k, "k"), alpha.bitPattern, beta.bitPattern]
        record { try stream.dispatch(Kernels.matmul(transA: transA, transB: transB, direct: tiling.direct), bs, outputs: 1, params: params,
                                     groups: matmulGroups(m: m, n: n)) }
    }

    // x (B,IN), weight (OUT,IN), bias (OUT), y (B,OUT)
    public func linearForward(x: BufferView, weight: BufferView, bias: BufferView, y: BufferView,
                              batch: Int, inFeatures: Int, outFeatures: Int) {
        precondition(x.count >= batch * inFeatures && weight.count >= outFeatures * inFeatures
                     && bias.count >= outFeatures && y.count >= batch * outFeatures,
                     "vulkan linearForward: B=\(batch) IN=\(inFeatures) OUT=\(outFeatures) exceed buffers x=\(x.count) w=\(weight.count) b=\(bias.count) y=\(y.count)")
        let bs = [binding(x, "linearForward"), binding(weight, "linearForward"), binding(bias, "linearForward"), binding(y, "linearForward")]
        let params = [u32(batch, "batch"), u32(outFeatures, "outFeatures"), u32(inFeatures, "inFeatures"),
                      Float(1).bitPattern, Float(0).bitPattern]
        record { try stream.dispatch(Kernels.linearForward(direct: tiling.direct), bs, outputs: 1, params: params,
                                     groups: matmulGroups(m: batch, n: outFeatures)) }
    }

    // x (B,IN), weight (OUT,IN), dy (B,OUT), dx (B,IN) overwritten, dWeight (OUT,IN) +=, dBias (OUT) +=
    public func linearBackward(x: BufferView, weight: BufferView, dy: BufferView,
                               dx: BufferView?, dWeight: BufferView, dBias: BufferView,
                               batch: Int, inFeatures: Int, outFeatures: Int) {
        if let dx {
            matmul(dy, weight, dx, m: batch, n: inFeatures, k: outFeatures, transA: false, transB: false, alpha: 1, beta: 0)
        }
        matmul(dy, x, dWeight, m: outFeatures, n: inFeatures, k: batch, transA: true, transB: false, alpha: 1, beta: 1)
        biasBackward(dy: dy, dBias: dBias, rows: batch, cols: outFeatures)
    }

    // dy (R,N), dBias (N) +=
    public func biasBackward(dy: BufferView, dBias: BufferView, rows: Int, cols: Int) {
        precondition(dy.count >= rows * cols && dBias.count >= cols,
                     "vulkan biasBackward: rows=\(rows) cols=\(cols) exceed dy=\(dy.count) dBias=\(dBias.count)")
        let bs = [binding(dy, "biasBackward"), binding(dBias, "biasBackward")]
        record { try stream.dispatch(Kernels.biasBackward, bs, outputs: 1, params: [u32(rows, "rows"), u32(cols, "cols")],
                                     groups: groups(cols)) }
    }

    // x, y (N)
    public func activationForward(_ act: Activation, x: BufferView, y: BufferView) {
        precondition(x.count == y.count, "vulkan activationForward: x has \(x.count) floats, y \(y.count)")
        let bs = [binding(x, "activationForward"), binding(y, "activationForward")]
        record { try stream.dispatch(Kernels.activationForward(act), bs, outputs: 1, params: [u32(x.count, "count")],
                                     groups: groups(x.count)) }
    }

    // x, dy, dx (N); dx may alias dy
    public func activationBackward(_ act: Activation, x: BufferView, dy: BufferView, dx: BufferView) {
        precondition(x.count == dy.count && dy.count == dx.count,
                     "vulkan activationBackward: x \(x.count), dy \(dy.count), dx \(dx.count) floats differ")
        let bs = [binding(x, "activationBackward"), binding(dy, "activationBackward"), binding(dx, "activationBackward")]
        record { try stream.dispatch(Kernels.activationBackward(act), bs, outputs: 1, params: [u32(x.count, "count")],
                                     groups: groups(x.count)) }
    }
}
