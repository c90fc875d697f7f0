// RegressionPredict.swift — draws from a model trained with the `regression` objective (the
// behaviour-cloning baseline): the network's output at x = 0, model time 0.5 (training showed it
// x = 0 at every level, so any level is in distribution), one forward pass per batch of rows.
// Deterministic: the same conditioning gives the same output, so it cannot pick between modes.
import Foundation

public enum RegressionPredict {
    /// `count` rows (count × dataDim) in the network's units, conditioning as set on `denoiser`.
    public static func run(_ denoiser: Denoiser, count: Int, maxBatch: Int) throws -> [Float] {
        precondition(denoiser.objective == .regression, "RegressionPredict needs a regression model")
        let d = denoiser.dataDim, B = max(1, min(maxBatch, count))
        let backend = denoiser.backend
        let x = try backend.makeBuffer(count: B * d), out = try backend.makeBuffer(count: B * d)
        backend.fill(BufferView(x), value: 0)
        var result: [Float] = []
        result.reserveCapacity(count * d)
        var start = 0
        while start < count {
            let n = min(B, count - start)
            try denoiser.predict(x: BufferView(x, offset: 0, count: n * d), time: 0.5,
                                 out: BufferView(out, offset: 0, count: n * d), batch: n, rowOffset: start)
            result += try backend.read(BufferView(out, offset: 0, count: n * d))
            start += n
        }
        return result
    }
}
