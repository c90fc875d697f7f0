// MatmulBench.swift — square matmul throughput of a backend: the median GFLOP/s of n×n×n
// products (C = A·B, fp32) over `repeats` timed runs after one warm-up run, per size.
import DiffusionCore
import Foundation

/// size n → median GFLOP/s (2·n³ flops per product) of `repeats` runs of an n×n×n matmul.
/// Sizes that cannot be allocated on the backend are left out of the result.
func benchMatmul(_ backend: Backend, sizes: [Int], repeats: Int) -> [Int: Double] {
    var result: [Int: Double] = [:]
    for n in sizes where n > 0 {
        var stream = PhiloxStream(seed: UInt64(n))
        let a = (0..<(n * n)).map { _ in stream.uniform() - 0.5 }
        let b = (0..<(n * n)).map { _ in stream.uniform() - 0.5 }
        guard let ab = try? backend.makeBuffer(a), let bb = try? backend.makeBuffer(b),
              let cb = try? backend.makeBuffer(count: n * n) else { continue }
        let av = BufferView(ab), bv = BufferView(bb), cv = BufferView(cb)
        func once() -> Double {
            let start = DispatchTime.now().uptimeNanoseconds
            backend.matmul(av, bv, cv, m: n, n: n, k: n, transA: false, transB: false, alpha: 1, beta: 0)
            try? backend.synchronize()
            return Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
        }
        _ = once()   // warm-up: page faults, packing buffers, shader pipelines
        var seconds = (0..<max(1, repeats)).map { _ in once() }
        seconds.sort()
        let median = seconds.count % 2 == 1 ? seconds[seconds.count / 2]
                                            : 0.5 * (seconds[seconds.count / 2 - 1] + seconds[seconds.count / 2])
        result[n] = 2 * Double(n) * Double(n) * Double(n) / max(median, 1e-12) / 1e9
    }
    return result
}
