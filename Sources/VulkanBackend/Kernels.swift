// Kernels.swift — the table of shader variants the backend uses (compiled at start) and the
// per-device launch shapes (workgroup sizes and matmul tiles, passed as specialization constants).
import DiffusionCore

enum Kernels {
    static func matmul(transA: Bool, transB: Bool, direct: Bool) -> ShaderVariant {
        ShaderVariant("matmul", (transA ? ["TRANS_A"] : []) + (transB ? ["TRANS_B"] : []) + (direct ? ["DIRECT"] : []))
    }
    static func linearForward(direct: Bool) -> ShaderVariant {
        ShaderVariant("matmul", ["TRANS_B", "BIAS"] + (direct ? ["DIRECT"] : []))
    }
    static func activationForward(_ act: Activation) -> ShaderVariant { ShaderVariant("activationForward", [act.define]) }
    static func activationBackward(_ act: Activation) -> ShaderVariant { ShaderVariant("activationBackward", [act.define]) }
    static let fill = ShaderVariant("fill")
    static let copy = ShaderVariant("copy")
    static let biasBackward = ShaderVariant("biasBackward")
    static let axpby = ShaderVariant("axpby")
    static let axpbypcz = ShaderVariant("axpbypcz")
    static let rowCombine = ShaderVariant("rowCombine")
    static let sumOfSquares = ShaderVariant("sumOfSquares")
    static let sumOfSquaresFinal = ShaderVariant("sumOfSquares", ["FINAL"])
    static let rowSumOfSquares = ShaderVariant("rowSumOfSquares")
    static let copyColumns = ShaderVariant("copyColumns")
    static let timeEmbedding = ShaderVariant("timeEmbedding")
    static let embeddingForward = ShaderVariant("embeddingForward")
    static let embeddingBackward = ShaderVariant("embeddingBackward")
    static let mseLoss = ShaderVariant("mseLoss")
    static let adamwStep = ShaderVariant("adamwStep")
    static let emaUpdate = ShaderVariant("emaUpdate")
    static let gaussianNoise = ShaderVariant("gaussianNoise")
    static let philoxRawWords = ShaderVariant("gaussianNoise", ["RAW_WORDS"])
    static let conv2dIm2col = ShaderVariant("conv2dForward", ["IM2COL"])
    static let conv2dScatter = ShaderVariant("conv2dForward", ["SCATTER"])
    static let conv2dGather = ShaderVariant("conv2dBackward", ["GATHER"])
    static let conv2dCol2im = ShaderVariant("conv2dBackward", ["COL2IM"])
    static let conv2dBiasGrad = ShaderVariant("conv2dBackward", ["BIAS_GRAD"])
    static let groupNormForward = ShaderVariant("groupNormForward")
    static let groupNormInputGrad = ShaderVariant("groupNormBackward", ["INPUT_GRAD"])
    static let groupNormParamGrad = ShaderVariant("groupNormBackward", ["PARAM_GRAD"])
    static let filmForward = ShaderVariant("filmForward")
    static let filmBackward = ShaderVariant("filmBackward")
    static let upsampleNearestForward = ShaderVariant("upsampleNearestForward")
    static let upsampleNearestBackward = ShaderVariant("upsampleNearestBackward")
    static let imageOps = [conv2dIm2col, conv2dScatter, conv2dGather, conv2dCol2im, conv2dBiasGrad, groupNormForward,
                           groupNormInputGrad, groupNormParamGrad, filmForward, filmBackward,
                           upsampleNearestForward, upsampleNearestBackward]
    /// gaussianNoise with the driver's log made as wrong as the Vulkan spec allows (tests only)
    static let gaussianNoiseWorstCaseLog = ShaderVariant("gaussianNoise", ["WORST_CASE_LOG"])

    /// Every variant the backend uses with this matmul kernel, compiled when it starts.
    static func all(direct: Bool, worstCaseLog: Bool = false) -> [ShaderVariant] {
        var list = [linearForward(direct: direct), fill, copy, biasBackward, axpby, axpbypcz, rowCombine, sumOfSquares, sumOfSquaresFinal,
                    rowSumOfSquares, copyColumns, timeEmbedding, embeddingForward, embeddingBackward, mseLoss,
                    adamwStep, emaUpdate, worstCaseLog ? gaussianNoiseWorstCaseLog : gaussianNoise, philoxRawWords]
        list += imageOps
        for ta in [false, true] { for tb in [false, true] { list.append(matmul(transA: ta, transB: tb, direct: direct)) } }
        for act in Activation.allCases { list += [activationForward(act), activationBackward(act)] }
        return list
    }

    /// Preferred invocations per workgroup of the 1-D kernels (a power of two: reductions need
    /// it); devices with a smaller limit get the largest power of two they allow.
    static let preferredGroupSize: UInt32 = 256
    static func groupSize(maxInvocations: UInt32, maxSizeX: UInt32) -> UInt32 {
        var g = preferredGroupSize
        while g > 1 && (g > maxInvocations || g > maxSizeX) { g /= 2 }
        return g
    }
    /// Workgroups of a partial-sum pass (fixed per element count → deterministic order).
    static let maxReductionGroups = 256
    /// Floats per scratch buffer of a convolution (column matrices): batch items are processed
    /// in chunks that fit (at least one item, whatever its size).
    static let convScratchFloats = 1 << 22
    /// Upper bound on workgroups of a grid-stride kernel.
    static let maxGroups: UInt32 = 4096
}

extension Activation {
    var define: String { rawValue.uppercased() }
}

/// Matmul tiling for a device: workgroup (wgX × wgY), register block (regM × regN), tileK
/// (unused by the direct kernel). The tile of C per workgroup is (wgY·regM) × (wgX·regN).
struct MatmulTiling: Equatable {
    var direct: Bool
    var wgX: UInt32, wgY: UInt32, regM: UInt32, regN: UInt32, tileK: UInt32
    var tileM: UInt32 { wgY * regM }
    var tileN: UInt32 { wgX * regN }
    var specialization: [UInt32] { [wgX, wgY, regM, regN, tileK] }

    /// GPUs: 64×64 tiles of 16×16 invocations with 4×4 register blocks, staged through shared
    /// memory. CPU implementations (lavapipe) run a workgroup's invocations as SIMD lanes and
    /// pay heavily for barriers: there the direct kernel with 8×8 register blocks (64×64 tiles;
    /// measured ~2 GFLOP/s on lavapipe vs ~0.3 for the shared-memory kernel).
    /// Devices allowing fewer than 256 invocations per workgroup (the Vulkan minimum is 128) get
    /// 16×8 workgroups for the tiled kernel (8×8 below 128).
    static func forDevice(type: String, kernel: MatmulKernel, maxInvocations: UInt32) -> MatmulTiling {
        let direct = kernel == .direct || (kernel == .auto && type == "cpu-vulkan")
        if direct { return MatmulTiling(direct: true, wgX: 8, wgY: 8, regM: 8, regN: 8, tileK: 8) }
        let wgY: UInt32 = maxInvocations >= 256 ? 16 : maxInvocations >= 128 ? 8 : 4
        return MatmulTiling(direct: false, wgX: 16, wgY: wgY, regM: 4, regN: 4, tileK: 16)
    }
}
