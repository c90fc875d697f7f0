// ExportFormatTests.swift — the export containers written without packages, checked byte by byte
// against their specifications: CRC-32 known answers, .npy v1.0 headers, the safetensors header
// (length prefix, JSON, offsets, alignment) and the stored ZIP of an .npz (local headers, central
// directory, CRCs), each parsed back; then a trained model's export: tensor names and shapes,
// every weight where the flat layout has it, the sidecar, and `forward` against a plain Swift
// recomputation of the network from the exported tensors alone.
import DiffusionCore
import Foundation
import Jobs
import Testing

@Suite struct ExportFormatTests {
    static func u16(_ d: Data, _ o: Int) -> Int { Int(d[o]) | Int(d[o + 1]) << 8 }
    static func u32(_ d: Data, _ o: Int) -> Int { u16(d, o) | u16(d, o + 2) << 16 }

    @Test func crc32KnownAnswers() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum(Array("The quick brown fox jumps over the lazy dog".utf8)) == 0x414F_A339)
        #expect(CRC32.checksum([UInt8]()) == 0)
    }

    @Test func npyHeaderIsVersion1AlignedAndParsesBack() throws {
        for (shape, text) in [([2, 3], "(2, 3)"), ([5], "(5,)"), ([1, 1], "(1, 1)")] {
            let values = (0..<shape.reduce(1, *)).map { Float($0) * 0.5 - 1 }
            let d = try NPYWriter.encode(shape: shape, values: values)
            #expect(Array(d.prefix(8)) == [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0])
            let n = Self.u16(d, 8)
            #expect((10 + n) % 64 == 0)
            let header = String(decoding: d[10..<(10 + n)], as: UTF8.self)
            #expect(header.hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': \(text), }"), "\(header)")
            #expect(header.hasSuffix("\n"))
            #expect(d.count == 10 + n + 4 * values.count)
            // the first value's little-endian bytes right after the header
            #expect(Self.u32(d, 10 + n) == Int(values[0].bitPattern))
            let back = try NPYWriter.parse(d)
            #expect(back.shape == shape && back.values == values)
        }
        #expect(throws: ExportFormatError.self) { try NPYWriter.encode(shape: [2, 2], values: [1, 2, 3]) }
    }

    @Test func safetensorsHeaderOffsetsAndDataFollowTheFormat() throws {
        let a = ExportTensor(name: "layers.0.weight", shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        let b = ExportTensor(name: "layers.0.bias", shape: [2], values: [-0.5, 0.25])
        let d = try SafetensorsWriter.encode([a, b], metadata: ["model": "m", "note": "a/b"])
        let n = d.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect((8 + n) % 8 == 0, "data is 8-byte aligned")
        #expect(d.count == 8 + n + 4 * 8)
        let header = try #require(try JSONSerialization.jsonObject(with: d[8..<(8 + n)]) as? [String: Any])
        #expect(Set(header.keys) == ["layers.0.weight", "layers.0.bias", "__metadata__"])
        let wa = try #require(header["layers.0.weight"] as? [String: Any])
        #expect(wa["dtype"] as? String == "F32" && wa["shape"] as? [Int] == [2, 3] && wa["data_offsets"] as? [Int] == [0, 24])
        let wb = try #require(header["layers.0.bias"] as? [String: Any])
        #expect(wb["shape"] as? [Int] == [2] && wb["data_offsets"] as? [Int] == [24, 32])
        #expect(header["__metadata__"] as? [String: String] == ["model": "m", "note": "a/b"])
        #expect(Self.u32(d, 8 + n + 24) == Int(Float(-0.5).bitPattern))
        let back = try SafetensorsWriter.parse(d)
        #expect(back.tensors == [a, b] && back.metadata == ["model": "m", "note": "a/b"])

        // a strict reader's refusals: truncated data, a header longer than the file, duplicate names
        #expect(throws: ExportFormatError.self) { try SafetensorsWriter.parse(d.prefix(d.count - 4)) }
        var long = d; long[0] = 0xFF; long[1] = 0xFF
        #expect(throws: ExportFormatError.self) { try SafetensorsWriter.parse(long) }
        #expect(throws: ExportFormatError.self) { try SafetensorsWriter.encode([a, a]) }
        #expect(throws: ExportFormatError.self) { try SafetensorsWriter.encode([ExportTensor(name: "x", shape: [3], values: [1])]) }
    }

    @Test func zipOfAnNPZHasStoredEntriesWithMatchingCRCs() throws {
        let a = ExportTensor(name: "output.weight", shape: [2, 4], values: (0..<8).map { Float($0) })
        let b = ExportTensor(name: "output.bias", shape: [2], values: [3, -3])
        let z = try NPZWriter.encode([a, b])
        // end of central directory: the last 22 bytes, two entries
        let eocd = z.count - 22
        #expect(Self.u32(z, eocd) == 0x0605_4B50 && Self.u16(z, eocd + 8) == 2 && Self.u16(z, eocd + 10) == 2)
        let cdStart = Self.u32(z, eocd + 16)
        #expect(cdStart + Self.u32(z, eocd + 12) == eocd)
        // first local header: stored, CRC of the .npy bytes that follow its name
        #expect(Self.u32(z, 0) == 0x0403_4B50 && Self.u16(z, 8) == 0)
        let nameLen = Self.u16(z, 26), size = Self.u32(z, 18)
        #expect(String(decoding: z[30..<(30 + nameLen)], as: UTF8.self) == "output.weight.npy")
        let body = z[(30 + nameLen)..<(30 + nameLen + size)]
        #expect(Self.u32(z, 14) == Int(CRC32.checksum(body)))
        #expect(try NPYWriter.parse(Data(body)).values == a.values)
        #expect(Self.u32(z, cdStart) == 0x0201_4B50 && Self.u32(z, cdStart + 16) == Self.u32(z, 14))
        #expect(try NPZWriter.parse(z) == [a, b])
        // one flipped data byte is caught by the CRC
        var bad = z; bad[30 + nameLen + size - 1] ^= 0x01
        #expect(throws: ExportFormatError.self) { try NPZWriter.unzip(bad) }
    }

    static func train(_ state: TestState, name: String, conditional: Bool) throws -> StoredModel {
        var spec = trainSpec(name: name, steps: 30)
        spec.width = 16; spec.depth = 3; spec.timeEmbedDim = 8; spec.classEmbedDim = 4; spec.datasetSize = 500
        if conditional { spec.conditional = true }
        let outcome = try JobRunner.run(spec, context: state.context("j-\(name)"))
        #expect(outcome.result != nil)
        return try ModelStore.load(name, modelsDir: state.models)
    }

    /// The network from the exported tensors alone (Double), as the sidecar describes it.
    static func reference(_ t: [String: ExportTensor], _ s: ExportSidecar, x: [Double], time: Double, label: Int?) -> [Double] {
        let a = s.architecture
        func linear(_ name: String, _ v: [Double]) -> [Double] {
            let w = t[name + ".weight"]!, b = t[name + ".bias"]!
            return (0..<w.shape[0]).map { o in
                (0..<w.shape[1]).reduce(Double(b.values[o])) { $0 + Double(w.values[o * w.shape[1] + $1]) * v[$1] }
            }
        }
        func act(_ z: Double) -> Double { z / (1 + exp(-z)) }   // silu, the default
        let arg = Double(Float(a.timeEmbedding.scale) * Float(time))
        let f = a.timeEmbedding.frequencies.map { Double($0) }
        var input = x + f.map { sin(Double(Float(arg) * Float($0))) } + f.map { cos(Double(Float(arg) * Float($0))) }
        if let label, let ce = a.classEmbedding {
            let table = t["class_embedding.weight"]!
            input += (0..<ce.dim).map { Double(table.values[label * ce.dim + $0]) }
        }
        var h = linear("layers.0", input).map(act)
        for k in 1..<a.depth { let z = linear("layers.\(k)", h); h = zip(h, z).map { $0 + act($1) } }
        return linear("output", h)
    }

    @Test(arguments: [false, true]) func exportNamesEveryTensorAndForwardMatchesTheExportedWeights(conditional: Bool) throws {
        let state = try TestState(); defer { state.remove() }
        let name = conditional ? "cond" : "plain"
        let model = try Self.train(state, name: name, conditional: conditional)
        let c = try #require(model.metadata.train).config.model
        let e = try ModelExport.export(model, format: .safetensors, fileName: "m.safetensors")
        var expected = ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias", "layers.2.weight", "layers.2.bias",
                        "output.weight", "output.bias"]
        if conditional { expected.append("class_embedding.weight") }
        #expect(e.tensors.map(\.name) == expected)
        let byName = Dictionary(uniqueKeysWithValues: e.tensors.map { ($0.name, $0) })
        #expect(byName["layers.0.weight"]?.shape == [16, c.inputDim])
        #expect(byName["layers.0.bias"]?.shape == [16])
        #expect(byName["layers.2.weight"]?.shape == [16, 16])
        #expect(byName["output.weight"]?.shape == [2, 16] && byName["output.bias"]?.shape == [2])
        if conditional { #expect(byName["class_embedding.weight"]?.shape == [c.numClasses + 1, 4] && c.numClasses > 1) }
        // every weight sits where the sidecar says it does in the flat vector, and all of them are covered
        var covered = 0
        for entry in e.sidecar.tensors {
            let t = try #require(byName[entry.name])
            #expect(Array(model.parameters[entry.flatOffset..<(entry.flatOffset + t.values.count)]) == t.values)
            covered += t.values.count
        }
        #expect(covered == model.parameters.count)
        // the containers hold exactly these tensors
        #expect(try SafetensorsWriter.parse(e.weights).tensors == e.tensors)
        #expect(try NPZWriter.parse(try ModelExport.export(model, format: .npz, fileName: "m.npz").weights) == e.tensors)
        // the sidecar: input parts add up, one frequency per sin/cos pair, every ᾱ, σ_data, normalizer
        let s = try JSONDecoder().decode(ExportSidecar.self, from: e.sidecarJSON)
        #expect(s == e.sidecar)
        #expect(s.architecture.input.map(\.count).reduce(0, +) == c.inputDim)
        #expect(s.architecture.timeEmbedding.frequencies.count == c.timeEmbedDim / 2)
        #expect(s.schedule?.alphaBars.count == 1000 && s.objective == "eps")
        #expect((s.preconditioning?.sigmaData ?? 0) > 0 && s.preconditioning?.inputStd == 8)
        #expect(s.normalization.mean.count == 2 && s.normalization.std.allSatisfy { $0 > 0 })
        #expect((s.architecture.classEmbedding != nil) == conditional)

        // forward through the daemon's kernels against the exported tensors recomputed here
        let server = ModelForwardServer(backend: JobReports.policyBackend(), modelsDir: state.models)
        var rows: [[Double]] = []
        for i in 0..<6 {
            var row = [Double(i) - 2.5, 1.5 - Double(i) * 0.7, [0.001, 0.1, 0.37, 0.5, 0.9, 1][i]]
            if conditional { row.append(Double(i % (c.numClasses + 1))) }
            rows.append(row)
        }
        let f = try server.forward(model: name, rows: rows)
        #expect(f.output.count == rows.count * 2 && f.levels?.count == rows.count)
        var maxDiff = 0.0
        for (i, row) in rows.enumerated() {
            let ref = Self.reference(byName, s, x: Array(row[0..<2]), time: row[2], label: conditional ? Int(row[3]) : nil)
            for j in 0..<2 { maxDiff = max(maxDiff, abs(ref[j] - Double(f.output[i * 2 + j]))) }
        }
        #expect(maxDiff < 1e-4, "max |F_daemon − F_reference| = \(maxDiff)")
        // the reported level is the schedule's: c_in = inputStd/√(ᾱσ_d² + 1 − ᾱ)
        let p = try #require(s.preconditioning), ab = try #require(f.alphaBars?[2])
        #expect(ab == s.schedule!.alphaBars[369])
        #expect(abs(try #require(f.levels?[2]).cin - p.inputStd / (ab * p.sigmaData * p.sigmaData + 1 - ab).squareRoot()) < 1e-12)

        // refusals name what is wrong
        #expect(throws: JobError.self) { try server.forward(model: name, rows: [[1, 2]]) }
        #expect(throws: JobError.self) { try server.forward(model: name, rows: [rows[0].enumerated().map { $0.offset == 2 ? 1.5 : $0.element }]) }
        #expect(throws: JobError.self) { try server.forward(model: "missing", rows: rows) }
        if conditional {
            #expect(throws: JobError.self) { try server.forward(model: name, rows: [[0, 0, 0.5, Double(c.numClasses + 1)]]) }
        }
    }
}
