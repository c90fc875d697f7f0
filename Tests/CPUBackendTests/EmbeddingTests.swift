// EmbeddingTests.swift — time embedding, label embedding forward/backward of SIMDBackend
// against the reference (arguments up to the sizes a 1000-step schedule produces).
import CPUBackend
import DiffusionCore
import Testing

@Test("timeEmbedding matches the reference", arguments: [2, 6, 16, 34, 128, 130])
func timeEmbeddingMatches(_ dim: Int) throws {
    for (batch, scale) in [(1, Float(1)), (7, 1000), (600, 1), (65, 0.001)] {
        // t in [0, 1000]: the largest arguments are scale·1000
        let t = randomFloats(batch, seed: UInt64(dim), in: 0...1000)
        for be in simdBackends {
            let tv = try guardedView(be, t, offset: 2), out = try guardedView(be, [Float](repeating: .nan, count: batch * dim), offset: 5)
            be.timeEmbedding(t: tv, out: out, batch: batch, dim: dim, scale: scale)
            let ref = ReferenceBackend()
            let rt = try ref.makeBuffer(t), rout = try ref.makeBuffer(count: batch * dim)
            ref.timeEmbedding(t: BufferView(rt), out: BufferView(rout), batch: batch, dim: dim, scale: scale)
            // arguments up to 1e6 (scale 1000): beyond 8192 the kernel falls back to sinf/cosf
            expectClose(be.cpuRead(out), ref.read(BufferView(rout)), abs: 2e-6, rel: 0,
                        "timeEmbedding dim=\(dim) batch=\(batch) scale=\(scale) threads=\(be.threads)")
            #expect(guardsIntact(be, out))
        }
    }
}

@Test("embeddingForward / embeddingBackward match the reference; backward accumulates repeated labels")
func embeddingsMatch() throws {
    let vocab = 11, dim = 19, batch = 300
    var s = PhiloxStream(seed: 99)
    let labels = (0..<batch).map { _ in Float(s.int(vocab)) }
    let table = randomFloats(vocab * dim, seed: 1), dOut = randomFloats(batch * dim, seed: 2), dTable0 = randomFloats(vocab * dim, seed: 3)
    func run(_ be: Backend) throws -> ([Float], [Float]) {
        let l = try guardedView(be, labels, offset: 1)
        let tb = try be.makeBuffer(table), out = try guardedView(be, [Float](repeating: .nan, count: batch * dim), offset: 4)
        let d = try guardedView(be, dOut, offset: 2), dt = try be.makeBuffer(dTable0)
        be.embeddingForward(labels: l, table: BufferView(tb), out: out, batch: batch, dim: dim)
        be.embeddingBackward(labels: l, dOut: d, dTable: BufferView(dt), batch: batch, dim: dim)
        be.embeddingBackward(labels: l, dOut: d, dTable: BufferView(dt), batch: batch, dim: dim)
        #expect(guardsIntact(be, out))
        return (be.cpuRead(out), be.cpuRead(BufferView(dt)))
    }
    let want = try run(ReferenceBackend())
    for be in simdBackends {
        let got = try run(be)
        expectClose(got.0, want.0, abs: 0, rel: 0, "embeddingForward threads=\(be.threads)")
        expectClose(got.1, want.1, abs: 1e-5, rel: 1e-5, "embeddingBackward threads=\(be.threads)")
    }
}
