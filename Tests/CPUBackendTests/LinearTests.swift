// LinearTests.swift — linearForward / linearBackward / biasBackward of SIMDBackend against the
// reference, including the training-step shapes, accumulate-vs-overwrite semantics and the
// nil-dx variant.
import CPUBackend
import DiffusionCore
import Testing

private struct LinearCase { let batch, inF, outF: Int }
private let linearCases = [LinearCase(batch: 1, inF: 1, outF: 1), LinearCase(batch: 7, inF: 3, outF: 17),
                           LinearCase(batch: 65, inF: 130, outF: 33), LinearCase(batch: 512, inF: 130, outF: 256),
                           LinearCase(batch: 257, inF: 256, outF: 2), LinearCase(batch: 33, inF: 2, outF: 255)]

/// Runs forward then backward (twice when `twice`) and returns y, dx, dW, db.
private func runLinear(_ be: Backend, _ c: LinearCase, seed: UInt64, twice: Bool, withDx: Bool = true) throws
    -> (y: [Float], dx: [Float], dW: [Float], db: [Float]) {
    let x = try guardedView(be, randomFloats(c.batch * c.inF, seed: seed), offset: 5)
    let w = try guardedView(be, randomFloats(c.outF * c.inF, seed: seed + 1), offset: 2)
    let b = try guardedView(be, randomFloats(c.outF, seed: seed + 2), offset: 9)
    let y = try guardedView(be, [Float](repeating: .nan, count: c.batch * c.outF), offset: 4)
    let dy = try guardedView(be, randomFloats(c.batch * c.outF, seed: seed + 3), offset: 1)
    let dx = try guardedView(be, [Float](repeating: .nan, count: c.batch * c.inF), offset: 6)
    let dW = try guardedView(be, randomFloats(c.outF * c.inF, seed: seed + 4), offset: 3)
    let db = try guardedView(be, randomFloats(c.outF, seed: seed + 5), offset: 8)
    be.linearForward(x: x, weight: w, bias: b, y: y, batch: c.batch, inFeatures: c.inF, outFeatures: c.outF)
    for _ in 0..<(twice ? 2 : 1) {
        be.linearBackward(x: x, weight: w, dy: dy, dx: withDx ? dx : nil, dWeight: dW, dBias: db,
                          batch: c.batch, inFeatures: c.inF, outFeatures: c.outF)
    }
    try be.synchronize()
    for v in [x, w, b, y, dy, dx, dW, db] { #expect(guardsIntact(be, v), "linear \(c): wrote outside a view") }
    return (be.cpuRead(y), be.cpuRead(dx), be.cpuRead(dW), be.cpuRead(db))
}

@Test("linearForward and linearBackward match the reference")
func linearMatchesReference() throws {
    for (i, c) in linearCases.enumerated() {
        let want = try runLinear(ReferenceBackend(), c, seed: UInt64(10 * i), twice: false)
        for be in simdBackends {
            let got = try runLinear(be, c, seed: UInt64(10 * i), twice: false)
            let what = "linear B=\(c.batch) IN=\(c.inF) OUT=\(c.outF) threads=\(be.threads)"
            expectClose(got.y, want.y, abs: 1e-5 * Float(c.inF), rel: 1e-5, "\(what) y")
            expectClose(got.dx, want.dx, abs: 1e-5 * Float(c.outF), rel: 1e-5, "\(what) dx")
            expectClose(got.dW, want.dW, abs: 1e-5 * Float(c.batch), rel: 1e-5, "\(what) dW")
            expectClose(got.db, want.db, abs: 1e-5 * Float(c.batch), rel: 1e-5, "\(what) db")
        }
    }
}

@Test("linearBackward twice: dW and dBias accumulate, dx is overwritten", arguments: [false, true])
func linearBackwardAccumulates(_ reference: Bool) throws {
    let backends: [Backend] = reference ? [ReferenceBackend()] : simdBackends
    let c = LinearCase(batch: 33, inF: 17, outF: 20)
    for be in backends {
        let once = try runLinear(be, c, seed: 77, twice: false)
        let twice = try runLinear(be, c, seed: 77, twice: true)
        let dW0 = randomFloats(c.outF * c.inF, seed: 77 + 4), db0 = randomFloats(c.outF, seed: 77 + 5)
        // grad after n calls = g0 + n·Δ
        let dWExpected = zip(once.dW, dW0).map { 2 * $0 - $1 }
        let dbExpected = zip(once.db, db0).map { 2 * $0 - $1 }
        expectClose(twice.dW, dWExpected, abs: 1e-4, rel: 1e-5, "\(type(of: be)) dW after two calls")
        expectClose(twice.db, dbExpected, abs: 1e-4, rel: 1e-5, "\(type(of: be)) dBias after two calls")
        expectClose(twice.dx, once.dx, abs: 0, rel: 0, "\(type(of: be)) dx after two calls")
    }
}

@Test("linearBackward with dx = nil leaves dx alone and still computes dW, dBias")
func linearBackwardWithoutDx() throws {
    let c = LinearCase(batch: 40, inF: 130, outF: 24)
    let want = try runLinear(ReferenceBackend(), c, seed: 5, twice: false, withDx: false)
    for be in simdBackends {
        let got = try runLinear(be, c, seed: 5, twice: false, withDx: false)
        #expect(got.dx.allSatisfy { $0.isNaN }, "dx was written although nil was passed")
        expectClose(got.dW, want.dW, abs: 1e-4, rel: 1e-5, "dW (no dx)")
        expectClose(got.db, want.db, abs: 1e-4, rel: 1e-5, "db (no dx)")
    }
}

@Test("biasBackward matches the reference and accumulates")
func biasBackwardMatches() throws {
    for (rows, cols) in [(1, 1), (3, 7), (512, 256), (65, 33), (1025, 300), (10, 130)] {
        try checkBiasBackward(rows: rows, cols: cols)
    }
}

private func checkBiasBackward(rows: Int, cols: Int) throws {
    let dy = randomFloats(rows * cols, seed: 3), db0 = randomFloats(cols, seed: 4)
    func run(_ be: Backend) throws -> [Float] {
        let d = try guardedView(be, dy, offset: 3), b = try guardedView(be, db0, offset: 2)
        be.biasBackward(dy: d, dBias: b, rows: rows, cols: cols)
        be.biasBackward(dy: d, dBias: b, rows: rows, cols: cols)
        #expect(guardsIntact(be, b))
        return be.cpuRead(b)
    }
    let want = try run(ReferenceBackend())
    for be in simdBackends {
        expectClose(try run(be), want, abs: 1e-5 * Float(rows), rel: 1e-5, "biasBackward \(rows)x\(cols) threads=\(be.threads)")
    }
}
