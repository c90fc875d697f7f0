// JobFileTests.swift — jobs as files, through the real diffctl and daemon: `train -f FILE` with a
// command-line override, an unknown key in a file refused with a suggestion, `--dry-run` printing
// every default and queueing nothing, `show` printing the resolved configuration; and the
// client's defaults table (SpecDefaults) checked against what the engine's resolution fills.
import DiffProtocol
import Foundation
import Jobs
import Testing

@Suite(.serialized) struct JobFileTests {
    private func write(_ object: [String: JSONValue], to path: String) throws {
        try JSONValue.object(object).jsonData().write(to: URL(fileURLWithPath: path))
    }

    private func jobIDs(_ d: DaemonProcess) throws -> [String] {
        let r = try diffctl(["jobs", "-q"], socket: d.socket)
        #expect(r.status == 0, "\(r.stderr)")
        return r.stdout.split(separator: "\n").map(String.init)
    }

    @Test func fileWithOverrideUnknownKeyAndDryRun() throws {
        let d = try DaemonProcess()
        defer { d.cleanup() }
        try d.start()
        let file = d.dir + "/job.json"
        try write(["kind": .string("train"), "dataset": .string("ring8"), "steps": .int(400), "batchSize": .int(64),
                   "width": .int(32), "name": .string("fromfile"), "seed": .int(3)], to: file)

        // --dry-run: every default filled, exit 0, nothing queued
        let dry = try diffctl(["train", "-f", file, "--steps", "120", "--dry-run"], socket: d.socket)
        #expect(dry.status == 0, "\(dry.stderr)\n\(d.log.suffix(1500))")
        let resolved = try JSONDecoder().decode(JSONValue.self, from: Data(dry.stdout.utf8))
        #expect(resolved["steps"] == .int(120), "the flag overrides the file")
        #expect(resolved["batchSize"] == .int(64) && resolved["name"] == .string("fromfile"), "the file's keys are kept")
        for key in ["lr", "emaDecay", "timesteps", "depth", "objective", "schedule", "clipNorm"] {
            #expect(sameValue(resolved[key], SpecDefaults.train[key]), "dry run fills \(key) with its default: \(String(describing: resolved[key]))")
        }
        #expect(resolved["checkpointEvery"] != nil && resolved["backend"] != nil, "the daemon's own defaults are filled too")
        #expect(dry.stderr.contains("nothing queued"))
        #expect(try jobIDs(d).isEmpty, "a dry run queues nothing")

        // the real submit: the override wins, the rest comes from the file
        let sub = try diffctl(["--json", "train", "-f", file, "--steps", "120"], socket: d.socket)
        #expect(sub.status == 0, "\(sub.stderr)")
        let id = try #require(try JSONDecoder().decode(JSONValue.self, from: Data(sub.stdout.split(separator: "\n")[0].utf8))["id"]?.stringValue)
        let info = try jobInfo(d, id)
        #expect(info.spec?["steps"] == .int(120) && info.spec?["batchSize"] == .int(64) && info.spec?["width"] == .int(32))
        #expect(sameValue(info.resolvedSpec?["lr"], SpecDefaults.train["lr"]), "the job records its resolved spec")

        // show prints the resolved configuration, defaults marked
        let show = try diffctl(["show", id, "--no-preview"], socket: d.socket, env: ["COLUMNS": "200"])
        #expect(show.status == 0, "\(show.stderr)")
        let emaLine = show.stdout.split(separator: "\n").first { $0.contains("emaDecay") }
        #expect(emaLine?.contains("(default)") == true, "show lists defaulted keys: \(show.stdout)")
        let widthLine = show.stdout.split(separator: "\n").first { $0.contains(" width ") }
        #expect(widthLine.map { $0.contains("32") && !$0.contains("(default)") } == true, "a given key is not marked default")

        // an unknown key in the file: refused (exit 4), the file and a suggestion named, nothing queued
        let bad = d.dir + "/bad.json"
        try write(["dataset": .string("ring8"), "stpes": .int(100)], to: bad)
        let r = try diffctl(["train", "-f", bad], socket: d.socket)
        #expect(r.status == 4, "\(r.stderr)")
        #expect(r.stderr.contains("bad.json") && r.stderr.contains("stpes") && r.stderr.contains("did you mean 'steps'"), "\(r.stderr)")
        #expect(try jobIDs(d) == [id], "the refused file queued nothing")

        // a file of another kind, or one that is not a JSON object: usage errors
        try write(["kind": .string("sample"), "model": .string("fromfile")], to: bad)
        #expect(try diffctl(["train", "-f", bad], socket: d.socket).status == 2)
        try Data("[1, 2]".utf8).write(to: URL(fileURLWithPath: bad))
        let notObject = try diffctl(["train", "-f", bad], socket: d.socket)
        #expect(notObject.status == 2 && notObject.stderr.contains("JSON object"))
        #expect(d.isRunning, "the daemon survives bad files")
    }

    @Test func dryRunStillChecksTheSpec() throws {
        let d = try DaemonProcess()
        defer { d.cleanup() }
        try d.start()
        // a model that does not exist is refused by a dry run, as by a submit
        let r = try diffctl(["sample", "--model", "nosuchmodel", "--dry-run"], socket: d.socket)
        #expect(r.status == 4, "\(r.stdout)\n\(r.stderr)")
        let lr = try diffctl(["train", "--dataset", "ring8", "--name", "x", "--lr", "5", "--dry-run"], socket: d.socket)
        #expect(lr.status == 4 && lr.stderr.contains("lr"), "\(lr.stderr)")
        #expect(try jobIDs(d).isEmpty)
    }

    /// The table the client shows as defaults is the one the engine fills.
    @Test func specDefaultsMatchTheResolution() throws {
        func resolved(_ object: [String: JSONValue]) throws -> JSONValue {
            let spec = try JobSpec.decode(JSONValue.object(object).jsonData())
            return try JSONDecoder().decode(JSONValue.self, from: spec.withDefaults().encoded())
        }
        let cases: [(String, [String: JSONValue], [String: JSONValue])] = [
            ("train", ["kind": .string("train"), "dataset": .string("ring8"), "name": .string("m")], SpecDefaults.train),
            ("gmm", ["kind": .string("gmm"), "dataset": .string("ring8"), "name": .string("m")], SpecDefaults.gmm),
            ("sample", ["kind": .string("sample"), "model": .string("m")], SpecDefaults.sample),
            ("sweep", ["kind": .string("sweep"), "model": .string("m")], SpecDefaults.sweep),
            ("eval", ["kind": .string("eval"), "model": .string("m"), "task": .string("policy_maze")], SpecDefaults.policyEval),
        ]
        for (kind, spec, table) in cases {
            let r = try resolved(spec)
            for (key, value) in table {
                let got = r[key]
                #expect(sameValue(got, value), "\(kind): default of \(key) is \(value) in SpecDefaults, the resolution fills \(String(describing: got))")
            }
        }
        // the per-sampler steps
        for (sampler, steps) in SpecDefaults.sampleSteps {
            let r = try resolved(["kind": .string("sample"), "model": .string("m"), "sampler": .string(sampler)])
            #expect(r["steps"]?.doubleValue == Double(steps), "\(sampler): \(String(describing: r["steps"]))")
        }
    }
}

/// Equal JSON values, numbers by value (1 and 1.0 are the same default).
func sameValue(_ a: JSONValue?, _ b: JSONValue?) -> Bool {
    guard let a, let b else { return false }
    if let x = a.doubleValue, let y = b.doubleValue { return x == y }
    if case .array(let xs) = a, case .array(let ys) = b { return xs.count == ys.count && zip(xs, ys).allSatisfy { sameValue($0, $1) } }
    return a == b
}
