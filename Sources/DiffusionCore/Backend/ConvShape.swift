// ConvShape.swift — the shape of a 2-D convolution over NCHW tensors (conv2dForward /
// conv2dBackward). A 1-D convolution over time (the temporal U-Net) is the case height = 1,
// kernelH = 1, padH = 0: the input (B, C, 1, T) is a (B, C, T) tensor.

/// Input (B, C, H, W), weight (O, C, KH, KW), bias (O), output (B, O, OH, OW) with
/// OH = (H + 2·padH − KH) / stride + 1, OW = (W + 2·padW − KW) / stride + 1 (zero padding).
public struct Conv2DShape: Codable, Equatable, Sendable, CustomStringConvertible {
    public var batch: Int
    public var inChannels: Int
    public var height: Int
    public var width: Int
    public var outChannels: Int
    public var kernelH: Int
    public var kernelW: Int
    public var stride: Int
    public var padH: Int
    public var padW: Int

    public init(batch: Int, inChannels: Int, height: Int, width: Int, outChannels: Int,
                kernelH: Int, kernelW: Int, stride: Int = 1, padH: Int, padW: Int) {
        self.batch = batch; self.inChannels = inChannels; self.height = height; self.width = width
        self.outChannels = outChannels; self.kernelH = kernelH; self.kernelW = kernelW
        self.stride = stride; self.padH = padH; self.padW = padW
    }

    /// A square-kernel 2-D convolution with "same" padding K/2 (same-size output at stride 1).
    public static func same(batch: Int, inChannels: Int, height: Int, width: Int, outChannels: Int,
                            kernel: Int, stride: Int = 1) -> Conv2DShape {
        Conv2DShape(batch: batch, inChannels: inChannels, height: height, width: width, outChannels: outChannels,
                    kernelH: kernel, kernelW: kernel, stride: stride, padH: kernel / 2, padW: kernel / 2)
    }

    /// A 1-D convolution over `length` time steps, input (B, C, T), kernel K, padding K/2:
    /// the H = 1, KH = 1 case.
    public static func conv1d(batch: Int, inChannels: Int, length: Int, outChannels: Int,
                              kernel: Int, stride: Int = 1) -> Conv2DShape {
        Conv2DShape(batch: batch, inChannels: inChannels, height: 1, width: length, outChannels: outChannels,
                    kernelH: 1, kernelW: kernel, stride: stride, padH: 0, padW: kernel / 2)
    }

    public var outHeight: Int { (height + 2 * padH - kernelH) / stride + 1 }
    public var outWidth: Int { (width + 2 * padW - kernelW) / stride + 1 }
    /// Floats in x (B·C·H·W), weight (O·C·KH·KW), y (B·O·OH·OW).
    public var inputCount: Int { batch * inChannels * height * width }
    public var weightCount: Int { outChannels * inChannels * kernelH * kernelW }
    public var outputCount: Int { batch * outChannels * outHeight * outWidth }
    /// Terms of one output's dot product (C·KH·KW), the GEMM's k.
    public var patchSize: Int { inChannels * kernelH * kernelW }

    /// Nil when the shape is usable, else what is wrong with it.
    public var problem: String? {
        if batch < 0 || inChannels < 1 || outChannels < 1 || height < 1 || width < 1 { return "sizes must be positive: \(self)" }
        if kernelH < 1 || kernelW < 1 { return "kernel must be at least 1×1: \(self)" }
        if stride != 1 && stride != 2 { return "stride must be 1 or 2: \(self)" }
        if padH < 0 || padW < 0 || padH >= kernelH || padW >= kernelW { return "padding must be in [0, kernel): \(self)" }
        if height + 2 * padH < kernelH || width + 2 * padW < kernelW { return "kernel larger than the padded input: \(self)" }
        return nil
    }

    public var description: String {
        "x(\(batch),\(inChannels),\(height),\(width)) * w(\(outChannels),\(inChannels),\(kernelH),\(kernelW)) stride \(stride) pad (\(padH),\(padW))"
    }
}
