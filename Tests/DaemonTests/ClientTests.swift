// ClientTests.swift — the real diffctl against a real daemon: help for every subcommand, the
// no-daemon advice, exit codes per failure class, --json output for scripts, show/get/models,
// and Ctrl-C on follow detaching without touching the job.
import DiffProtocol
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized) struct ClientTests {
    static let subcommands = ["train", "sample", "eval", "sweep", "jobs", "show", "follow", "cancel", "rm", "get", "models", "info", "schedule"]

    @Test func everySubcommandHasHelpWithExamples() throws {
        let top = try diffctl(["--help"], socket: nil)
        #expect(top.status == 0)
        for cmd in ClientTests.subcommands {
            #expect(top.stdout.contains("  \(cmd) "), "top-level help lists \(cmd)")
            let r = try diffctl([cmd, "--help"], socket: "/nonexistent/sock")
            #expect(r.status == 0, "\(cmd) --help: \(r.stderr)")
            #expect(r.stdout.hasPrefix("usage: diffctl \(cmd)"), "\(cmd) --help")
            #expect(r.stdout.contains("examples:\n  diffctl"), "\(cmd) --help has examples")
        }
    }

    @Test func usageErrorsExitTwo() throws {
        for args in [["frobnicate"], ["train", "--steps", "ten", "--dataset", "ring8"], ["train", "--bogus", "1"],
                     ["sample", "--steps", "5"], ["follow"], ["train", "--steps"]] {
            let r = try diffctl(args, socket: "/nonexistent/sock")
            #expect(r.status == 2, "\(args): \(r.stderr)")
            #expect(r.stderr.hasPrefix("diffctl: "))
        }
    }

    @Test func noDaemonSaysHowToStartOne() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try diffctl(["jobs"], socket: dir + "/sock")
        #expect(r.status == 3)
        #expect(r.stderr.contains("no daemon at \(dir)/sock"))
        #expect(r.stderr.contains("diffusiond &") && r.stderr.contains("systemctl --user start diffusiond"))
        // --socket beats the environment variable
        let r2 = try diffctl(["--socket", dir + "/other", "info"], socket: dir + "/sock")
        #expect(r2.status == 3 && r2.stderr.contains("no daemon at \(dir)/other"))
    }

    @Test func scriptsGetJSONAndExitCodes() throws {
        let d = try DaemonProcess()
        defer { d.cleanup() }
        try d.start()
        let work = d.dir + "/work"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)

        // submit with --json --follow: the first object carries the id, then one event per line
        let train = try diffctl(["--json", "train", "--dataset", "ring8", "--steps", "300", "--batch-size", "128", "--width", "64",
                                 "--name", "cli", "--seed", "5", "--follow"], socket: d.socket)
        #expect(train.status == 0, "\(train.stderr)\n\(d.log.suffix(2000))")
        let lines = train.stdout.split(separator: "\n").map { try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) }
        #expect(lines.allSatisfy { $0 != nil }, "every line is JSON")
        let id = try #require(lines.first??["id"]?.stringValue)
        #expect(lines.last??["state"]?.stringValue == "succeeded")
        #expect(lines.contains { $0?["kind"]?.stringValue == "progress" })

        // relative --out is resolved in the client's directory
        let sample = try diffctl(["sample", "--model", "cli", "--sampler", "ddim", "--steps", "10", "-n", "64", "--out", "s.csv",
                                  "--follow", "--json"], socket: d.socket, cwd: work)
        #expect(sample.status == 0, "\(sample.stderr)")
        #expect(FileManager.default.fileExists(atPath: work + "/s.csv"))

        let eval = try diffctl(["eval", "--samples", "s.csv", "--dataset", "ring8", "--follow", "--json"], socket: d.socket, cwd: work)
        #expect(eval.status == 0, "\(eval.stderr)")
        let sweep = try diffctl(["sweep", "--model", "cli", "--samplers", "ddim:5,10", "-n", "100", "--follow", "--json"], socket: d.socket)
        #expect(sweep.status == 0, "\(sweep.stderr)")
        #expect(sweep.stdout.contains("sweep_csv"))

        // refused requests exit 4 with the daemon's reason
        let bad = try diffctl(["train", "--dataset", "ring8", "--steps", "-5", "--name", "x"], socket: d.socket)
        #expect(bad.status == 4 && bad.stderr.contains("steps"))
        let missing = try diffctl(["sample", "--model", "nope", "--steps", "5", "-n", "5"], socket: d.socket)
        #expect(missing.status == 4 && missing.stderr.contains("no model 'nope'"))
        let unknown = try diffctl(["show", "j999"], socket: d.socket)
        #expect(unknown.status == 4 && unknown.stderr.contains("no job 'j999'"))

        // show --json is one object with configuration, timings, metrics and outputs
        let show = try diffctl(["show", id, "--json"], socket: d.socket)
        #expect(show.status == 0)
        let obj = try JSONDecoder().decode(ShowReply.self, from: Data(show.stdout.utf8))
        #expect(obj.job.id == id && obj.job.state == .succeeded && obj.job.spec?["seed"] == .int(5))
        #expect(obj.job.createdAt != nil && obj.job.finishedAt != nil && obj.job.runSeconds != nil)
        #expect(obj.job.metrics?["steps"] == 300)
        let human = try diffctl(["show", id], socket: d.socket)
        #expect(human.status == 0 && human.stdout.contains("configuration") && human.stdout.contains("outputs"))

        // get copies the outputs where the user says
        let get = try diffctl(["get", id, "copied"], socket: d.socket, cwd: work)
        #expect(get.status == 0, "\(get.stderr)")
        #expect(FileManager.default.fileExists(atPath: work + "/copied/loss.csv"))
        #expect(FileManager.default.fileExists(atPath: work + "/copied/model.ckpt"))

        let jobs = try diffctl(["jobs"], socket: d.socket)
        #expect(jobs.stdout.split(separator: "\n").first?.hasPrefix("ID  KIND") == true)
        #expect(jobs.stdout.split(separator: "\n").count == 5)   // header + train, sample, eval, sweep
        // a job that succeeded with a warning is marked "succeeded!" with a footnote on stderr
        let listed = try JSONDecoder().decode(JobListReply.self, from: Data(try diffctl(["jobs", "--json"], socket: d.socket).stdout.utf8))
        for j in listed.jobs where j.state == .succeeded {
            let row = try #require(jobs.stdout.split(separator: "\n").first { $0.hasPrefix(j.id + " ") })
            #expect(row.contains("succeeded!") == (j.warnings?.isEmpty == false), "\(row) / \(j.warnings ?? [])")
        }
        #expect(jobs.stderr.contains("! succeeded with a warning") == listed.jobs.contains { $0.warnings?.isEmpty == false })
        let withMetrics = try diffctl(["jobs", "--metrics"], socket: d.socket)
        #expect(withMetrics.stdout.split(separator: "\n").first?.contains("HIGH_QUALITY") == true)
        let models = try diffctl(["models", "--json"], socket: d.socket)
        #expect(try JSONDecoder().decode(ModelsReply.self, from: Data(models.stdout.utf8)).models.map(\.name) == ["cli"])
        let info = try diffctl(["info"], socket: d.socket)
        #expect(info.status == 0 && info.stdout.contains("backend") && info.stdout.contains("why"))
        let schedule = try diffctl(["schedule", "--schedule", "cosine", "--timesteps", "100", "--json"], socket: d.socket)
        #expect(schedule.status == 0, "\(schedule.stderr)")
        #expect(try JSONDecoder().decode(ScheduleInfo.self, from: Data(schedule.stdout.utf8)).timesteps == 100)
    }

    @Test func ctrlCOnFollowDetachesAndTheJobGoesOn() throws {
        let d = try DaemonProcess()
        defer { d.cleanup() }
        try d.start()
        let job = try submit(try d.connect(), trainSpec(name: "bg", steps: 1500))
        let out = d.dir + "/follow.out"
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try binary("diffctl"))
        p.arguments = ["--socket", d.socket, "follow", job.id]
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        p.standardError = p.standardOutput
        try p.run()
        try waitUntil(60, "follow to print progress") {
            ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").contains("\"progress\"")
        }
        kill(p.processIdentifier, SIGINT)
        try waitUntil(30, "follow to exit") { !p.isRunning }
        #expect(p.terminationStatus == 130)
        #expect(((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").contains("detached from \(job.id)"))
        #expect(try follow(d, job.id).events.last?.state == .succeeded)
        let again = try diffctl(["follow", job.id], socket: d.socket)
        #expect(again.status == 0)   // follow of a finished job reports its outcome at once
    }
}
