// ExportTests.swift — `diffctl export` and `diffctl forward` against the real daemon: a tiny
// unconditional and a class-conditional model are exported as safetensors and npz, and
// scripts/export-check.py (numpy + safetensors from .venv-export, made by `make export-venv`)
// recomputes the network in numpy and compares it with the daemon's forward pass; a tampered
// sidecar makes it fail. Refusals: unknown model, bad format, existing files (unless --force),
// bad forward rows, a raw export request without files — each with its exit status, and the
// daemon serves on. Under CI=true the numpy check must run; elsewhere it skips without the venv.
import DiffProtocol
import Foundation
import Testing

@Suite(.serialized) struct ExportTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let ci = ProcessInfo.processInfo.environment["CI"] == "true"
    static var python: String { repo.appendingPathComponent(".venv-export/bin/python").path }
    static var script: String { repo.appendingPathComponent("scripts/export-check.py").path }

    /// Runs the check script; returns its status and output.
    static func check(_ args: [String], socket: String) throws -> CLIResult {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = [script, "--diffctl", try binary("diffctl")] + args
        var env = ProcessInfo.processInfo.environment
        env["DIFFUSIOND_SOCKET"] = socket
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out; p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return CLIResult(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    static func maxDiff(_ output: String) -> Double? {
        guard let r = output.range(of: "max abs diff: ") else { return nil }
        return Double(output[r.upperBound...].prefix { !$0.isWhitespace })
    }

    @Test func exportedModelsRecomputeInNumpyAsTheDaemonComputesThem() throws {
        let ready = FileManager.default.isExecutableFile(atPath: Self.python)
        if !ready {
            if Self.ci { throw HarnessError(description: "CI needs \(Self.python) (numpy + safetensors) for the export round trip: run `make export-venv`") }
            print("skipped: no \(Self.python); `make export-venv` creates it (python3 -m venv + pip install numpy safetensors)")
            return
        }
        let d = try DaemonProcess()
        defer { d.cleanup() }
        try d.start()
        let c = try d.connect()
        let plain = try submit(c, trainSpec(name: "plain", steps: 60, extra: ["width": .int(32)]))
        let cond = try submit(c, trainSpec(name: "cond", steps: 60, extra: ["width": .int(32), "conditional": .bool(true)]))
        for job in [plain, cond] { #expect(try follow(d, job.id).events.last?.state == .succeeded, "\(d.log.suffix(2000))") }

        for model in ["plain", "cond"] {
            for ext in ["safetensors", "npz"] {
                let r = try diffctl(["export", model, "--format", ext, "--out", "\(d.dir)/\(model).\(ext)"], socket: d.socket)
                #expect(r.status == 0, "\(r.stderr)")
                #expect(r.stdout.contains("layers.0.weight") && r.stdout.contains("output.bias"))
                #expect(r.stdout.contains("class_embedding.weight") == (model == "cond"))
            }
            let r = try Self.check(["--model", model, "--weights", "\(d.dir)/\(model).safetensors", "--weights", "\(d.dir)/\(model).npz",
                                    "--rows", "64"], socket: d.socket)
            #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
            #expect(r.stdout.contains("export check: ok"), "\(r.stdout)")
            let diff = try #require(Self.maxDiff(r.stdout), "\(r.stdout)")
            #expect(diff < 1e-4, "max |F_numpy − F_daemon| = \(diff)")
            print("export check of '\(model)': max abs diff \(diff)")
        }

        // the check can fail: the sidecar claiming another activation no longer reproduces F
        let sidecar = try String(contentsOfFile: "\(d.dir)/plain.npz.json", encoding: .utf8)
        #expect(sidecar.contains("\"activation\" : \"silu\""))
        try sidecar.replacingOccurrences(of: "\"activation\" : \"silu\"", with: "\"activation\" : \"relu\"")
            .write(toFile: "\(d.dir)/tampered.json", atomically: true, encoding: .utf8)
        let bad = try Self.check(["--model", "plain", "--weights", "\(d.dir)/plain.npz", "--sidecar", "\(d.dir)/tampered.json"], socket: d.socket)
        #expect(bad.status == 1, "\(bad.stdout)\n\(bad.stderr)")
        #expect(bad.stderr.contains("forward pass differs"))
    }

    @Test func exportAndForwardRefuseBadRequestsWithTheirExitStatus() throws {
        let d = try DaemonProcess()
        defer { d.cleanup() }
        try d.start()
        let job = try submit(try d.connect(), trainSpec(name: "tiny", steps: 20, extra: ["width": .int(16)]))
        #expect(try follow(d, job.id).events.last?.state == .succeeded)
        let out = d.dir + "/tiny.safetensors"

        // unknown model: refused (4), and the files this run created are gone again
        let unknown = try diffctl(["export", "nope", "--out", d.dir + "/nope.npz"], socket: d.socket)
        #expect(unknown.status == 4 && unknown.stderr.contains("no model 'nope'"), "\(unknown.stderr)")
        #expect(!FileManager.default.fileExists(atPath: d.dir + "/nope.npz") && !FileManager.default.fileExists(atPath: d.dir + "/nope.npz.json"))
        // bad format, no format for an unknown extension, no MODEL, no --out: usage (2)
        for args in [["export", "tiny", "--format", "onnx", "--out", out], ["export", "tiny", "--out", d.dir + "/tiny.bin"],
                     ["export", "--out", out], ["export", "tiny"]] {
            let r = try diffctl(args, socket: d.socket)
            #expect(r.status == 2, "\(args): \(r.stderr)")
        }
        #expect(try diffctl(["export", "tiny", "--format", "onnx", "--out", out], socket: d.socket).stderr.contains("--format"))
        #expect(!FileManager.default.fileExists(atPath: out))

        // existing files: refused without --force (contents untouched), replaced with it
        try Data("keep".utf8).write(to: URL(fileURLWithPath: out))
        let exists = try diffctl(["export", "tiny", "--out", out], socket: d.socket)
        #expect(exists.status == 4 && exists.stderr.contains("already exists") && exists.stderr.contains("--force"), "\(exists.stderr)")
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "keep")
        #expect(!FileManager.default.fileExists(atPath: out + ".json"))
        let forced = try diffctl(["export", "tiny", "--out", out, "--force", "--json"], socket: d.socket)
        #expect(forced.status == 0, "\(forced.stderr)")
        let reply = try JSONDecoder().decode(ExportReply.self, from: Data(forced.stdout.utf8))
        let written = try Data(contentsOf: URL(fileURLWithPath: out))
        #expect(written.count == reply.bytes && reply.format == "safetensors" && reply.tensors.first?.name == "layers.0.weight")
        #expect(try Data(contentsOf: URL(fileURLWithPath: out + ".json")).count == reply.sidecarBytes)
        // only the sidecar exists: refused too, and the weights file this run created is removed
        try FileManager.default.removeItem(atPath: out)
        let sidecarExists = try diffctl(["export", "tiny", "--out", out], socket: d.socket)
        #expect(sidecarExists.status == 4 && sidecarExists.stderr.contains(".json"), "\(sidecarExists.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))

        // forward: rows of the wrong width, an unknown model, t out of range (4); no --input (2)
        let input = d.dir + "/in.csv"
        try "x0,x1\n0.5,1\n".write(toFile: input, atomically: true, encoding: .utf8)
        let narrow = try diffctl(["forward", "tiny", "--input", input], socket: d.socket)
        #expect(narrow.status == 4 && narrow.stderr.contains("--input") && narrow.stderr.contains("x0, x1, t"), "\(narrow.stderr)")
        try "0.5,1,2\n".write(toFile: input, atomically: true, encoding: .utf8)
        #expect(try diffctl(["forward", "tiny", "--input", input], socket: d.socket).status == 4)
        #expect(try diffctl(["forward", "nope", "--input", input], socket: d.socket).status == 4)
        #expect(try diffctl(["forward", "tiny"], socket: d.socket).status == 2)
        try "x0,x1,t\n0.5,1,0.5\n-1,0,1\n".write(toFile: input, atomically: true, encoding: .utf8)
        let ok = try diffctl(["forward", "tiny", "--input", input], socket: d.socket)
        #expect(ok.status == 0, "\(ok.stderr)")
        let lines = ok.stdout.split(separator: "\n")
        #expect(lines.count == 3 && lines[0] == "f0,f1" && lines.dropFirst().allSatisfy { $0.split(separator: ",").compactMap { Float($0) }.count == 2 })

        // a raw export request without its two files: refused, naming them; the daemon serves on
        let c = try d.connect()
        let refused = #expect(throws: ProtocolError.self) {
            _ = try c.call(.export(ExportRequest(model: "tiny", format: "npz")), timeout: 30)
        }
        #expect(refused?.field == "files", "\(String(describing: refused))")
        #expect(try diffctl(["models"], socket: d.socket).status == 0)
        #expect(d.isRunning)
    }
}
