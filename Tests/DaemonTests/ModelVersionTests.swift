// ModelVersionTests.swift — model versions through the real binaries: training under an existing
// name is refused at submit (exit 4, naming the model, its job and --new-version), --new-version
// makes NAME@2 and NAME resolves to it, `get` of the first job returns version 1's files, `models`
// lists both, `models rm` is refused while a job uses the model and works after, and --model
// takes a checkpoint file (a file that is not one is refused clearly).
import DiffProtocol
import Foundation
import Testing

@Suite(.serialized) struct ModelVersionTests {
    static let tiny = ["--dataset", "ring8", "--steps", "100", "--batch-size", "64", "--width", "32", "--depth", "2"]

    @Test func versionsGetAndRemove() throws {
        let d = try DaemonProcess()
        defer { d.cleanup() }
        try d.start()
        let work = d.dir + "/work"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)

        let first = try diffctl(["--json", "train"] + Self.tiny + ["--name", "vm", "--seed", "1", "--follow"], socket: d.socket)
        #expect(first.status == 0, "\(first.stderr)\n\(d.log.suffix(2000))")
        let j1 = try #require(first.stdout.split(separator: "\n").first.flatMap { try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) }?["id"]?.stringValue)

        // the same name again: refused at submit, nothing queued
        let again = try diffctl(["train"] + Self.tiny + ["--name", "vm", "--seed", "2"], socket: d.socket)
        #expect(again.status == 4, "\(again.stdout) \(again.stderr)")
        #expect(again.stderr.contains("vm@1") && again.stderr.contains(j1) && again.stderr.contains("--new-version")
                && again.stderr.contains("--name"), "\(again.stderr)")
        #expect(!again.stdout.contains("submitted"))

        // --new-version: vm@2, and plain vm means it
        let second = try diffctl(["--json", "train"] + Self.tiny + ["--name", "vm", "--new-version", "--seed", "2", "--follow"], socket: d.socket)
        #expect(second.status == 0, "\(second.stderr)")
        let j2 = try #require(second.stdout.split(separator: "\n").first.flatMap { try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) }?["id"]?.stringValue)
        #expect(try jobInfo(d, j1).model == "vm@1")
        #expect(try jobInfo(d, j2).model == "vm@2")
        let show = try diffctl(["show", j2], socket: d.socket)
        #expect(show.stdout.contains("vm@2"), "\(show.stdout)")

        // get of the first job: version 1's checkpoint, trained by j1, not the newer one
        let got = try diffctl(["get", j1, work + "/g1"], socket: d.socket)
        #expect(got.status == 0, "\(got.stderr)")
        let v1 = try Data(contentsOf: URL(fileURLWithPath: d.stateDir + "/models/vm/model.ckpt"))
        let v2 = try Data(contentsOf: URL(fileURLWithPath: d.stateDir + "/models/vm/v2/model.ckpt"))
        let copied = try Data(contentsOf: URL(fileURLWithPath: work + "/g1/model.ckpt"))
        #expect(copied == v1 && copied != v2)
        let meta1 = try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: URL(fileURLWithPath: d.stateDir + "/models/vm/model.json")))
        #expect(meta1["jobID"]?.stringValue == j1)

        // models lists both versions in 80 columns
        let models = try diffctl(["models"], socket: d.socket)
        #expect(models.stdout.contains("vm@1") && models.stdout.contains("vm@2"), "\(models.stdout)")
        #expect(models.stdout.split(separator: "\n").allSatisfy { $0.count <= 80 }, "\(models.stdout)")

        // sample by name uses the latest; by NAME@1 the first
        let s = try diffctl(["--json", "sample", "--model", "vm", "-n", "10", "--steps", "5"], socket: d.socket)
        let sID = try #require(s.stdout.split(separator: "\n").first.flatMap { try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) }?["id"]?.stringValue)
        #expect(try jobInfo(d, sID).model == "vm@2")
        let missing = try diffctl(["sample", "--model", "vm@7", "-n", "10"], socket: d.socket)
        #expect(missing.status == 4 && missing.stderr.contains("vm@7") && missing.stderr.contains("vm@2"), "\(missing.stderr)")

        // rm is refused while a queued or running job uses it: a long sample on vm@1
        let busy = try diffctl(["--json", "sample", "--model", "vm@1", "-n", "20000", "--sampler", "ddpm", "--steps", "1000"], socket: d.socket)
        let busyID = try #require(busy.stdout.split(separator: "\n").first.flatMap { try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) }?["id"]?.stringValue)
        let refused = try diffctl(["models", "rm", "vm@1"], socket: d.socket)
        let busyState = try jobInfo(d, busyID).state
        if !busyState.isTerminal {
            #expect(refused.status == 4 && refused.stderr.contains(busyID), "\(refused.stderr)")
            #expect(FileManager.default.fileExists(atPath: d.stateDir + "/models/vm/model.ckpt"))
        }
        // deterministic: a training job that will not end soon produces vm@3, so `models rm vm` is refused
        let long = try diffctl(["--json", "train", "--dataset", "ring8", "--steps", "10000000", "--batch-size", "64", "--width", "32",
                                "--name", "vm", "--new-version"], socket: d.socket)
        let longID = try #require(long.stdout.split(separator: "\n").first.flatMap { try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) }?["id"]?.stringValue)
        #expect(try jobInfo(d, longID).model == "vm@3")
        let whileTraining = try diffctl(["models", "rm", "vm"], socket: d.socket)
        #expect(whileTraining.status == 4 && whileTraining.stderr.contains(longID) && whileTraining.stderr.contains("vm@3"), "\(whileTraining.stderr)")
        #expect(FileManager.default.fileExists(atPath: d.stateDir + "/models/vm/v2/model.ckpt"))
        _ = try diffctl(["cancel", longID], socket: d.socket)
        _ = try follow(d, longID)
        _ = try diffctl(["cancel", busyID], socket: d.socket)
        _ = try follow(d, busyID)
        _ = try follow(d, sID)
        let removed = try diffctl(["models", "rm", "vm@1"], socket: d.socket)
        #expect(removed.status == 0 && removed.stdout.contains("vm@1"), "\(removed.stderr)")
        #expect(!FileManager.default.fileExists(atPath: d.stateDir + "/models/vm/model.ckpt"))
        let after = try diffctl(["models"], socket: d.socket)
        #expect(!after.stdout.contains("vm@1") && after.stdout.contains("vm@2"), "\(after.stdout)")
        let all = try diffctl(["models", "rm", "vm"], socket: d.socket)
        #expect(all.status == 0 && !FileManager.default.fileExists(atPath: d.stateDir + "/models/vm"), "\(all.stderr)")
        let gone = try diffctl(["models", "rm", "vm"], socket: d.socket)
        #expect(gone.status == 4, "\(gone.stderr)")
    }

    @Test func oldUnversionedModelLoadsAsVersionOne() throws {
        let d = try DaemonProcess()
        defer { d.cleanup() }
        try d.start()
        let t = try diffctl(["train"] + Self.tiny + ["--name", "old", "--follow"], socket: d.socket)
        #expect(t.status == 0, "\(t.stderr)")
        // strip the version from its metadata, as a daemon before versions wrote it
        let path = d.stateDir + "/models/old/model.json"
        guard case .object(var o) = try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: URL(fileURLWithPath: path))) else { return }
        o["version"] = nil
        try JSONEncoder().encode(JSONValue.object(o)).write(to: URL(fileURLWithPath: path))
        let models = try diffctl(["models"], socket: d.socket)
        #expect(models.stdout.contains("old@1"), "\(models.stdout)")
        let s = try diffctl(["sample", "--model", "old@1", "-n", "10", "--steps", "5", "--follow"], socket: d.socket)
        #expect(s.status == 0, "\(s.stderr)")
    }

    @Test func checkpointFileAsModel() throws {
        let d = try DaemonProcess()
        defer { d.cleanup() }
        try d.start()
        let work = d.dir + "/work"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        let t = try diffctl(["--json", "train"] + Self.tiny + ["--name", "ck", "--follow"], socket: d.socket)
        #expect(t.status == 0, "\(t.stderr)")
        let j = try #require(t.stdout.split(separator: "\n").first.flatMap { try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) }?["id"]?.stringValue)
        #expect(try diffctl(["get", j, work + "/m"], socket: d.socket).status == 0)
        // by path, and as a bare file name in the working directory
        let byPath = try diffctl(["sample", "--model", work + "/m/model.ckpt", "-n", "10", "--steps", "5", "--follow"], socket: d.socket)
        #expect(byPath.status == 0, "\(byPath.stderr)\n\(d.log.suffix(2000))")
        let bare = try diffctl(["sample", "--model", "model.ckpt", "-n", "10", "--steps", "5", "--follow"], socket: d.socket, cwd: work + "/m")
        #expect(bare.status == 0, "\(bare.stderr)")
        // a file that is no checkpoint: refused at submit, in plain words
        try "x,y\n1,2\n".write(toFile: work + "/points.csv", atomically: true, encoding: .utf8)
        let notModel = try diffctl(["sample", "--model", work + "/points.csv", "-n", "10"], socket: d.socket)
        #expect(notModel.status == 4 && notModel.stderr.contains("not a model checkpoint") && !notModel.stderr.contains("keyNotFound"), "\(notModel.stderr)")
        let nothing = try diffctl(["sample", "--model", work + "/nope.ckpt", "-n", "10"], socket: d.socket)
        #expect(nothing.status == 4 && nothing.stderr.contains("nope.ckpt"), "\(nothing.stderr)")
    }
}
