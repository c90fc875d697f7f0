// ReferenceMath.swift — scalar definitions of the pointwise functions every backend must match:
// activations and their derivatives (SiLU, GELU, ReLU, Mish), time-embedding frequencies, the gradient clip factor.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public enum ReferenceMath {
    /// GELU uses the tanh approximation: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
    public static let geluC: Float = 0.797_884_56   // √(2/π)
    public static let geluA: Float = 0.044_715

    @inline(__always)
    public static func activation(_ act: Activation, _ x: Float) -> Float {
        switch act {
        case .relu: return x > 0 ? x : 0
        case .silu: return x / (1 + expf(-x))
        case .gelu:
            let u = geluC * (x + geluA * x * x * x)
            return 0.5 * x * (1 + tanhf(u))
        case .mish:
            return x * tanhf(log1pf(expf(x)))
        }
    }

    @inline(__always)
    public static func activationDerivative(_ act: Activation, _ x: Float) -> Float {
        switch act {
        case .relu: return x > 0 ? 1 : 0
        case .silu:
            let s = 1 / (1 + expf(-x))
            return s * (1 + x * (1 - s))
        case .gelu:
            let u = geluC * (x + geluA * x * x * x)
            let th = tanhf(u)
            let du = geluC * (1 + 3 * geluA * x * x)
            return 0.5 * (1 + th) + 0.5 * x * (1 - th * th) * du
        case .mish:
            // tanh(sp) + x·sech²(sp)·σ(x), sp = softplus(x) = ln(1 + eˣ)
            let t = tanhf(log1pf(expf(x)))
            return t + x * (1 - t * t) / (1 + expf(-x))
        }
    }

    /// Frequency i of the sinusoidal time embedding with `half` frequencies.
    @inline(__always)
    public static func timeFrequency(_ i: Int, half: Int) -> Float {
        expf(-logf(10_000) * Float(i) / Float(max(half, 1)))
    }

    /// min(1, clipNorm / ‖g‖); 1 when clipping is off or the norm is 0.
    @inline(__always)
    public static func clipFactor(normSquared: Float, clipNorm: Float) -> Float {
        guard clipNorm > 0, normSquared > 0 else { return 1 }
        let norm = normSquared.squareRoot()
        return norm > clipNorm ? clipNorm / norm : 1
    }
}
