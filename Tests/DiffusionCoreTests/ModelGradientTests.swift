// ModelGradientTests.swift — the whole denoiser's backward pass against central finite
// differences of its loss, for every activation, with class labels and a conditioning vector.
import Testing
import DiffusionCore
import CPUBackend

@Suite struct ModelGradientTests {
    @Test(arguments: Activation.allCases)
    func wholeModelGradientMatchesFiniteDifferences(_ act: Activation) throws {
        let backend = ReferenceBackend()
        let config = ModelConfig(dataDim: 3, width: 8, depth: 3, timeEmbedDim: 4, numClasses: 3,
                                 classEmbedDim: 2, condDim: 2, activation: act)
        let model = try MLPDenoiser(config: config, backend: backend)
        let B = 5
        var rng = PhiloxStream(seed: 11)
        func randoms(_ n: Int) -> [Float] { (0..<n).map { _ in rng.normal() } }
        let x = try backend.makeBuffer(randoms(B * 3))
        let t = try backend.makeBuffer((0..<B).map { Float($0 + 1) / 7 })
        let labels = try backend.makeBuffer([0, 1, 2, 3, 1].map(Float.init))  // 3 = the null class
        let cond = try backend.makeBuffer(randoms(B * 2))
        let target = try backend.makeBuffer(randoms(B * 3))
        // avoid ReLU kinks: keep parameters but this check tolerates rare kink crossings via a mismatch budget
        let p0 = model.initialParameters(seed: 3)
        let params = try backend.makeBuffer(p0)
        let grads = try backend.makeBuffer(count: p0.count)
        let ws = try ModelWorkspace(backend: backend, config: config, batch: B, training: true)
        let loss = try backend.makeBuffer(count: 1)
        let inputs = ModelInputs(x: backend.view(x), time: backend.view(t), labels: backend.view(labels), cond: backend.view(cond))

        func lossValue(_ p: [Float]) -> Double {
            backend.write(p, to: backend.view(params))
            let out = model.forward(inputs, params: backend.view(params), workspace: ws)
            backend.mseLoss(pred: out, target: backend.view(target), dPred: ws.dOut, lossOut: backend.view(loss))
            return Double(backend.read(backend.view(loss))[0])
        }
        _ = lossValue(p0)
        backend.fill(backend.view(grads), value: 0)
        model.backward(inputs, params: backend.view(params), grads: backend.view(grads), workspace: ws)
        let analytic = backend.read(backend.view(grads))

        let h: Float = act == .relu ? 1e-3 : 1e-2
        var mismatches: [String] = []
        for entry in model.layout.entries {
            for k in 0..<entry.count {
                let i = entry.offset + k
                var p = p0
                p[i] = p0[i] + h; let up = lossValue(p)
                p[i] = p0[i] - h; let down = lossValue(p)
                let numeric = (up - down) / Double(2 * h)
                let err = abs(numeric - Double(analytic[i]))
                if err > 2e-3 + 2e-2 * abs(numeric) { mismatches.append("\(entry.name)[\(k)]: fd \(numeric) vs \(analytic[i])") }
            }
        }
        // ReLU has kinks that a finite step can cross; allow a tiny share of those, none for smooth activations
        let budget = act == .relu ? model.parameterCount / 50 : 0
        #expect(mismatches.count <= budget, "\(mismatches.prefix(8))")
        // the null-class row (3) and the used rows all get gradient; a label never used gets none
        let table = model.layout.entry("class.table")
        let rowNorm = { (r: Int) in (0..<2).map { abs(analytic[table.offset + r * 2 + $0]) }.reduce(0, +) }
        #expect(rowNorm(0) > 0 && rowNorm(1) > 0 && rowNorm(2) > 0 && rowNorm(3) > 0)
    }

    @Test func uniformTimeForwardMatchesTheFullForward() throws {
        let backend = SIMDBackend()
        let config = ModelConfig(dataDim: 3, width: 32, depth: 3, timeEmbedDim: 16, numClasses: 4, classEmbedDim: 5, condDim: 2)
        let model = try MLPDenoiser(config: config, backend: backend)
        let B = 37
        var rng = PhiloxStream(seed: 5)
        let x = try backend.makeBuffer((0..<(B * 3)).map { _ in rng.normal() })
        let t = try backend.makeBuffer(Array(repeating: Float(0.37), count: B))
        let labels = try backend.makeBuffer((0..<B).map { Float($0 % 5) })
        let cond = try backend.makeBuffer((0..<(B * 2)).map { _ in rng.normal() })
        let params = try backend.makeBuffer(model.initialParameters(seed: 8))
        let ws = try ModelWorkspace(backend: backend, config: config, batch: B, training: false)
        let full = backend.read(model.forward(ModelInputs(x: backend.view(x), time: backend.view(t), labels: backend.view(labels),
                                                          cond: backend.view(cond)), params: backend.view(params), workspace: ws))
        let fast = try SharedTimeForward(model: model, params: backend.view(params))
        let folded = backend.read(fast.forward(x: backend.view(x), time: 0.37, labels: backend.view(labels), cond: backend.view(cond),
                                               workspace: ws, batch: B))
        #expect(full.count == B * 3 && folded.count == B * 3)
        for (a, b) in zip(full, folded) { #expect(abs(a - b) <= 1e-4 + 1e-4 * abs(a), "\(a) vs \(b)") }
    }

    @Test func parameterLayoutIsContiguousAndNamed() throws {
        let config = ModelConfig(dataDim: 2, width: 256, depth: 4, timeEmbedDim: 128)
        let layout = ParameterLayout(config)
        var offset = 0
        for e in layout.entries { #expect(e.offset == offset); offset += e.count }
        #expect(offset == layout.totalCount)
        // the reference workload: (2+128)·256+256 + 3·(256·256+256) + 256·2+2
        #expect(layout.totalCount == 130 * 256 + 256 + 3 * (256 * 256 + 256) + 256 * 2 + 2)
        #expect(layout.entry("block3.weight").rows == 256)
    }

    @Test func invalidConfigsAreRejectedWithReasons() {
        #expect(throws: ModelError.self) { try ModelConfig(dataDim: 0).validate() }
        #expect(throws: ModelError.self) { try ModelConfig(dataDim: 2, timeEmbedDim: 7).validate() }
        #expect(throws: ModelError.self) { try ModelConfig(dataDim: 5000).validate() }
    }
}
