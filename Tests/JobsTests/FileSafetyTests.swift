// FileSafetyTests.swift — what a job may do with the files a spec names: data files must be
// regular files (a FIFO or /dev/zero is refused at once, never read or waited on), errors quote
// at most a short sanitized snippet of a file, huge labels are out of range (no trap), `out`
// never replaces an existing file without force, and `act` resolves models like `sample`: plain
// names only, with the same refusal whether or not a path exists.
import Foundation
import Testing
import Jobs
import DiffusionCore
import CPUBackend
#if canImport(Glibc)
import Glibc
#endif

@Suite struct FileSafetyTests {
    func message(_ body: () throws -> Void) -> String? {
        do { try body(); return nil } catch let e as JobError { return e.description } catch let e as DataError { return e.message } catch {
            return "\(error)"
        }
    }

    @Test func fifoAndDeviceDatasetsAreRefusedWithoutBlocking() throws {
        let state = try TestState(); defer { state.remove() }
        let fifo = state.root.appendingPathComponent("pipe.csv").path
        #expect(mkfifo(fifo, 0o600) == 0)
        // nobody ever writes to the FIFO: a loader that opened it blocking would hang here
        #expect(message { _ = try DataLoader.load(path: fifo) } == "\(fifo): is a FIFO, not a regular file")
        #expect(message { try JobRunner.validate(trainSpec(name: "f", dataset: fifo)) }
                == "invalid parameter 'dataset': \(fifo): is a FIFO, not a regular file")
        // a .csv name for a character device (the way /dev/zero would arrive)
        let zero = state.root.appendingPathComponent("zero.csv").path
        try FileManager.default.createSymbolicLink(atPath: zero, withDestinationPath: "/dev/zero")
        #expect(message { _ = try DataLoader.load(path: zero) } == "\(zero): is a character device, not a regular file")
        var s = sampleSpec(model: "m", sampler: "ddim", steps: 5)
        s.conditionFile = zero
        #expect(message { try JobRunner.validate(s) } == "invalid parameter 'conditionFile': \(zero): is a character device, not a regular file")
        var e = JobSpec(kind: .eval); e.samples = "/dev/zero"; e.dataset = "ring8"
        #expect(message { try JobRunner.validate(e) } == "invalid parameter 'samples': /dev/zero: is a character device, not a regular file")
    }

    @Test func hugeLabelsAreOutOfRange() throws {
        let state = try TestState(); defer { state.remove() }
        for (i, huge) in ["1e30", "9223372036854775807", "100001"].enumerated() {
            let path = state.root.appendingPathComponent("labels\(i).csv").path
            try "x,y,label\n1,2,0\n3,4,\(huge)\n".write(toFile: path, atomically: true, encoding: .utf8)
            #expect(message { _ = try DataLoader.load(path: path) }
                    == "\(path):3: column 'label': label '\(huge)' is out of range (class labels are 0…100000)")
        }
        let ok = state.root.appendingPathComponent("ok.csv").path
        try "x,label\n1,100000\n2,3.0\n".write(toFile: ok, atomically: true, encoding: .utf8)
        #expect(try DataLoader.load(path: ok).labels == [100000, 3])
    }

    @Test func errorsQuoteOnlyAShortSanitizedSnippet() throws {
        let state = try TestState(); defer { state.remove() }
        // a secret-looking first line (like /etc/shadow's) and a long binary-ish field
        let secret = "root:$6$saltsalt$" + String(repeating: "h", count: 80) + ":19000:0:99999:7:::"
        let path = state.root.appendingPathComponent("shadow.csv").path
        try "\(secret)\n\(secret)\n".write(toFile: path, atomically: true, encoding: .utf8)
        let m = try #require(message { _ = try DataLoader.load(path: path, labelColumn: "label") })
        #expect(!m.contains(secret) && !m.contains(String(repeating: "h", count: 20)))
        let n = try #require(message { _ = try DataLoader.load(path: path) })
        #expect(!n.contains(String(repeating: "h", count: 20)))
        #expect(n.hasPrefix("\(path):2: column 'root:$6$saltsalt$hhhhhhh…': 'root:$6$saltsalt$hhhhhhh…' is not a number"))
        let control = state.root.appendingPathComponent("ctl.csv").path
        try "a\n\u{1B}[2J\u{07}x\n".write(toFile: control, atomically: true, encoding: .utf8)
        #expect(message { _ = try DataLoader.load(path: control) } == "\(control):2: column 'a': '?[2J?x' is not a number")
    }

    @Test func csvStreamsLongFilesAcrossReadBoundaries() throws {
        let state = try TestState(); defer { state.remove() }
        // > 2 read chunks, a CRLF row split anywhere, a BOM, and no newline at the end
        var text = "\u{FEFF}a,b,label\r\n"
        let n = 150_000
        for i in 0..<n { text += "\(i),\(-i),\(i % 3)\r\n" }
        text += "0.5,1.5,2"
        let path = state.root.appendingPathComponent("long.csv").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(text.utf8.count > 2 << 20)
        let ds = try DataLoader.load(path: path)
        #expect(ds.count == n + 1 && ds.dim == 2 && ds.columnNames == ["a", "b"])
        #expect(ds.points[2 * 123_456] == 123_456 && ds.points[2 * 123_456 + 1] == -123_456)
        #expect(ds.points.suffix(2) == [0.5, 1.5] && ds.labels?.last == 2 && ds.numClasses == 3)
    }

    @Test func outRefusesToOverwriteWithoutForce() throws {
        let state = try TestState(); defer { state.remove() }
        let existing = state.root.appendingPathComponent("s.csv").path
        try "x\n1\n".write(toFile: existing, atomically: true, encoding: .utf8)
        var s = sampleSpec(model: "m", sampler: "ddim", steps: 5)
        s.out = existing
        #expect(message { try JobRunner.validate(s) }
                == "invalid parameter 'out': '\(existing)' already exists; pass --force (spec field force: true) to overwrite it")
        s.force = true
        try JobRunner.validate(s)
        s.out = state.root.appendingPathComponent("new.csv").path
        s.force = nil
        try JobRunner.validate(s)
        // never a device, FIFO or directory, even with force
        let fifo = state.root.appendingPathComponent("p.csv").path
        #expect(mkfifo(fifo, 0o600) == 0)
        s.out = fifo; s.force = true
        #expect(message { try JobRunner.validate(s) } == "invalid parameter 'out': '\(fifo)' exists and is not a regular file; choose another path")
    }

    @Test func actTakesPlainModelNamesOnlyAndSampleFilesMustBeModels() throws {
        let state = try TestState(); defer { state.remove() }
        let server = PolicyServer(backend: SIMDBackend(threads: 1), modelsDir: state.models)
        let real = state.root.appendingPathComponent("x.ckpt").path
        try Data("not a checkpoint".utf8).write(to: URL(fileURLWithPath: real))
        func actError(_ name: String) -> String? { message { _ = try server.act(model: name, observation: [0, 0, 0, 4]) } }
        // the same refusal whether the file exists (real) or not (ghost): nothing is probed
        for (existing, missing) in [(real, state.root.appendingPathComponent("ghost.ckpt").path), ("../x.ckpt", "../ghost.ckpt")] {
            let a = try #require(actError(existing)), b = try #require(actError(missing))
            #expect(a.hasPrefix("invalid parameter 'model': '\(existing)' must be 1–64 letters"))
            #expect(a.replacingOccurrences(of: existing, with: "X") == b.replacingOccurrences(of: missing, with: "X"))
        }
        #expect(actError("nosuch") == "no model 'nosuch' (no models yet: train one first)")
        #expect(message { _ = try ModelStore.load(real, modelsDir: state.models) }?.hasPrefix("invalid parameter 'model'") == true)
        // a job's spec may name a checkpoint file (its copy of one the client passed open; the daemon
        // takes a path without a descriptor only from root or its own user): it must exist and be a model
        var s = sampleSpec(model: "../ghost.ckpt", sampler: "ddim", steps: 5)
        #expect(message { try JobRunner.validate(s) }?.hasPrefix("invalid parameter 'model'") == true)
        s.model = real
        #expect(message { try JobRunner.validate(s) } == nil)
        #expect(message { _ = try ModelStore.load(real, modelsDir: state.models, allowPath: true) }?.contains("is not a model checkpoint") == true)
    }
}

@Suite struct OutputForceTests {
    @Test func forceReplacesAnExistingOutFile() throws {
        let state = try TestState(); defer { state.remove() }
        var t = trainSpec(name: "tiny", steps: 30)
        t.width = 16; t.depth = 1; t.datasetSize = 256; t.batchSize = 64
        _ = try JobRunner.run(t, context: state.context("t"))
        let out = state.root.appendingPathComponent("samples.csv")
        try "old\n".write(to: out, atomically: true, encoding: .utf8)
        var s = sampleSpec(model: "tiny", sampler: "ddim", steps: 5, count: 10)
        s.out = out.path
        // refused at run time too (the file may appear after the job was accepted)
        #expect(throws: JobError.invalid(field: "out", message: "'\(out.path)' already exists; pass --force (spec field force: true) to overwrite it")) {
            _ = try JobRunner.run(s, context: state.context("s1"))
        }
        #expect(try String(contentsOf: out, encoding: .utf8) == "old\n")
        s.force = true
        #expect(try JobRunner.run(s, context: state.context("s2")).result != nil)
        let rows = try String(contentsOf: out, encoding: .utf8).split(separator: "\n")
        #expect(rows.count == 11 && !rows.contains("old"))   // header + 10 samples
    }
}
