// Embeddings.swift — sinusoidal time embedding (vectorised sin/cos), label embedding forward
// and backward, and the column copy used for concatenation.
import DiffusionCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Rows [b0, b1) of the time embedding: t (B), out (B, dim); freqs (dim/2) from ReferenceMath.
func timeEmbeddingKernel(_ t: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, dim: Int, scale: Float,
                         freqs: UnsafePointer<Float>, _ b0: Int, _ b1: Int) {
    let half = dim / 2
    var maxFreq: Float = 0
    for i in 0..<half { maxFreq = max(maxFreq, abs(freqs[i])) }
    for b in b0..<b1 {
        let st = scale * t[b]
        let row = out + b * dim
        var i = 0
        if abs(st) * maxFreq <= vsincosMaxArgument {
            while i + 8 <= half {
                let (s, c) = vsincos(F8(repeating: st) * load8(freqs + i))
                store8(s, row + i); store8(c, row + half + i)
                i += 8
            }
        }
        while i < half {
            let arg = st * freqs[i]
            row[i] = sinf(arg); row[half + i] = cosf(arg)
            i += 1
        }
    }
}

/// out[b,:] = table[label[b], :]  for labels (B), table (V, E), out (B, E)
func embeddingForwardKernel(_ labels: UnsafePointer<Float>, _ table: UnsafePointer<Float>, vocabulary: Int,
                            _ out: UnsafeMutablePointer<Float>, batch: Int, dim: Int) {
    for b in 0..<batch {
        let row = checkedLabel(labels[b], vocabulary: vocabulary, index: b, op: "embeddingForward")
        (out + b * dim).update(from: table + row * dim, count: dim)
    }
}

/// dTable[label[b], :] += dOut[b, :]
func embeddingBackwardKernel(_ labels: UnsafePointer<Float>, _ dOut: UnsafePointer<Float>,
                             _ dTable: UnsafeMutablePointer<Float>, vocabulary: Int, batch: Int, dim: Int) {
    for b in 0..<batch {
        let row = checkedLabel(labels[b], vocabulary: vocabulary, index: b, op: "embeddingBackward")
        axpbyKernel(1, dTable + row * dim, 1, dOut + b * dim, dTable + row * dim, 0, dim)
    }
}

@inline(__always)
private func checkedLabel(_ value: Float, vocabulary: Int, index: Int, op: String) -> Int {
    let row = Int(exactly: value) ?? -1
    shapeCheck(row >= 0 && row < vocabulary,
                 "\(op): label \(value) at batch index \(index) is not a row of the \(vocabulary)-row table")
    return row
}

/// dst[r, dstCol + c] = src[r, srcCol + c] for rows [r0, r1), c in 0..<width
func copyColumnsKernel(_ src: UnsafePointer<Float>, srcCols: Int, srcCol: Int,
                       _ dst: UnsafeMutablePointer<Float>, dstCols: Int, dstCol: Int, width: Int, _ r0: Int, _ r1: Int) {
    if width == 2 {
        for r in r0..<r1 {
            let s = src + r * srcCols + srcCol, d = dst + r * dstCols + dstCol
            d[0] = s[0]; d[1] = s[1]
        }
        return
    }
    for r in r0..<r1 {
        let s = src + r * srcCols + srcCol, d = dst + r * dstCols + dstCol
        var c = 0
        while c + 8 <= width { store8(load8(s + c), d + c); c += 8 }
        while c < width { d[c] = s[c]; c += 1 }
    }
}
