// VulkanOps+Conv.swift — dispatch functions for the image / sequence ops: conv2dForward,
// conv2dBackward (im2col into a scratch column matrix, then the matmul kernel of matmul.comp,
// then a scatter / col2im: the shaders of the same names have one variant per pass),
// groupNormForward, groupNormBackward, filmForward, filmBackward, upsampleNearestForward,
// upsampleNearestBackward (one shader each; the backward ones have a variant per gradient).
import DiffusionCore

extension VulkanComputeBackend {
    private func convParams(_ s: Conv2DShape, items: Int) -> [UInt32] {
        [s.batch, s.inChannels, s.height, s.width, s.outChannels, s.kernelH, s.kernelW,
         s.outHeight, s.outWidth, s.stride, s.padH, s.padW, items].map { u32($0, "conv2d size") }
    }

    private func checkConv(_ op: String, _ s: Conv2DShape, x: BufferView, weight: BufferView, y: BufferView) {
        if let problem = s.problem { preconditionFailure("vulkan \(op): \(problem)") }
        precondition(x.count >= s.inputCount && weight.count >= s.weightCount && y.count >= s.outputCount,
                     "vulkan \(op): \(s) exceeds buffers x=\(x.count) w=\(weight.count) y=\(y.count)")
    }

    /// Scratch buffer `slot` with at least `count` floats (grown on demand; frames in flight keep
    /// a replaced one alive). Nil after a failed allocation, which is kept as the device error.
    private func scratch(_ slot: Int, _ count: Int) -> BufferView? {
        lock.lock()
        let have = convScratch[slot]
        lock.unlock()
        if let have, have.count >= count { return BufferView(have, offset: 0, count: count) }
        do {
            guard let b = try makeBuffer(count: count) as? VulkanBuffer else { return nil }
            lock.lock(); convScratch[slot] = b; lock.unlock()
            return BufferView(b, offset: 0, count: count)
        } catch {
            record { throw error }
            return nil
        }
    }

    /// Batch items per chunk: the column matrix (K, items·N) and the regrouped (O, items·N) fit a scratch buffer.
    private func chunkItems(_ s: Conv2DShape) -> Int {
        max(1, min(s.batch, Kernels.convScratchFloats / max(1, max(s.patchSize, s.outChannels) * s.outHeight * s.outWidth)))
    }

    // x (B,C,H,W), weight (O,C,KH,KW), bias (O), y (B,O,OH,OW): per chunk of items,
    // im2col → matmul (O, items·N) = W · col → scatter with bias
    public func conv2dForward(x: BufferView, weight: BufferView, bias: BufferView, y: BufferView, shape s: Conv2DShape) {
        checkConv("conv2dForward", s, x: x, weight: weight, y: y)
        precondition(bias.count >= s.outChannels, "vulkan conv2dForward: bias has \(bias.count) floats, needs \(s.outChannels)")
        let n = s.outHeight * s.outWidth, k = s.patchSize, o = s.outChannels, plane = s.inChannels * s.height * s.width
        let nb = chunkItems(s)
        convLock.lock(); defer { convLock.unlock() }
        guard s.batch > 0, let col = scratch(0, k * n * nb), let tmp = scratch(1, o * n * nb) else { return }
        let bb = binding(bias, "conv2dForward")
        var b0 = 0
        while b0 < s.batch {
            let items = min(nb, s.batch - b0), cols = items * n, params = convParams(s, items: items)
            let bx = binding(x.slice(b0 * plane, items * plane), "conv2dForward"), bcol = binding(col, "conv2dForward")
            let btmp = binding(tmp, "conv2dForward"), by = binding(y.slice(b0 * o * n, items * o * n), "conv2dForward")
            record { try stream.dispatch(Kernels.conv2dIm2col, [bx, bcol], outputs: 1, params: params, groups: groups(k * cols)) }
            matmul(weight, col, tmp, m: o, n: cols, k: k, transA: false, transB: false, alpha: 1, beta: 0)
            record { try stream.dispatch(Kernels.conv2dScatter, [btmp, bb, by], outputs: 1, params: params, groups: groups(o * cols)) }
            b0 += items
        }
    }

    // dy (B,O,OH,OW); dx (B,C,H,W) overwritten; dWeight (O,C,KH,KW) +=; dBias (O) +=: per chunk,
    // gather dy → dyS (O, items·N), im2col, dW += dyS · colᵀ, dcol = Wᵀ · dyS, col2im
    public func conv2dBackward(x: BufferView, weight: BufferView, dy: BufferView,
                               dx: BufferView?, dWeight: BufferView, dBias: BufferView, shape s: Conv2DShape) {
        checkConv("conv2dBackward", s, x: x, weight: weight, y: dy)
        precondition(dWeight.count >= s.weightCount && dBias.count >= s.outChannels && (dx?.count ?? s.inputCount) >= s.inputCount,
                     "vulkan conv2dBackward: \(s) exceeds buffers dW=\(dWeight.count) dBias=\(dBias.count) dx=\(dx?.count ?? -1)")
        let op = "conv2dBackward"
        let n = s.outHeight * s.outWidth, k = s.patchSize, o = s.outChannels, plane = s.inChannels * s.height * s.width
        let nb = chunkItems(s)
        convLock.lock(); defer { convLock.unlock() }
        guard s.batch > 0, let col = scratch(0, k * n * nb), let dyS = scratch(1, o * n * nb),
              let dcol = dx == nil ? col : scratch(2, k * n * nb) else { return }
        let bdy = binding(dy, op), bdb = binding(dBias, op)
        record { try stream.dispatch(Kernels.conv2dBiasGrad, [bdy, bdb], outputs: 1, params: convParams(s, items: s.batch), groups: groups(o)) }
        var b0 = 0
        while b0 < s.batch {
            let items = min(nb, s.batch - b0), cols = items * n, params = convParams(s, items: items)
            let bx = binding(x.slice(b0 * plane, items * plane), op), bcol = binding(col, op)
            let bdyc = binding(dy.slice(b0 * o * n, items * o * n), op), bdyS = binding(dyS, op)
            record {
                try stream.dispatch(Kernels.conv2dGather, [bdyc, bdyS], outputs: 1, params: params, groups: groups(o * cols))
                try stream.dispatch(Kernels.conv2dIm2col, [bx, bcol], outputs: 1, params: params, groups: groups(k * cols))
            }
            matmul(dyS, col, dWeight, m: o, n: k, k: cols, transA: false, transB: true, alpha: 1, beta: 1)
            if let dx {
                let bdcol = binding(dcol, op), bdx = binding(dx.slice(b0 * plane, items * plane), op)
                matmul(weight, dyS, dcol, m: k, n: cols, k: o, transA: true, transB: false, alpha: 1, beta: 0)
                record { try stream.dispatch(Kernels.conv2dCol2im, [bdcol, bdx], outputs: 1, params: params, groups: groups(items * plane)) }
            }
            b0 += items
        }
    }

    /// One workgroup per item, at most 65535 (the shaders loop over the rest).
    private func workgroups(_ n: Int) -> (UInt32, UInt32, UInt32) { (UInt32(max(1, min(n, 65535))), 1, 1) }

    private func checkNorm(_ op: String, batch: Int, channels: Int, spatial: Int, groups g: Int, _ views: [(String, BufferView, Int)]) {
        precondition(g >= 1 && channels % g == 0, "vulkan \(op): \(g) groups do not divide \(channels) channels")
        for (name, v, n) in views { precondition(v.count >= n, "vulkan \(op): \(name) has \(v.count) floats, needs \(n)") }
    }

    // x, y (B,C,S); gamma, beta (C); stats (B,G,2)
    public func groupNormForward(x: BufferView, gamma: BufferView, beta: BufferView, y: BufferView, stats: BufferView,
                                 batch: Int, channels: Int, spatial: Int, groups g: Int, eps: Float) {
        let n = batch * channels * spatial, op = "groupNormForward"
        checkNorm(op, batch: batch, channels: channels, spatial: spatial, groups: g,
                  [("x", x, n), ("y", y, n), ("gamma", gamma, channels), ("beta", beta, channels), ("stats", stats, 2 * batch * g)])
        let bs = [binding(x, op), binding(gamma, op), binding(beta, op), binding(y, op), binding(stats, op)]
        let params = [u32(batch, "batch"), u32(channels, "channels"), u32(spatial, "spatial"), u32(g, "groups"), eps.bitPattern]
        record { try stream.dispatch(Kernels.groupNormForward, bs, outputs: 2, params: params, groups: workgroups(batch * g)) }
    }

    // x, dy, dx (B,C,S); gamma, dGamma, dBeta (C); stats (B,G,2)
    public func groupNormBackward(x: BufferView, gamma: BufferView, stats: BufferView, dy: BufferView,
                                  dx: BufferView, dGamma: BufferView, dBeta: BufferView,
                                  batch: Int, channels: Int, spatial: Int, groups g: Int) {
        let n = batch * channels * spatial, op = "groupNormBackward"
        checkNorm(op, batch: batch, channels: channels, spatial: spatial, groups: g,
                  [("x", x, n), ("dy", dy, n), ("dx", dx, n), ("gamma", gamma, channels), ("stats", stats, 2 * batch * g),
                   ("dGamma", dGamma, channels), ("dBeta", dBeta, channels)])
        let bx = binding(x, op), bg = binding(gamma, op), bst = binding(stats, op), bdy = binding(dy, op)
        let bdx = binding(dx, op), bdg = binding(dGamma, op), bdb = binding(dBeta, op)
        let params = [u32(batch, "batch"), u32(channels, "channels"), u32(spatial, "spatial"), u32(g, "groups")]
        record {
            // parameter sums first: dx may alias dy
            try stream.dispatch(Kernels.groupNormParamGrad, [bx, bst, bdy, bdg, bdb], outputs: 2, params: params, groups: workgroups(channels))
            try stream.dispatch(Kernels.groupNormInputGrad, [bx, bg, bst, bdy, bdx], outputs: 1, params: params, groups: workgroups(batch * g))
        }
    }

    // x, y (B,C,S); scale, shift (B,C)
    public func filmForward(x: BufferView, scale: BufferView, shift: BufferView, y: BufferView,
                            batch: Int, channels: Int, spatial: Int) {
        let rows = batch * channels, n = rows * spatial, op = "filmForward"
        precondition(x.count >= n && y.count >= n && scale.count >= rows && shift.count >= rows,
                     "vulkan filmForward: B=\(batch) C=\(channels) S=\(spatial) exceed x=\(x.count) y=\(y.count) scale=\(scale.count) shift=\(shift.count)")
        let bs = [binding(x, op), binding(scale, op), binding(shift, op), binding(y, op)]
        record { try stream.dispatch(Kernels.filmForward, bs, outputs: 1, params: [u32(rows, "rows"), u32(spatial, "spatial")], groups: groups(n)) }
    }

    // x, dy, dx (B,C,S); scale, dScale, dShift (B,C)
    public func filmBackward(x: BufferView, scale: BufferView, dy: BufferView,
                             dx: BufferView, dScale: BufferView, dShift: BufferView,
                             batch: Int, channels: Int, spatial: Int) {
        let rows = batch * channels, n = rows * spatial, op = "filmBackward"
        precondition(x.count >= n && dy.count >= n && dx.count >= n && scale.count >= rows && dScale.count >= rows && dShift.count >= rows,
                     "vulkan filmBackward: B=\(batch) C=\(channels) S=\(spatial) exceed x=\(x.count) dy=\(dy.count) dx=\(dx.count) scale=\(scale.count) dScale=\(dScale.count) dShift=\(dShift.count)")
        let bs = [binding(x, op), binding(scale, op), binding(dy, op), binding(dx, op), binding(dScale, op), binding(dShift, op)]
        record { try stream.dispatch(Kernels.filmBackward, bs, outputs: 3, params: [u32(rows, "rows"), u32(spatial, "spatial")], groups: groups(rows)) }
    }

    private func upsampleParams(_ op: String, planes: Int, height: Int, width: Int, factorH: Int, factorW: Int,
                                small: BufferView, large: BufferView) -> [UInt32] {
        precondition(factorH >= 1 && factorW >= 1, "vulkan \(op): factors \(factorH)×\(factorW) must be ≥ 1")
        precondition(small.count >= planes * height * width && large.count >= planes * height * width * factorH * factorW,
                     "vulkan \(op): \(planes) planes of \(height)×\(width) ×(\(factorH),\(factorW)) exceed buffers \(small.count), \(large.count)")
        return [planes, height, width, factorH, factorW].map { u32($0, "\(op) size") }
    }

    // x (B,C,H,W), y (B,C,H·factorH,W·factorW)
    public func upsampleNearestForward(x: BufferView, y: BufferView, batch: Int, channels: Int,
                                       height: Int, width: Int, factorH: Int, factorW: Int) {
        let op = "upsampleNearestForward"
        let params = upsampleParams(op, planes: batch * channels, height: height, width: width, factorH: factorH, factorW: factorW, small: x, large: y)
        let bs = [binding(x, op), binding(y, op)]
        record { try stream.dispatch(Kernels.upsampleNearestForward, bs, outputs: 1, params: params,
                                     groups: groups(batch * channels * height * width * factorH * factorW)) }
    }

    // dy (B,C,H·factorH,W·factorW), dx (B,C,H,W)
    public func upsampleNearestBackward(dy: BufferView, dx: BufferView, batch: Int, channels: Int,
                                        height: Int, width: Int, factorH: Int, factorW: Int) {
        let op = "upsampleNearestBackward"
        let params = upsampleParams(op, planes: batch * channels, height: height, width: width, factorH: factorH, factorW: factorW, small: dx, large: dy)
        let bs = [binding(dy, op), binding(dx, op)]
        record { try stream.dispatch(Kernels.upsampleNearestBackward, bs, outputs: 1, params: params,
                                     groups: groups(batch * channels * height * width)) }
    }
}
