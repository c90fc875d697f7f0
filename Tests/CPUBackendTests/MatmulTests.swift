// MatmulTests.swift — SIMDBackend.matmul against ReferenceBackend.matmul: ragged shapes around
// the 6×16 tile and the cache blocks, all four transpositions, alpha/beta, beta = 0 over NaN,
// and views at non-zero offsets whose surroundings must stay untouched.
import CPUBackend
import DiffusionCore
import Testing

/// (m, n, k): every size of 1, 3, 7, 17, 33, 65, 130, 255, 257, 513 appears in every position.
let matmulShapes: [(Int, Int, Int)] = [
    (1, 1, 1), (3, 7, 17), (17, 33, 65), (65, 130, 7), (130, 255, 3), (255, 257, 33),
    (257, 17, 513), (513, 65, 130), (7, 513, 255), (33, 3, 257), (1, 513, 1), (513, 1, 7),
    // skinny paths (N ≤ 4 or M ≤ 4), large enough to be split over threads
    (700, 2, 300), (2, 300, 700), (1000, 4, 64), (4, 1000, 65), (3, 17, 9), (17, 3, 9),
    // batch-1 and batch-4 layers (a policy's forward pass): matrix-vector products, K not a multiple of 8
    (1, 256, 256), (1, 37, 161), (4, 300, 301),
]

let transpositions: [(Bool, Bool)] = [(false, false), (false, true), (true, false), (true, true)]

/// Runs matmul on `backend` with A, B, C placed at offsets inside larger buffers.
private func runMatmul(_ backend: Backend, m: Int, n: Int, k: Int, transA: Bool, transB: Bool,
                       alpha: Float, beta: Float, a: [Float], b: [Float], c0: [Float]) throws -> ([Float], Bool) {
    let av = try guardedView(backend, a, offset: 3)
    let bv = try guardedView(backend, b, offset: 11)
    let cv = try guardedView(backend, c0, offset: 7)
    backend.matmul(av, bv, cv, m: m, n: n, k: k, transA: transA, transB: transB, alpha: alpha, beta: beta)
    try backend.synchronize()
    return (backend.cpuRead(cv), guardsIntact(backend, cv) && guardsIntact(backend, av) && guardsIntact(backend, bv))
}

private func checkMatmul(m: Int, n: Int, k: Int, transA: Bool, transB: Bool, alpha: Float, beta: Float,
                         nanC: Bool, seed: UInt64) throws {
    let a = randomFloats(m * k, seed: seed)
    let b = randomFloats(k * n, seed: seed + 1)
    let c0 = nanC ? [Float](repeating: .nan, count: m * n) : randomFloats(m * n, seed: seed + 2)
    let (want, _) = try runMatmul(ReferenceBackend(), m: m, n: n, k: k, transA: transA, transB: transB,
                                  alpha: alpha, beta: beta, a: a, b: b, c0: c0)
    for backend in simdBackends {
        let (got, guards) = try runMatmul(backend, m: m, n: n, k: k, transA: transA, transB: transB,
                                          alpha: alpha, beta: beta, a: a, b: b, c0: c0)
        let what = "matmul m=\(m) n=\(n) k=\(k) tA=\(transA) tB=\(transB) alpha=\(alpha) beta=\(beta) threads=\(backend.threads)"
        expectClose(got, want, abs: 1e-6 * Float(k) + 1e-6, rel: 1e-5, what)
        #expect(guards, "\(what): wrote outside C")
    }
}

@Test("matmul matches the reference on ragged shapes, all transpositions", arguments: 0..<4)
func matmulShapesAllTranspositions(_ t: Int) throws {
    let (ta, tb) = transpositions[t]
    for (i, s) in matmulShapes.enumerated() {
        try checkMatmul(m: s.0, n: s.1, k: s.2, transA: ta, transB: tb, alpha: 1, beta: 0, nanC: false, seed: UInt64(100 * t + i))
    }
}

@Test("matmul alpha and beta (scale, accumulate) in every transposition", arguments: 0..<4)
func matmulAlphaBeta(_ t: Int) throws {
    let (ta, tb) = transpositions[t]
    try checkMatmul(m: 33, n: 65, k: 17, transA: ta, transB: tb, alpha: 0.5, beta: -1.25, nanC: false, seed: 7)
    try checkMatmul(m: 130, n: 17, k: 257, transA: ta, transB: tb, alpha: -2, beta: 1, nanC: false, seed: 8)
    try checkMatmul(m: 7, n: 255, k: 3, transA: ta, transB: tb, alpha: 1, beta: 0.5, nanC: false, seed: 9)
}

@Test("matmul with beta = 0 ignores NaN already in C", arguments: 0..<4)
func matmulBetaZeroIgnoresNaN(_ t: Int) throws {
    let (ta, tb) = transpositions[t]
    try checkMatmul(m: 65, n: 130, k: 33, transA: ta, transB: tb, alpha: 1, beta: 0, nanC: true, seed: 11)
    try checkMatmul(m: 6, n: 16, k: 8, transA: ta, transB: tb, alpha: 0.75, beta: 0, nanC: true, seed: 12)
}

@Test("matmul larger than one cache block in every dimension", arguments: 0..<4)
func matmulMultipleBlocks(_ t: Int) throws {
    let (ta, tb) = transpositions[t]
    // M > MC (72), N > NC (1024), K > KC (256): several packing blocks, accumulation across K blocks
    try checkMatmul(m: 151, n: 1041, k: 517, transA: ta, transB: tb, alpha: 1, beta: 0.5, nanC: false, seed: 21)
}

@Test("matmul degenerate shapes: k = 0 scales C, alpha = 0 ignores A·B")
func matmulDegenerate() throws {
    try checkMatmul(m: 5, n: 9, k: 0, transA: false, transB: false, alpha: 1, beta: 0.5, nanC: false, seed: 31)
    try checkMatmul(m: 5, n: 9, k: 4, transA: true, transB: false, alpha: 0, beta: 2, nanC: false, seed: 32)
    for backend in simdBackends {
        let c = try backend.makeBuffer([Float](repeating: .nan, count: 6))
        let a = try backend.makeBuffer(count: 1), b = try backend.makeBuffer(count: 1)
        backend.matmul(BufferView(a), BufferView(b), BufferView(c), m: 2, n: 3, k: 0, transA: false, transB: false, alpha: 1, beta: 0)
        #expect(backend.cpuRead(BufferView(c)) == [Float](repeating: 0, count: 6))
    }
}
