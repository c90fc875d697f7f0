// Sampler.swift — the reverse processes: DDPM (β̃ / β), DDIM (η, strided), reverse VP-SDE
// Euler–Maruyama, predictor–corrector with a Langevin corrector, probability-flow ODE (Heun),
// DPM-Solver++(2M), EDM's Heun sampler on the ρ = 7 σ grid, flow-matching Euler/Heun and
// annealed Langevin dynamics.
//
// Every update is a handful of Backend ops (axpby / axpbypcz and the noise kernel) on device
// buffers; the host only reads back what it records (trajectory snapshots, x̂0 statistics) and
// the two norms of the Langevin corrector.
//
// Diffusion notation on the strided grid τ_0 > τ_1 > … (0-based schedule indices), at a step
// from index i to the next index p (p = −1 means t = 0, ᾱ = 1):  ab = ᾱ_i, abp = ᾱ_p.
import Foundation

public struct SamplingCancelled: Error {}

public final class Sampler {
    public let config: SamplerConfig
    public let denoiser: Denoiser
    public let schedule: NoiseSchedule?
    private var backend: Backend { denoiser.backend }
    /// key of every noise draw of this sampler (the Philox stream is (noiseSeed, counter))
    let noiseSeed: UInt64

    public init(config: SamplerConfig, denoiser: Denoiser, schedule: NoiseSchedule?) throws {
        guard config.steps >= 1 else { throw ModelError("steps must be at least 1 (got \(config.steps))") }
        guard (0...1).contains(config.eta) else { throw ModelError("eta must be in [0, 1] (got \(config.eta))") }
        if config.kind.isFlow != denoiser.objective.isFlow {
            throw ModelError(denoiser.objective.isFlow
                ? "a flow-matching model samples with flow-euler or flow-heun, not \(config.kind.rawValue)"
                : "sampler \(config.kind.rawValue) needs a flow-matching model; this model predicts \(denoiser.objective.rawValue)")
        }
        if !config.kind.isFlow && schedule == nil { throw ModelError("diffusion samplers need a noise schedule") }
        self.config = config
        self.denoiser = denoiser
        self.schedule = schedule
        self.noiseSeed = config.seed &* 0xD1B5_4A32_D192_ED03 &+ 0x2545_F491
    }

    /// The number of sampler steps (outer iterations) that `sample` will run.
    public var stepCount: Int {
        if config.kind.isFlow { return config.steps }
        return config.spacing.indices(steps: config.steps, schedule: schedule!).count
    }

    /// Draw `count` samples. `initial` (count, d) replaces the N(0, I) start when given (e.g. a
    /// class-conditional source). `progress(done, total)` is called after every step and may
    /// return false to cancel (throws SamplingCancelled).
    public func sample(count: Int, initial: [Float]? = nil,
                       progress: (Int, Int) -> Bool = { _, _ in true }) throws -> SampleResult {
        let d = denoiser.dataDim
        precondition(initial == nil || initial!.count == count * d)
        let maxB = max(1, min(config.maxBatch, count))
        let bufs = try ChunkBuffers(backend: backend, rows: maxB, dim: d)
        var result = SampleResult(samples: [], trajectory: [], trajectorySteps: [], modelEvaluations: 0)
        result.x0VarianceWindow = config.varianceWindow
        result.samples.reserveCapacity(count * d)
        var chunk = 0
        var start = 0
        let total = stepCount * Int((Double(count) / Double(maxB)).rounded(.up))
        var done = 0
        while start < count {
            let B = min(maxB, count - start)
            var run = ChunkRun(sampler: self, bufs: bufs, rows: B, rowOffset: start, chunk: chunk)
            if let initial {
                backend.write(Array(initial[(start * d)..<((start + B) * d)]), to: bufs.x.slice(0, B * d))
            } else {
                run.noise(into: bufs.x)
            }
            try run.execute { done += 1; return progress(done, total) }
            result.samples += try backend.read(bufs.x.slice(0, B * d))
            if chunk == 0 {
                result.trajectory = run.snapshots
                result.trajectorySteps = run.snapshotSteps
            } else {
                for s in 0..<min(result.trajectory.count, run.snapshots.count) { result.trajectory[s] += run.snapshots[s] }
            }
            for (w, v) in run.x0Variances() { result.x0VarianceByWindow[w, default: []] += v }
            result.modelEvaluations = run.evaluations
            start += B
            chunk += 1
        }
        // every read above already threw on a device error; this also covers work enqueued
        // after the last read, so a result is returned only from a device that finished cleanly
        try backend.synchronize()
        return result
    }

    /// Device buffers for one chunk of rows: x, model output, ε̂, x̂0, noise, two temporaries.
    final class ChunkBuffers {
        let storage: DeviceBuffer
        let x, out, eps, x0, z, tmp, aux: BufferView
        /// 1-element scratch for norms
        let norm: BufferView
        init(backend: Backend, rows: Int, dim: Int) throws {
            let n = rows * dim
            storage = try backend.makeBuffer(count: 7 * n + 1)
            x = BufferView(storage, offset: 0, count: n)
            out = BufferView(storage, offset: n, count: n)
            eps = BufferView(storage, offset: 2 * n, count: n)
            x0 = BufferView(storage, offset: 3 * n, count: n)
            z = BufferView(storage, offset: 4 * n, count: n)
            tmp = BufferView(storage, offset: 5 * n, count: n)
            aux = BufferView(storage, offset: 6 * n, count: n)
            norm = BufferView(storage, offset: 7 * n, count: 1)
        }
    }
}

/// One chunk's run through the reverse process.
struct ChunkRun {
    let sampler: Sampler
    let bufs: Sampler.ChunkBuffers
    let rows: Int
    let rowOffset: Int
    let chunk: Int
    var draws: UInt64 = 0
    var evaluations = 0
    var snapshots: [[Float]] = []
    var snapshotSteps: [Int] = []
    /// running x̂0 sums per tracked window (the last `window` steps)
    var x0Stats: [X0WindowStats] = []

    init(sampler: Sampler, bufs: Sampler.ChunkBuffers, rows: Int, rowOffset: Int, chunk: Int) {
        self.sampler = sampler; self.bufs = bufs; self.rows = rows; self.rowOffset = rowOffset; self.chunk = chunk
    }

    var backend: Backend { sampler.denoiser.backend }
    var config: SamplerConfig { sampler.config }
    var d: Int { sampler.denoiser.dataDim }
    func v(_ b: BufferView) -> BufferView { b.slice(0, rows * d) }

    /// Fresh N(0, I) noise; every draw of every chunk uses its own Philox counter range.
    mutating func noise(into out: BufferView) {
        let blocksPerDraw = UInt64((bufs.x.count + 3) / 4)
        let base = (UInt64(chunk) << 44) &+ draws &* blocksPerDraw
        backend.gaussianNoise(out: v(out), seed: sampler.noiseSeed, counterBase: base)
        draws += 1
    }

    /// out = model prediction at model time s for rows of `x`.
    mutating func predict(_ x: BufferView, time s: Float) throws {
        try sampler.denoiser.predict(x: v(x), time: s, out: v(bufs.out), batch: rows, rowOffset: rowOffset)
        evaluations += 1
    }

    /// ε̂ and x̂0 into `eps` / `x0` from the model output at schedule index i, for input `x`.
    mutating func predictEpsX0(_ x: BufferView, index i: Int, eps: BufferView, x0: BufferView) throws {
        let sched = sampler.schedule!
        try predict(x, time: sched.modelTime(i))
        let c = sampler.denoiser.objective.predictionCoefficients(alphaBar: sched.alphaBar(i))
        backend.axpby(a: c.ea, x: v(x), b: c.eb, y: v(bufs.out), out: v(eps))
        backend.axpby(a: c.xa, x: v(x), b: c.xb, y: v(bufs.out), out: v(x0))
    }

    mutating func record(step: Int, total: Int) throws {
        if config.trajectoryEvery > 0 && (step == 0 || step % config.trajectoryEvery == 0 || step == total) {
            snapshots.append(try backend.read(v(bufs.x)))
            snapshotSteps.append(step)
        }
    }

    /// The windows whose x̂0 variance is tracked: the main one and the compare windows.
    var x0Windows: [Int] {
        guard config.varianceWindow > 0 else { return [] }
        return Array(Set([config.varianceWindow] + (config.varianceCompareWindows ?? []).filter { $0 > 0 })).sorted()
    }

    /// Accumulate x̂0 statistics for every window that `step` (1-based) is within.
    mutating func trackX0(step: Int, total: Int) throws {
        let windows = x0Windows
        guard let longest = windows.last, step > total - longest else { return }
        if x0Stats.isEmpty { x0Stats = windows.map { X0WindowStats(window: $0, values: rows * d) } }
        let x0 = try backend.read(v(bufs.x0))
        for w in x0Stats.indices where step > total - x0Stats[w].window { x0Stats[w].add(x0) }
    }

    /// Per-sample variance (mean over dimensions) for every tracked window.
    func x0Variances() -> [Int: [Float]] {
        var out: [Int: [Float]] = [:]
        for w in x0Windows {
            out[w] = x0Stats.first { $0.window == w }?.variance(rows: rows, dim: d) ?? Array(repeating: 0, count: rows)
        }
        return out
    }

    mutating func execute(_ tick: () -> Bool) throws {
        if config.kind.isFlow { try runFlow(tick) } else { try runDiffusion(tick) }
    }

    // MARK: flow matching: t from 1 (noise) to 0 (data), x ← x + (t_next − t)·v
    mutating func runFlow(_ tick: () -> Bool) throws {
        let n = config.steps
        try record(step: 0, total: n)
        for k in 0..<n {
            let t = 1 - Float(k) / Float(n), tn = 1 - Float(k + 1) / Float(n), dt = tn - t
            try predict(bufs.x, time: t)
            if config.varianceWindow > 0 { backend.axpby(a: 1, x: v(bufs.x), b: -t, y: v(bufs.out), out: v(bufs.x0)) }
            if config.kind == .flowHeun {
                backend.copy(v(bufs.out), to: v(bufs.aux))                                   // v1
                backend.axpby(a: 1, x: v(bufs.x), b: dt, y: v(bufs.aux), out: v(bufs.tmp))   // Euler guess
                try predict(bufs.tmp, time: tn)                                              // v2 in out
                backend.axpbypcz(a: 1, x: v(bufs.x), b: dt / 2, y: v(bufs.aux), c: dt / 2, z: v(bufs.out), out: v(bufs.x))
            } else {
                backend.axpby(a: 1, x: v(bufs.x), b: dt, y: v(bufs.out), out: v(bufs.x))
            }
            try trackX0(step: k + 1, total: n)
            try record(step: k + 1, total: n)
            if !tick() { throw SamplingCancelled() }
        }
    }

    // MARK: diffusion samplers on the strided grid
    mutating func runDiffusion(_ tick: () -> Bool) throws {
        let sched = sampler.schedule!
        let tau = config.spacing.indices(steps: config.steps, schedule: sched)
        let n = tau.count
        let x = bufs.x, eps = bufs.eps, x0 = bufs.x0, z = bufs.z
        var x0PrevValid = false
        var hPrev = 0.0
        try record(step: 0, total: n)
        for k in 0..<n {
            let i = tau[k], p = k + 1 < n ? tau[k + 1] : -1
            let ab = sched.alphaBar(i), abp = sched.alphaBar(p)
            let last = p < 0
            try predictEpsX0(x, index: i, eps: eps, x0: x0)
            try trackX0(step: k + 1, total: n)
            switch config.kind {
            case .ddpm, .ddpmLarge:
                let betaP = 1 - ab / abp
                let cx0 = abp.squareRoot() * betaP / (1 - ab)
                let cx = (1 - betaP).squareRoot() * (1 - abp) / (1 - ab)
                let variance = config.kind == .ddpm ? (1 - abp) / (1 - ab) * betaP : betaP
                if last {
                    backend.copy(v(x0), to: v(x))
                } else {
                    noise(into: z)
                    backend.axpbypcz(a: Float(cx0), x: v(x0), b: Float(cx), y: v(x), c: Float(variance.squareRoot()), z: v(z), out: v(x))
                }
            case .ddim:
                let sigma = config.eta * ((1 - abp) / (1 - ab)).squareRoot() * max(1 - ab / abp, 0).squareRoot()
                let dir = max(1 - abp - sigma * sigma, 0).squareRoot()
                if sigma > 0 {
                    noise(into: z)
                    backend.axpbypcz(a: Float(abp.squareRoot()), x: v(x0), b: Float(dir), y: v(eps), c: Float(sigma), z: v(z), out: v(x))
                } else {
                    backend.axpby(a: Float(abp.squareRoot()), x: v(x0), b: Float(dir), y: v(eps), out: v(x))
                }
            case .sde, .pc:
                if last {
                    backend.copy(v(x0), to: v(x))
                } else {
                    // x ← x + (½x + ∇log p)·B + √B·z,  ∇log p = −ε̂/√(1−ab),  B = ∫β = log(abp/ab)
                    let Bk = log(abp / ab)
                    noise(into: z)
                    backend.axpbypcz(a: Float(1 + Bk / 2), x: v(x), b: Float(-Bk / (1 - ab).squareRoot()), y: v(eps),
                                     c: Float(Bk.squareRoot()), z: v(z), out: v(x))
                    if config.kind == .pc { try langevinCorrector(index: p) }
                }
            case .ode, .edmHeun:
                // Heun on the probability-flow ODE in σ-space: x̃ = x/√ᾱ, σ = √((1−ᾱ)/ᾱ), dx̃/dσ = ε̂
                let sk = ((1 - ab) / ab).squareRoot(), sp = ((1 - abp) / abp).squareRoot()
                let scale = (abp / ab).squareRoot(), c = abp.squareRoot() * (sp - sk)
                if last {
                    backend.copy(v(x0), to: v(x))
                } else {
                    backend.axpby(a: Float(scale), x: v(x), b: Float(c), y: v(eps), out: v(bufs.tmp))   // Euler guess at p
                    backend.copy(v(eps), to: v(bufs.aux))                                              // ε̂ at i
                    try predictEpsX0(bufs.tmp, index: p, eps: eps, x0: z)                              // ε̂ at p (x̂0 into scratch z)
                    backend.axpbypcz(a: Float(scale), x: v(x), b: Float(c / 2), y: v(bufs.aux), c: Float(c / 2), z: v(eps), out: v(x))
                }
            case .dpmpp2m:
                if last {
                    backend.copy(v(x0), to: v(x))
                } else {
                    let ak = ab.squareRoot(), sk = (1 - ab).squareRoot()
                    let ap = abp.squareRoot(), sp = (1 - abp).squareRoot()
                    let h = log(ap / sp) - log(ak / sk)
                    let phi = -ap * (exp(-h) - 1)          // weight of D
                    // second order except on the first step and, below 15 steps, on the step into the
                    // last grid point (lower-order final: the extrapolation is unstable there)
                    let lowerOrderFinal = n < 15 && k == n - 2
                    if x0PrevValid && !lowerOrderFinal {
                        let r = hPrev / h
                        backend.axpbypcz(a: Float(sp / sk), x: v(x), b: Float(phi * (1 + 1 / (2 * r))), y: v(x0),
                                         c: Float(-phi / (2 * r)), z: v(bufs.aux), out: v(x))
                    } else {
                        backend.axpby(a: Float(sp / sk), x: v(x), b: Float(phi), y: v(x0), out: v(x))
                    }
                    backend.copy(v(x0), to: v(bufs.aux))
                    x0PrevValid = true
                    hPrev = h
                }
            case .langevin:
                try annealedLangevin(index: i, ab: ab)
                if last { try predictEpsX0(x, index: i, eps: eps, x0: x0); backend.copy(v(x0), to: v(x)) }
            case .flowEuler, .flowHeun:
                preconditionFailure("flow sampler on the diffusion path")
            }
            try record(step: k + 1, total: n)
            if !tick() { throw SamplingCancelled() }
        }
    }

    /// Langevin corrector at schedule index p (Song et al. 2021, Alg. 5):
    /// ε = 2·α_p·(r·‖z‖/‖s‖)², x ← x + ε·s + √(2ε)·z with s = −ε̂/√(1−ᾱ_p).
    mutating func langevinCorrector(index p: Int) throws {
        let sched = sampler.schedule!
        let ab = sched.alphaBar(p), alpha = 1 - sched.betas[p]
        for _ in 0..<max(config.langevinSteps, 1) {
            try predictEpsX0(bufs.x, index: p, eps: bufs.eps, x0: bufs.tmp)
            noise(into: bufs.z)
            backend.sumOfSquares(v(bufs.eps), out: bufs.norm)
            let epsNormSq = Double(try backend.read(bufs.norm)[0])
            backend.sumOfSquares(v(bufs.z), out: bufs.norm)
            let zNormSq = Double(try backend.read(bufs.norm)[0])
            let scoreNorm = (epsNormSq / (1 - ab)).squareRoot()
            guard scoreNorm > 0 else { continue }
            let ratio = config.langevinSNR * zNormSq.squareRoot() / scoreNorm
            let step = 2 * alpha * ratio * ratio
            backend.axpbypcz(a: 1, x: v(bufs.x), b: Float(-step / (1 - ab).squareRoot()), y: v(bufs.eps),
                             c: Float((2 * step).squareRoot()), z: v(bufs.z), out: v(bufs.x))
        }
    }

    /// Annealed Langevin dynamics at one noise level: L steps x ← x + (ε/2)·s + √ε·z with
    /// ε = c·(1−ᾱ_i), c = langevinSNR (step size relative to the level's noise variance).
    mutating func annealedLangevin(index i: Int, ab: Double) throws {
        let stepSize = config.langevinSNR * (1 - ab)
        for _ in 0..<max(config.langevinSteps, 1) {
            try predictEpsX0(bufs.x, index: i, eps: bufs.eps, x0: bufs.tmp)
            noise(into: bufs.z)
            backend.axpbypcz(a: 1, x: v(bufs.x), b: Float(-stepSize / 2 / (1 - ab).squareRoot()), y: v(bufs.eps),
                             c: Float(stepSize.squareRoot()), z: v(bufs.z), out: v(bufs.x))
        }
    }
}

/// Running sums of x̂0 (rows·d values) over the steps of one window.
struct X0WindowStats {
    let window: Int
    var sum: [Double]
    var sumSq: [Double]
    var count = 0

    init(window: Int, values: Int) {
        self.window = window
        sum = Array(repeating: 0, count: values)
        sumSq = sum
    }

    mutating func add(_ x0: [Float]) {
        for k in 0..<x0.count { let v = Double(x0[k]); sum[k] += v; sumSq[k] += v * v }
        count += 1
    }

    /// population variance over the window's steps, averaged over the d dimensions of each row
    func variance(rows: Int, dim d: Int) -> [Float] {
        guard count > 1 else { return Array(repeating: 0, count: rows) }
        let n = Double(count)
        return (0..<rows).map { r in
            var s = 0.0
            for j in 0..<d {
                let m = sum[r * d + j] / n
                s += max(sumSq[r * d + j] / n - m * m, 0)
            }
            return Float(s / Double(d))
        }
    }
}
