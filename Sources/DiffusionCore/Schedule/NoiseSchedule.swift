// NoiseSchedule.swift — the discrete variance-preserving forward process
// q(x_t | x_0) = N(√ᾱ_t x_0, (1−ᾱ_t) I), t = 1..T, stored 0-based (index i ↔ t = i+1).
//
// Linear β (Ho et al. 2020), cosine ᾱ (Nichol & Dhariwal 2021), and the optional
// zero-terminal-SNR rescale (Lin et al. 2024), which makes ᾱ_T exactly 0. Karras et al. 2022's
// σ grid (EDM): σ_i = (σ_min^{1/ρ} + i/(T−1)·(σ_max^{1/ρ} − σ_min^{1/ρ}))^ρ, ρ = 7,
// σ_min = 0.002, σ_max = 80 (in units of the data the network sees), ᾱ_i = 1/(1 + σ_i²).
import Foundation

public enum ScheduleKind: String, Codable, CaseIterable, Sendable {
    case linear, cosine, karras
}

/// EDM's σ grid and its ρ (Karras et al. 2022, eq. 5).
public enum KarrasSigmas {
    public static let sigmaMin = 0.002, sigmaMax = 80.0, rho = 7.0

    /// n values from `hi` down to `lo` (n ≥ 1; n = 1 gives `hi`).
    public static func descending(n: Int, lo: Double, hi: Double, rho: Double = rho) -> [Double] {
        guard n > 1 else { return [hi] }
        let a = pow(hi, 1 / rho), b = pow(lo, 1 / rho)
        return (0..<n).map { k in pow(a + Double(k) / Double(n - 1) * (b - a), rho) }
    }
}

public struct ScheduleConfig: Codable, Equatable, Sendable {
    public var kind: ScheduleKind
    public var timesteps: Int
    public var betaStart: Double
    public var betaEnd: Double
    public var zeroTerminalSNR: Bool
    public init(kind: ScheduleKind = .linear, timesteps: Int = 1000, betaStart: Double = 1e-4,
                betaEnd: Double = 0.02, zeroTerminalSNR: Bool = false) {
        self.kind = kind; self.timesteps = timesteps; self.betaStart = betaStart
        self.betaEnd = betaEnd; self.zeroTerminalSNR = zeroTerminalSNR
    }
}

public struct NoiseSchedule: Sendable {
    public let config: ScheduleConfig
    /// β_t, (T)
    public let betas: [Double]
    /// ᾱ_t = Π_{s≤t} (1−β_s), (T)
    public let alphaBars: [Double]

    public var timesteps: Int { config.timesteps }

    public init(_ config: ScheduleConfig) throws {
        let T = config.timesteps
        guard T >= 1 && T <= 100_000 else {
            throw ScheduleError("timesteps must be in 1...100000 (got \(T))")
        }
        var bars = [Double](repeating: 0, count: T)
        switch config.kind {
        case .linear:
            guard config.betaStart > 0, config.betaEnd < 1, config.betaStart <= config.betaEnd else {
                throw ScheduleError("linear schedule needs 0 < betaStart ≤ betaEnd < 1 (got \(config.betaStart), \(config.betaEnd))")
            }
            var prod = 1.0
            for i in 0..<T {
                let beta = T == 1 ? config.betaEnd
                    : config.betaStart + (config.betaEnd - config.betaStart) * Double(i) / Double(T - 1)
                prod *= 1 - beta
                bars[i] = prod
            }
        case .karras:
            let sig = KarrasSigmas.descending(n: T, lo: KarrasSigmas.sigmaMin, hi: KarrasSigmas.sigmaMax).reversed()
            for (i, sg) in sig.enumerated() { bars[i] = 1 / (1 + sg * sg) }
        case .cosine:
            let s = 0.008
            func f(_ t: Double) -> Double { let c = cos((t / Double(T) + s) / (1 + s) * Double.pi / 2); return c * c }
            let f0 = f(0)
            var prev = 1.0
            for i in 0..<T {
                var bar = f(Double(i + 1)) / f0
                // β clipped at 0.999 as in the paper
                let beta = min(1 - bar / prev, 0.999)
                bar = prev * (1 - beta)
                bars[i] = bar
                prev = bar
            }
        }
        if config.zeroTerminalSNR {
            // rescale √ᾱ linearly so that √ᾱ_1 is kept and √ᾱ_T becomes 0
            let sq = bars.map { $0.squareRoot() }
            let first = sq[0], last = sq[T - 1]
            guard first > last else { throw ScheduleError("zero-terminal-SNR needs a decreasing schedule") }
            bars = sq.map { let v = ($0 - last) * first / (first - last); return v * v }
        }
        var betas = [Double](repeating: 0, count: T)
        var prev = 1.0
        for i in 0..<T { betas[i] = 1 - bars[i] / prev; prev = bars[i] }
        self.config = config
        self.alphaBars = bars
        self.betas = betas
    }

    /// ᾱ at 0-based index i; index −1 means t = 0 (ᾱ = 1).
    @inline(__always)
    public func alphaBar(_ i: Int) -> Double { i < 0 ? 1 : alphaBars[i] }

    /// Signal-to-noise ratio ᾱ/(1−ᾱ) at index i.
    public func snr(_ i: Int) -> Double {
        let a = alphaBar(i)
        return a / max(1 - a, 1e-300)
    }

    /// Model time input for index i: s = (i+1)/T in (0, 1].
    @inline(__always)
    public func modelTime(_ i: Int) -> Float { Float(i + 1) / Float(timesteps) }

    /// Plain-words warnings about this schedule (e.g. the forward process does not reach noise).
    public var warnings: [String] {
        var w: [String] = []
        let last = alphaBars[timesteps - 1]
        if last > 0.01 {
            w.append(String(format: "the forward process does not reach noise: ᾱ_T = %.4g (want < 0.01); sampling from N(0, I) starts off the training distribution — use more timesteps or a larger betaEnd", last))
        }
        if config.zeroTerminalSNR {
            w.append("zero terminal SNR: ε-prediction is undefined at t = T (x_T carries no signal); prefer v-prediction")
        }
        if alphaBars[0] < 0.99 {
            w.append(String(format: "the first step already destroys signal: ᾱ_1 = %.4g; fine detail cannot be learned", alphaBars[0]))
        }
        return w
    }
}

public struct ScheduleError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}

/// Timestep spacings for strided samplers (DDIM and friends).
public enum TimestepSpacing: String, Codable, CaseIterable, Sendable {
    case linspace, leading, trailing
    /// uniform in log-SNR λ = ½·log(ᾱ/(1−ᾱ)) (DPM-Solver's choice: more steps at low noise)
    case logsnr
    /// Karras et al.'s ρ = 7 spacing of σ = √((1−ᾱ)/ᾱ) between the schedule's largest and smallest σ
    case karras

    /// The spacing a sampler works best with by default.
    public static func preferred(for kind: SamplerKind) -> TimestepSpacing {
        switch kind {
        case .dpmpp2m: return .logsnr
        case .edmHeun: return .karras
        default: return .trailing
        }
    }

    /// Indices for a schedule (logsnr and karras need the schedule's ᾱ; the others only T).
    public func indices(steps: Int, schedule: NoiseSchedule) -> [Int] {
        if self == .karras { return karrasIndices(steps: steps, schedule: schedule) }
        guard self == .logsnr else { return indices(steps: steps, timesteps: schedule.timesteps) }
        let T = schedule.timesteps
        let n = max(1, min(steps, T))
        let lambda = (0..<T).map { i -> Double in let a = schedule.alphaBar(i); return 0.5 * log(a / max(1 - a, 1e-300)) }
        let hi = lambda[0], lo = lambda[T - 1]
        var idx: [Int] = []
        var j = T - 1
        for k in 0..<n {
            let target = n == 1 ? lo : lo + (hi - lo) * Double(k) / Double(n - 1)
            // λ decreases with i: walk down to the last index whose λ ≤ target... then pick the nearer
            while j > 0 && lambda[j - 1] <= target { j -= 1 }
            let pick = (j > 0 && abs(lambda[j - 1] - target) < abs(lambda[j] - target)) ? j - 1 : j
            idx.append(pick)
        }
        return Array(Set(idx)).sorted(by: >)
    }

    /// The timesteps nearest (in log σ) to the Karras grid of `steps` σ values, decreasing.
    func karrasIndices(steps: Int, schedule: NoiseSchedule) -> [Int] {
        let T = schedule.timesteps
        let n = max(1, min(steps, T))
        let sigma = (0..<T).map { i -> Double in let a = schedule.alphaBar(i); return ((1 - a) / max(a, 1e-300)).squareRoot() }
        let grid = KarrasSigmas.descending(n: n, lo: max(sigma[0], 1e-12), hi: sigma[T - 1])
        var idx: [Int] = []
        for g in grid {
            var best = 0, bestD = Double.infinity
            for i in 0..<T { let d = abs(log(max(sigma[i], 1e-300)) - log(g)); if d < bestD { bestD = d; best = i } }
            idx.append(best)
        }
        return Array(Set(idx)).sorted(by: >)
    }

    /// `steps` 0-based indices into a T-step schedule, in decreasing order (first = noisiest).
    public func indices(steps: Int, timesteps T: Int) -> [Int] {
        let n = max(1, min(steps, T))
        var idx: [Int]
        switch self {
        case .linspace:
            idx = (0..<n).map { k in n == 1 ? T - 1 : Int((Double(k) * Double(T - 1) / Double(n - 1)).rounded()) }
        case .leading:
            let stride = T / n
            idx = (0..<n).map { $0 * stride }
        case .trailing, .logsnr, .karras:
            let stride = Double(T) / Double(n)
            idx = (0..<n).map { Int((Double(T) - Double($0) * stride).rounded()) - 1 }
        }
        // unique, decreasing, valid
        let unique = Array(Set(idx.map { min(max($0, 0), T - 1) })).sorted(by: >)
        return unique
    }
}
