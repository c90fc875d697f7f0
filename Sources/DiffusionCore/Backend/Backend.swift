// Backend.swift — the op set every compute backend implements (CPU SIMD, Vulkan).
//
// Training and sampling code talks only to this protocol. All tensors are fp32 and live in
// backend-owned buffers (`DeviceBuffer`); an op names sub-ranges of them as `BufferView`s, so
// the whole model can live in one flat parameter buffer with named offsets.
//
// Semantics shared by every backend:
// - Matrices are row-major. Shapes are given in the doc comment of each op as (rows, cols).
// - Ops are *enqueued*: a backend may run them at once (CPU) or record them and run them on
//   `synchronize()` / `read` (Vulkan). Ops on the same backend execute in call order.
// - Backward ops ACCUMULATE into parameter gradients (dW, db, dTable) and OVERWRITE input
//   gradients (dx). Callers zero parameter gradients with `fill(grad, 0)` once per step.
// - Labels / class indices are stored as Float (exact below 2^24) so there is one buffer type.
// - Outputs may not alias inputs unless the op says so.

/// A buffer of `count` floats owned by a backend. Backends downcast to their own type.
public protocol DeviceBuffer: AnyObject {
    var count: Int { get }
}

/// A contiguous sub-range [offset, offset+count) of a device buffer.
public struct BufferView {
    public let buffer: DeviceBuffer
    public let offset: Int
    public let count: Int

    public init(_ buffer: DeviceBuffer, offset: Int = 0, count: Int? = nil) {
        let n = count ?? (buffer.count - offset)
        precondition(offset >= 0 && n >= 0 && offset + n <= buffer.count,
                     "BufferView [\(offset), \(offset + n)) outside buffer of \(buffer.count)")
        self.buffer = buffer
        self.offset = offset
        self.count = n
    }

    /// A sub-view relative to this view.
    public func slice(_ offset: Int, _ count: Int) -> BufferView {
        precondition(offset >= 0 && count >= 0 && offset + count <= self.count,
                     "slice [\(offset), \(offset + count)) outside view of \(self.count)")
        return BufferView(buffer, offset: self.offset + offset, count: count)
    }
}

public enum Activation: String, Codable, CaseIterable, Sendable {
    /// mish(x) = x·tanh(softplus(x)) (Misra 2019; the temporal U-Net of diffusion policies uses it)
    case silu, gelu, relu, mish
}

/// What a backend says about itself (for `diffctl info`, logs and benchmarks).
public struct BackendInfo: Codable, Equatable, Sendable {
    public var kind: String          // "cpu" | "vulkan"
    public var deviceName: String    // e.g. "AMD EPYC (2 threads)" or "llvmpipe (LLVM 15.0.6, 256 bits)"
    public var deviceType: String    // "cpu" | "discrete-gpu" | "integrated-gpu" | "virtual-gpu" | "cpu-vulkan"
    public var detail: String        // free text: Vulkan version, thread count, shader cache state...
    public init(kind: String, deviceName: String, deviceType: String, detail: String) {
        self.kind = kind; self.deviceName = deviceName; self.deviceType = deviceType; self.detail = detail
    }
}

public protocol Backend: AnyObject {
    var info: BackendInfo { get }

    // MARK: memory
    /// A new zero-filled buffer of `count` floats.
    func makeBuffer(count: Int) throws -> DeviceBuffer
    /// Host → device copy of `values.count` floats into `view` (values.count == view.count).
    func write(_ values: [Float], to view: BufferView)
    /// Device → host copy. Waits for all enqueued work first. Throws the device error (lost
    /// device, fence timeout, ...) when any op since the backend was made failed: a result read
    /// after an error is never returned. (The CPU backends cannot fail and do not throw.)
    func read(_ view: BufferView) throws -> [Float]
    /// Waits until every enqueued op has finished. Throws a device error (lost device, etc.).
    func synchronize() throws
    /// dst = src (same count; may be different buffers or non-overlapping ranges of one).
    func copy(_ src: BufferView, to dst: BufferView)
    /// x[i] = value
    func fill(_ x: BufferView, value: Float)

    // MARK: dense layers
    /// General matrix multiply:  C(M,N) = alpha · op(A) · op(B) + beta · C
    /// op(A) is (M,K): A stored (M,K) if !transA, (K,M) if transA.
    /// op(B) is (K,N): B stored (K,N) if !transB, (N,K) if transB.
    /// beta == 0 overwrites C (C's old contents, even NaN, are ignored).
    func matmul(_ a: BufferView, _ b: BufferView, _ c: BufferView,
                m: Int, n: Int, k: Int, transA: Bool, transB: Bool, alpha: Float, beta: Float)
    /// y(B,OUT) = x(B,IN) · W(OUT,IN)^T + bias(OUT)
    func linearForward(x: BufferView, weight: BufferView, bias: BufferView, y: BufferView,
                       batch: Int, inFeatures: Int, outFeatures: Int)
    /// Given dy(B,OUT): dx(B,IN) = dy · W  (overwritten; skipped when dx is nil),
    /// dW(OUT,IN) += dy^T · x,  dBias(OUT) += Σ_rows dy.
    func linearBackward(x: BufferView, weight: BufferView, dy: BufferView,
                        dx: BufferView?, dWeight: BufferView, dBias: BufferView,
                        batch: Int, inFeatures: Int, outFeatures: Int)
    /// dBias(N) += Σ_rows dy(R,N)
    func biasBackward(dy: BufferView, dBias: BufferView, rows: Int, cols: Int)

    // MARK: activations (elementwise, x and y have equal counts)
    /// y = act(x)   (y may alias x)
    func activationForward(_ act: Activation, x: BufferView, y: BufferView)
    /// dx = dy ⊙ act'(x)   (x is the pre-activation input of the forward pass; dx overwritten,
    /// dx may alias dy)
    func activationBackward(_ act: Activation, x: BufferView, dy: BufferView, dx: BufferView)

    // MARK: elementwise arithmetic
    /// out = a·x + b·y   (out may alias x or y)
    func axpby(a: Float, x: BufferView, b: Float, y: BufferView, out: BufferView)
    /// out = a·x + b·y + c·z   (out may alias any input) — the fused sampler update
    func axpbypcz(a: Float, x: BufferView, b: Float, y: BufferView, c: Float, z: BufferView, out: BufferView)
    /// Row-scaled combination: out[r,:] = ca[r]·x[r,:] + cb[r]·y[r,:] for x, y, out (R,C), ca, cb (R).
    /// Used for q(x_t | x_0) noising and per-example targets in training. out may alias x or y.
    func rowCombine(ca: BufferView, x: BufferView, cb: BufferView, y: BufferView, out: BufferView, rows: Int, cols: Int)
    /// out[0] = Σ x[i]²   (out is a 1-element view)
    func sumOfSquares(_ x: BufferView, out: BufferView)
    /// out[r] = Σ_c x[r,c]²  for x (R,C), out (R)
    func rowSumOfSquares(_ x: BufferView, out: BufferView, rows: Int, cols: Int)
    /// Column copy for concatenation: dst[r, dstCol + c] = src[r, srcCol + c] for c in 0..<width,
    /// with src (R, srcCols) and dst (R, dstCols). Used forward (concat) and backward (split).
    func copyColumns(src: BufferView, srcCols: Int, srcCol: Int,
                     dst: BufferView, dstCols: Int, dstCol: Int, rows: Int, width: Int)

    // MARK: embeddings
    /// Sinusoidal time embedding: t (B), out (B, dim), dim even, half = dim/2,
    /// freq_i = exp(-ln(10000)·i/half), out[b,i] = sin(scale·t[b]·freq_i), out[b,half+i] = cos(scale·t[b]·freq_i).
    func timeEmbedding(t: BufferView, out: BufferView, batch: Int, dim: Int, scale: Float)
    /// out[b,:] = table[label[b], :]   labels (B) as Float, table (V, E), out (B, E)
    func embeddingForward(labels: BufferView, table: BufferView, out: BufferView, batch: Int, dim: Int)
    /// dTable[label[b], :] += dOut[b, :]   (accumulates)
    func embeddingBackward(labels: BufferView, dOut: BufferView, dTable: BufferView, batch: Int, dim: Int)

    // MARK: image and sequence layers (U-Net, temporal U-Net); tensors are NCHW, row-major
    /// 2-D convolution, zero padding (see `Conv2DShape`; 1-D over time is height = kernelH = 1):
    /// x (B,C,H,W), weight (O,C,KH,KW), bias (O), y (B,O,OH,OW) overwritten:
    /// y[b,o,i,j] = bias[o] + Σ_{c,ky,kx} w[o,c,ky,kx] · x[b,c, i·stride+ky−padH, j·stride+kx−padW].
    func conv2dForward(x: BufferView, weight: BufferView, bias: BufferView, y: BufferView, shape: Conv2DShape)
    /// Given dy (B,O,OH,OW): dx (B,C,H,W) overwritten (skipped when nil), dWeight (O,C,KH,KW)
    /// and dBias (O) accumulated (dBias[o] += Σ_{b,i,j} dy[b,o,i,j]).
    func conv2dBackward(x: BufferView, weight: BufferView, dy: BufferView,
                        dx: BufferView?, dWeight: BufferView, dBias: BufferView, shape: Conv2DShape)
    /// Group normalization with affine: x, y (B,C,S) with S = spatial size (H·W, or T),
    /// G groups of C/G consecutive channels (G divides C), gamma and beta (C), stats (B,G,2):
    /// per (b,g) over its n = (C/G)·S values, mean μ and rstd = 1/√(σ² + eps) (σ² biased),
    /// stored stats[2(b·G+g)] = μ, stats[2(b·G+g)+1] = rstd (for the backward).
    /// y = (x − μ)·rstd·gamma[c] + beta[c]. y and stats overwritten; y may not alias x.
    func groupNormForward(x: BufferView, gamma: BufferView, beta: BufferView, y: BufferView, stats: BufferView,
                          batch: Int, channels: Int, spatial: Int, groups: Int, eps: Float)
    /// Given dy (B,C,S) and the forward's stats (B,G,2): with x̂ = (x − μ)·rstd, per group
    /// dx = rstd·(gamma·dy − mean(gamma·dy) − x̂·mean(gamma·dy·x̂)) (overwritten; dx may alias dy),
    /// dGamma[c] += Σ_{b,s} dy·x̂, dBeta[c] += Σ_{b,s} dy (accumulated: parameters).
    func groupNormBackward(x: BufferView, gamma: BufferView, stats: BufferView, dy: BufferView,
                           dx: BufferView, dGamma: BufferView, dBeta: BufferView,
                           batch: Int, channels: Int, spatial: Int, groups: Int)
    /// FiLM conditioning: x, y (B,C,S), scale and shift (B,C) broadcast over S:
    /// y[b,c,s] = x[b,c,s]·(1 + scale[b,c]) + shift[b,c]. y overwritten, may alias x.
    func filmForward(x: BufferView, scale: BufferView, shift: BufferView, y: BufferView,
                     batch: Int, channels: Int, spatial: Int)
    /// Given dy (B,C,S): dx = dy·(1 + scale) (B,C,S), dScale[b,c] = Σ_s dy·x, dShift[b,c] = Σ_s dy
    /// (B,C). All three OVERWRITTEN: scale and shift are activations (the output of an embedding
    /// MLP, whose own backward takes them), not parameters. dx may alias dy.
    func filmBackward(x: BufferView, scale: BufferView, dy: BufferView,
                      dx: BufferView, dScale: BufferView, dShift: BufferView,
                      batch: Int, channels: Int, spatial: Int)
    /// Nearest-neighbour upsampling: x (B,C,H,W) → y (B,C,H·factorH, W·factorW), factors ≥ 1
    /// (2,2 for images; 1,2 for a 1-D sequence, H = 1): y[b,c,i,j] = x[b,c,i/factorH,j/factorW].
    /// y overwritten. Concatenation along channels for skips needs no op of its own: with each
    /// batch item as one row, (B, C1·S) ++ (B, C2·S) → (B, (C1+C2)·S) is `copyColumns`.
    func upsampleNearestForward(x: BufferView, y: BufferView, batch: Int, channels: Int,
                                height: Int, width: Int, factorH: Int, factorW: Int)
    /// Given dy (B,C,H·factorH,W·factorW): dx[b,c,i,j] = Σ of its factorH·factorW children
    /// (B,C,H,W), overwritten.
    func upsampleNearestBackward(dy: BufferView, dx: BufferView, batch: Int, channels: Int,
                                 height: Int, width: Int, factorH: Int, factorW: Int)

    // MARK: loss
    /// Mean squared error over all N = pred.count elements:
    /// lossOut[0] = (1/N)·Σ (pred−target)²,  dPred = (2/N)·(pred−target)  (overwritten).
    func mseLoss(pred: BufferView, target: BufferView, dPred: BufferView, lossOut: BufferView)

    // MARK: optimizer
    /// AdamW with bias correction and global-norm clipping done on the device:
    /// g = grad · min(1, clipNorm / sqrt(gradNormSquared[0]))   (no clipping when clipNorm <= 0)
    /// m = β1 m + (1−β1) g;  v = β2 v + (1−β2) g²
    /// p -= lr · ( (m / (1−β1^step)) / (sqrt(v / (1−β2^step)) + eps) + weightDecay · p )
    /// `step` counts from 1. gradNormSquared is a 1-element view (from `sumOfSquares(grad)`).
    func adamwStep(params: BufferView, grads: BufferView, m: BufferView, v: BufferView,
                   gradNormSquared: BufferView, hyper: AdamWHyper)
    /// ema = decay·ema + (1−decay)·params
    func emaUpdate(ema: BufferView, params: BufferView, decay: Float)

    // MARK: noise
    /// Standard normal noise: Philox4x32-10 + Box–Muller (see `Philox.swift` for the exact
    /// counter layout). Element i of `out` gets normal number (counterBase·4 + i) of stream (seed).
    func gaussianNoise(out: BufferView, seed: UInt64, counterBase: UInt64)
}

/// Per-step AdamW hyper-parameters.
public struct AdamWHyper: Equatable, Sendable {
    public var lr: Float
    public var beta1: Float
    public var beta2: Float
    public var eps: Float
    public var weightDecay: Float
    public var clipNorm: Float
    public var step: Int
    public init(lr: Float, beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8,
                weightDecay: Float = 0, clipNorm: Float = 0, step: Int) {
        self.lr = lr; self.beta1 = beta1; self.beta2 = beta2; self.eps = eps
        self.weightDecay = weightDecay; self.clipNorm = clipNorm; self.step = step
    }
}

public extension Backend {
    /// A new buffer filled with `values`.
    func makeBuffer(_ values: [Float]) throws -> DeviceBuffer {
        let b = try makeBuffer(count: values.count)
        write(values, to: BufferView(b))
        return b
    }
    func view(_ b: DeviceBuffer) -> BufferView { BufferView(b) }
}
