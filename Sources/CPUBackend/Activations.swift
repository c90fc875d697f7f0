// Activations.swift — vectorised SiLU / GELU (tanh form) / ReLU / Mish forward and backward.
// Formulas are those of ReferenceMath; tails shorter than 8 use the scalar ReferenceMath.
import DiffusionCore

/// y[i] = act(x[i]) for i in 0..<count   (y may alias x)
func activationForwardKernel(_ act: Activation, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ count: Int) {
    var i = 0
    switch act {
    case .silu:
        while i + 8 <= count {
            let v = load8(x + i)
            store8(v / (F8(repeating: 1) + vexp(-v)), y + i)
            i += 8
        }
    case .gelu:
        while i + 8 <= count {
            let v = load8(x + i)
            let u = F8(repeating: ReferenceMath.geluC) * (v + F8(repeating: ReferenceMath.geluA) * v * v * v)
            store8(F8(repeating: 0.5) * v * (F8(repeating: 1) + vtanh(u)), y + i)
            i += 8
        }
    case .relu:
        while i + 8 <= count {
            let v = load8(x + i)
            store8(F8().replacing(with: v, where: v .> F8()), y + i)
            i += 8
        }
    case .mish:
        while i + 8 <= count {
            let v = load8(x + i)
            store8(v * vtanhSoftplus(v), y + i)
            i += 8
        }
    }
    while i < count { y[i] = ReferenceMath.activation(act, x[i]); i += 1 }
}

/// dx[i] = dy[i] · act'(x[i]) for i in 0..<count   (dx may alias dy)
func activationBackwardKernel(_ act: Activation, _ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                              _ dx: UnsafeMutablePointer<Float>, _ count: Int) {
    var i = 0
    let one = F8(repeating: 1)
    switch act {
    case .silu:
        while i + 8 <= count {
            let v = load8(x + i)
            let s = vsigmoid(v)
            store8(load8(dy + i) * (s * (one + v * (one - s))), dx + i)
            i += 8
        }
    case .gelu:
        let c = F8(repeating: ReferenceMath.geluC), a = F8(repeating: ReferenceMath.geluA)
        let half = F8(repeating: 0.5)
        while i + 8 <= count {
            let v = load8(x + i)
            let v2 = v * v
            let th = vtanh(c * (v + a * v2 * v))
            let du = c * (one + F8(repeating: 3) * a * v2)
            let d = half * (one + th) + half * v * (one - th * th) * du
            store8(load8(dy + i) * d, dx + i)
            i += 8
        }
    case .relu:
        while i + 8 <= count {
            let v = load8(x + i)
            store8(F8().replacing(with: load8(dy + i), where: v .> F8()), dx + i)
            i += 8
        }
    case .mish:
        while i + 8 <= count {
            let v = load8(x + i)
            let t = vtanhSoftplus(v)
            store8(load8(dy + i) * (t + v * (one - t * t) * vsigmoid(v)), dx + i)
            i += 8
        }
    }
    while i < count { dx[i] = dy[i] * ReferenceMath.activationDerivative(act, x[i]); i += 1 }
}

/// tanh(softplus(x)) without a logarithm: with e = eˣ, tanh(ln(1 + e)) = n / (n + 2), n = e·(e + 2);
/// 1 above x = 20 (where n would overflow and the value is 1 to float precision).
@inline(__always)
func vtanhSoftplus(_ x: F8) -> F8 {
    let e = vexp(x)
    let n = e * (e + F8(repeating: 2))
    return (n / (n + F8(repeating: 2))).replacing(with: F8(repeating: 1), where: x .> F8(repeating: 20))
}
