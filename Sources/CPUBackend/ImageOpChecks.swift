// ImageOpChecks.swift — the shape checks of the image ops, one function per op, shared by the
// SIMD backend and the reference backend so both refuse exactly the same shapes (in release
// builds too: `shapeCheck` traps with the op, the buffer and the sizes).
import DiffusionCore

enum ImageOpChecks {
    static func conv(_ op: String, _ s: Conv2DShape, x: BufferView, weight: BufferView, y: BufferView) {
        if let problem = s.problem { shapeCheck(false, "\(op): \(problem)") }
        shapeCheck(x.count >= s.inputCount, "\(op): x has \(x.count) floats, needs \(s.inputCount) for \(s)")
        shapeCheck(weight.count >= s.weightCount, "\(op): weight has \(weight.count) floats, needs \(s.weightCount) for \(s)")
        shapeCheck(y.count >= s.outputCount, "\(op): output has \(y.count) floats, needs \(s.outputCount) for \(s)")
    }
    static func bcs(_ op: String, _ views: [(String, BufferView, Int)]) {
        for (name, v, n) in views { shapeCheck(v.count >= n, "\(op): \(name) has \(v.count) floats, needs \(n)") }
    }
    static func groups(_ op: String, channels: Int, groups: Int) {
        shapeCheck(groups >= 1 && channels >= 1 && channels % groups == 0, "\(op): \(groups) groups do not divide \(channels) channels")
    }
    static func factors(_ op: String, _ fh: Int, _ fw: Int) {
        shapeCheck(fh >= 1 && fw >= 1, "\(op): factors \(fh)×\(fw) must be ≥ 1")
    }

    /// x, y (B, C, S); gamma, beta (C); stats (B, G, 2)
    static func groupNormForward(x: BufferView, gamma: BufferView, beta: BufferView, y: BufferView, stats: BufferView,
                                 batch: Int, channels: Int, spatial: Int, groups: Int) {
        Self.groups("groupNormForward", channels: channels, groups: groups)
        let n = batch * channels * spatial
        bcs("groupNormForward", [("x", x, n), ("y", y, n), ("gamma", gamma, channels), ("beta", beta, channels),
                                 ("stats", stats, 2 * batch * groups)])
    }
    /// x, dy, dx (B, C, S); gamma, dGamma, dBeta (C); stats (B, G, 2)
    static func groupNormBackward(x: BufferView, gamma: BufferView, stats: BufferView, dy: BufferView,
                                  dx: BufferView, dGamma: BufferView, dBeta: BufferView,
                                  batch: Int, channels: Int, spatial: Int, groups: Int) {
        Self.groups("groupNormBackward", channels: channels, groups: groups)
        let n = batch * channels * spatial
        bcs("groupNormBackward", [("x", x, n), ("dy", dy, n), ("dx", dx, n), ("gamma", gamma, channels),
                                  ("stats", stats, 2 * batch * groups), ("dGamma", dGamma, channels), ("dBeta", dBeta, channels)])
    }
    /// x, y (B, C, S); scale, shift (B, C)
    static func filmForward(x: BufferView, scale: BufferView, shift: BufferView, y: BufferView, batch: Int, channels: Int, spatial: Int) {
        let n = batch * channels * spatial, rows = batch * channels
        bcs("filmForward", [("x", x, n), ("y", y, n), ("scale", scale, rows), ("shift", shift, rows)])
    }
    /// x, dy, dx (B, C, S); scale, dScale, dShift (B, C)
    static func filmBackward(x: BufferView, scale: BufferView, dy: BufferView, dx: BufferView, dScale: BufferView, dShift: BufferView,
                             batch: Int, channels: Int, spatial: Int) {
        let n = batch * channels * spatial, rows = batch * channels
        bcs("filmBackward", [("x", x, n), ("dy", dy, n), ("dx", dx, n), ("scale", scale, rows),
                             ("dScale", dScale, rows), ("dShift", dShift, rows)])
    }
    /// small (B, C, H, W); large (B, C, H·fh, W·fw)
    static func upsampleNearest(_ op: String, small: (String, BufferView), large: (String, BufferView), batch: Int, channels: Int,
                                height: Int, width: Int, factorH: Int, factorW: Int) {
        factors(op, factorH, factorW)
        let planes = batch * channels
        bcs(op, [(small.0, small.1, planes * height * width), (large.0, large.1, planes * height * factorH * width * factorW)])
    }
}
