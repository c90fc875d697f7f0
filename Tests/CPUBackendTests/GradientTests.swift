// GradientTests.swift — finite-difference checks of every backward op, on the reference backend
// and on every SIMD backend: linearBackward (dx, dW, dBias), activationBackward, embeddingBackward,
// mseLoss's gradient, biasBackward. Loss L = Σ G ⊙ output with fixed random G; central
// differences in Float with step h, the loss summed in Double.
import CPUBackend
import DiffusionCore
import Testing

private func allBackends() -> [Backend] { [ReferenceBackend()] + simdBackends }

/// Central difference of `loss` with respect to element i of `view` (restored afterwards).
private func centralDifference(_ be: Backend, _ view: BufferView, _ i: Int, h: Float, _ loss: () -> Double) -> Double {
    var values = be.cpuRead(view)
    let x0 = values[i]
    values[i] = x0 + h; be.write(values, to: view)
    let up = loss()
    values[i] = x0 - h; be.write(values, to: view)
    let down = loss()
    values[i] = x0; be.write(values, to: view)
    return (up - down) / Double(2 * h)
}

private func dot(_ a: [Float], _ b: [Float]) -> Double { zip(a, b).reduce(0) { $0 + Double($1.0) * Double($1.1) } }

@Test("linearBackward: dx, dW, dBias agree with finite differences")
func linearGradientFD() throws {
    let batch = 5, inF = 7, outF = 9
    for be in allBackends() {
        let x = try be.makeBuffer(randomFloats(batch * inF, seed: 1)), w = try be.makeBuffer(randomFloats(outF * inF, seed: 2))
        let b = try be.makeBuffer(randomFloats(outF, seed: 3)), y = try be.makeBuffer(count: batch * outF)
        let g = randomFloats(batch * outF, seed: 4)
        let dy = try be.makeBuffer(g), dx = try be.makeBuffer(count: batch * inF)
        let dW = try be.makeBuffer(count: outF * inF), db = try be.makeBuffer(count: outF)
        func loss() -> Double {
            be.linearForward(x: BufferView(x), weight: BufferView(w), bias: BufferView(b), y: BufferView(y), batch: batch, inFeatures: inF, outFeatures: outF)
            return dot(be.cpuRead(BufferView(y)), g)
        }
        be.linearBackward(x: BufferView(x), weight: BufferView(w), dy: BufferView(dy), dx: BufferView(dx), dWeight: BufferView(dW), dBias: BufferView(db),
                          batch: batch, inFeatures: inF, outFeatures: outF)
        for (name, param, grad) in [("dx", x, dx), ("dW", w, dW), ("dBias", b, db)] {
            let analytic = be.cpuRead(BufferView(grad))
            for i in 0..<param.count {
                let fd = centralDifference(be, BufferView(param), i, h: 1e-2, loss)
                #expect(Swift.abs(fd - Double(analytic[i])) <= 1e-3 + 1e-3 * Swift.abs(fd),
                        "\(type(of: be)) linear \(name)[\(i)]: analytic \(analytic[i]), finite difference \(fd)")
            }
        }
    }
}

@Test("activationBackward agrees with finite differences", arguments: Activation.allCases)
func activationGradientFD(_ act: Activation) throws {
    var xs = randomFloats(40, seed: 5, in: -4...4)
    if act == .relu { xs = xs.map { Swift.abs($0) < 0.1 ? $0 + 0.5 : $0 } }   // keep away from the kink
    let n = xs.count
    let g = randomFloats(n, seed: 6)
    for be in allBackends() {
        let x = try be.makeBuffer(xs), y = try be.makeBuffer(count: n), dy = try be.makeBuffer(g), dx = try be.makeBuffer(count: n)
        func loss() -> Double {
            be.activationForward(act, x: BufferView(x), y: BufferView(y))
            return dot(be.cpuRead(BufferView(y)), g)
        }
        be.activationBackward(act, x: BufferView(x), dy: BufferView(dy), dx: BufferView(dx))
        let analytic = be.cpuRead(BufferView(dx))
        for i in 0..<n {
            let fd = centralDifference(be, BufferView(x), i, h: 1e-2, loss)
            #expect(Swift.abs(fd - Double(analytic[i])) <= 2e-3 + 1e-3 * Swift.abs(fd),
                    "\(type(of: be)) \(act)' at x=\(xs[i]): analytic \(analytic[i]), finite difference \(fd)")
        }
        // backward overwrites dx: a second call gives the same values
        be.activationBackward(act, x: BufferView(x), dy: BufferView(dy), dx: BufferView(dx))
        #expect(be.cpuRead(BufferView(dx)) == analytic, "\(type(of: be)) \(act) backward must overwrite dx")
    }
}

@Test("embeddingBackward agrees with finite differences and accumulates")
func embeddingGradientFD() throws {
    let vocab = 4, dim = 3, labels: [Float] = [2, 0, 2, 3, 2]
    let batch = labels.count
    let g = randomFloats(batch * dim, seed: 7)
    for be in allBackends() {
        let l = try be.makeBuffer(labels), table = try be.makeBuffer(randomFloats(vocab * dim, seed: 8))
        let out = try be.makeBuffer(count: batch * dim), dOut = try be.makeBuffer(g), dTable = try be.makeBuffer(count: vocab * dim)
        func loss() -> Double {
            be.embeddingForward(labels: BufferView(l), table: BufferView(table), out: BufferView(out), batch: batch, dim: dim)
            return dot(be.cpuRead(BufferView(out)), g)
        }
        be.embeddingBackward(labels: BufferView(l), dOut: BufferView(dOut), dTable: BufferView(dTable), batch: batch, dim: dim)
        let analytic = be.cpuRead(BufferView(dTable))
        for i in 0..<(vocab * dim) {
            let fd = centralDifference(be, BufferView(table), i, h: 1e-2, loss)
            #expect(Swift.abs(fd - Double(analytic[i])) <= 1e-3, "\(type(of: be)) dTable[\(i)]: analytic \(analytic[i]), finite difference \(fd)")
        }
        #expect(analytic[3..<6].allSatisfy { $0 == 0 }, "row 1 has no label and must get no gradient")
        be.embeddingBackward(labels: BufferView(l), dOut: BufferView(dOut), dTable: BufferView(dTable), batch: batch, dim: dim)
        expectClose(be.cpuRead(BufferView(dTable)), analytic.map { 2 * $0 }, abs: 1e-6, rel: 1e-6, "\(type(of: be)) dTable after two calls")
    }
}

@Test("mseLoss gradient agrees with finite differences of its loss")
func mseGradientFD() throws {
    let n = 37
    let t = randomFloats(n, seed: 9)
    for be in allBackends() {
        let pred = try be.makeBuffer(randomFloats(n, seed: 10)), target = try be.makeBuffer(t)
        let dPred = try be.makeBuffer(count: n), lossOut = try be.makeBuffer(count: 1), scratch = try be.makeBuffer(count: n)
        be.mseLoss(pred: BufferView(pred), target: BufferView(target), dPred: BufferView(dPred), lossOut: BufferView(lossOut))
        let analytic = be.cpuRead(BufferView(dPred))
        func loss() -> Double {
            be.mseLoss(pred: BufferView(pred), target: BufferView(target), dPred: BufferView(scratch), lossOut: BufferView(lossOut))
            return Double(be.cpuRead(BufferView(lossOut))[0])
        }
        let direct = zip(be.cpuRead(BufferView(pred)), t).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) } / Double(n)
        #expect(Swift.abs(loss() - direct) <= 1e-6 * direct, "\(type(of: be)) mse value")
        for i in 0..<n {
            let fd = centralDifference(be, BufferView(pred), i, h: 1e-2, loss)
            #expect(Swift.abs(fd - Double(analytic[i])) <= 2e-4 + 1e-3 * Swift.abs(fd),
                    "\(type(of: be)) dPred[\(i)]: analytic \(analytic[i]), finite difference \(fd)")
        }
    }
}

@Test("biasBackward agrees with finite differences of a biased linear layer")
func biasGradientFD() throws {
    let rows = 6, cols = 10, inF = 3
    let g = randomFloats(rows * cols, seed: 11)
    for be in allBackends() {
        let x = try be.makeBuffer(randomFloats(rows * inF, seed: 12)), w = try be.makeBuffer(randomFloats(cols * inF, seed: 13))
        let b = try be.makeBuffer(randomFloats(cols, seed: 14)), y = try be.makeBuffer(count: rows * cols)
        let dy = try be.makeBuffer(g), db = try be.makeBuffer([Float](repeating: 0.25, count: cols))
        func loss() -> Double {
            be.linearForward(x: BufferView(x), weight: BufferView(w), bias: BufferView(b), y: BufferView(y), batch: rows, inFeatures: inF, outFeatures: cols)
            return dot(be.cpuRead(BufferView(y)), g)
        }
        be.biasBackward(dy: BufferView(dy), dBias: BufferView(db), rows: rows, cols: cols)
        let analytic = be.cpuRead(BufferView(db)).map { Double($0) - 0.25 }   // accumulated onto 0.25
        for i in 0..<cols {
            let fd = centralDifference(be, BufferView(b), i, h: 1e-2, loss)
            #expect(Swift.abs(fd - analytic[i]) <= 1e-3, "\(type(of: be)) dBias[\(i)]: analytic \(analytic[i]), finite difference \(fd)")
        }
    }
}
