// VulkanOps+Conv.swift — dispatch functions for the image / sequence ops: conv2dForward,
// conv2dBackward, groupNormForward, groupNormBackward, filmForward, filmBackward,
// upsampleNearestForward, upsampleNearestBackward (shaders of the same names; the backward
// shaders have one variant per gradient).
import DiffusionCore

extension VulkanComputeBackend {
    private func convParams(_ s: Conv2DShape) -> [UInt32] {
        [s.batch, s.inChannels, s.height, s.width, s.outChannels, s.kernelH, s.kernelW,
         s.outHeight, s.outWidth, s.stride, s.padH, s.padW].map { u32($0, "conv2d size") }
    }

    private func checkConv(_ op: String, _ s: Conv2DShape, x: BufferView, weight: BufferView, y: BufferView) {
        if let problem = s.problem { preconditionFailure("vulkan \(op): \(problem)") }
        precondition(x.count >= s.inputCount && weight.count >= s.weightCount && y.count >= s.outputCount,
                     "vulkan \(op): \(s) exceeds buffers x=\(x.count) w=\(weight.count) y=\(y.count)")
    }

    // x (B,C,H,W), weight (O,C,KH,KW), bias (O), y (B,O,OH,OW)
    public func conv2dForward(x: BufferView, weight: BufferView, bias: BufferView, y: BufferView, shape s: Conv2DShape) {
        checkConv("conv2dForward", s, x: x, weight: weight, y: y)
        precondition(bias.count >= s.outChannels, "vulkan conv2dForward: bias has \(bias.count) floats, needs \(s.outChannels)")
        let bs = [binding(x, "conv2dForward"), binding(weight, "conv2dForward"), binding(bias, "conv2dForward"), binding(y, "conv2dForward")]
        record { try stream.dispatch(Kernels.conv2dForward, bs, outputs: 1, params: convParams(s), groups: groups(s.outputCount)) }
    }

    // dy (B,O,OH,OW); dx (B,C,H,W) overwritten; dWeight (O,C,KH,KW) +=; dBias (O) +=
    public func conv2dBackward(x: BufferView, weight: BufferView, dy: BufferView,
                               dx: BufferView?, dWeight: BufferView, dBias: BufferView, shape s: Conv2DShape) {
        checkConv("conv2dBackward", s, x: x, weight: weight, y: dy)
        precondition(dWeight.count >= s.weightCount && dBias.count >= s.outChannels && (dx?.count ?? s.inputCount) >= s.inputCount,
                     "vulkan conv2dBackward: \(s) exceeds buffers dW=\(dWeight.count) dBias=\(dBias.count) dx=\(dx?.count ?? -1)")
        let op = "conv2dBackward", params = convParams(s)
        let bx = binding(x, op), bw = binding(weight, op), bdy = binding(dy, op)
        let bdw = binding(dWeight, op), bdb = binding(dBias, op), bdx = dx.map { binding($0, op) }
        record {
            if let bdx {
                try stream.dispatch(Kernels.conv2dInputGrad, [bw, bdy, bdx], outputs: 1, params: params, groups: groups(s.inputCount))
            }
            try stream.dispatch(Kernels.conv2dWeightGrad, [bx, bdy, bdw], outputs: 1, params: params, groups: groups(s.weightCount))
            try stream.dispatch(Kernels.conv2dBiasGrad, [bdy, bdb], outputs: 1, params: params, groups: groups(s.outChannels))
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
