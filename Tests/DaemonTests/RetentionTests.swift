// RetentionTests.swift — the state directory's housekeeping through the real daemon: temp files
// of interrupted atomic writes are removed at start, a loose pre-existing state directory is
// tightened to 0700, finished jobs past job_retention are removed at start (0 keeps them), and
// `prune` removes finished jobs on demand (by state, by age), leaving running jobs and models.
import DiffProtocol
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A train job's model small enough to start at once (width 64 needs timeEmbedDim ≤ 64).
let smallModel: [String: JSONValue] = ["timeEmbedDim": .int(32), "depth": .int(2)]

/// The error a request is refused with; nil when it is answered.
func refusal(_ c: ClientConnection, _ body: RequestBody) throws -> ProtocolError? {
    do { _ = try c.call(body, timeout: 30); return nil } catch let e as ProtocolError { return e }
}

@Suite(.serialized) struct RetentionTests {
    /// A job that is queued behind `blocker` (max_jobs 1), cancelled at once: finished instantly.
    func cancelledJob(_ c: ClientConnection, _ d: DaemonProcess, _ name: String) throws -> String {
        let j = try submit(c, trainSpec(name: name, steps: 10_000_000, extra: smallModel))
        _ = try c.call(.cancel(JobRequest(job: j.id)), timeout: 30)
        #expect(try follow(d, j.id).events.last?.state == .cancelled)
        return j.id
    }

    @Test func staleTempFilesGoAndModesTightenAtStart() throws {
        let d = try DaemonProcess()
        defer { d.cleanup() }
        let fm = FileManager.default
        try fm.createDirectory(atPath: d.stateDir + "/models/m", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: d.stateDir + "/jobs/j7", withIntermediateDirectories: true)
        let stale = [d.stateDir + "/.next-id.tmp-4242-123456", d.stateDir + "/jobs/j7/.status.json.tmp-1-2",
                     d.stateDir + "/models/m/.model.ckpt.tmp-99-3000000000"]
        let kept = [d.stateDir + "/models/m/model.json", d.stateDir + "/models/m/notes.tmp-1-2", d.stateDir + "/models/m/.hidden",
                    d.stateDir + "/jobs/j7/.x.tmp-12-ab"]
        for p in stale + kept { #expect(fm.createFile(atPath: p, contents: Data(repeating: 7, count: 1000))) }
        chmod(d.stateDir, 0o755); chmod(d.stateDir + "/models", 0o777); chmod(d.stateDir + "/jobs", 0o755)
        try d.start()
        for p in stale { #expect(!fm.fileExists(atPath: p), "\(p) left behind") }
        for p in kept { #expect(fm.fileExists(atPath: p), "\(p) removed") }
        #expect(d.log.contains("removed temp files of interrupted writes"))
        var st = stat()
        for sub in ["", "/jobs", "/models"] {
            #expect(stat(d.stateDir + sub, &st) == 0 && st.st_mode & 0o777 == 0o700, "\(sub): \(String(st.st_mode & 0o777, radix: 8))")
        }
    }

    @Test func outInsideTheStateDirectoryIsRefused() throws {
        let d = try DaemonProcess()
        defer { d.cleanup() }
        try d.start()
        let c = try d.connect()
        try FileManager.default.createSymbolicLink(atPath: d.dir + "/link", withDestinationPath: d.stateDir + "/jobs")
        for out in [d.stateDir + "/next-id.csv", d.stateDir + "/models/x.npy", d.dir + "/link/j1.csv"] {
            let spec: JSONValue = .object(["kind": .string("sample"), "model": .string("m"), "out": .string(out), "force": .bool(true)])
            let e = try #require(try refusal(c, .submit(SubmitRequest(spec: spec))), "\(out)")
            #expect(e.code == .invalidParameter && e.field == "out")
            #expect(e.message.contains("is inside the daemon's state directory"), "\(e.message)")
        }
        let r = try diffctl(["sample", "--model", "m", "--out", d.stateDir + "/s.csv"], socket: d.socket)
        #expect(r.status == 4 && r.stderr.contains("inside the daemon's state directory"), "\(r.stderr)")
    }

    @Test func pruneRemovesFinishedJobsByStateAndAge() throws {
        let d = try DaemonProcess()
        defer { d.cleanup() }
        try d.start()
        let c = try d.connect()
        let running = try submit(c, trainSpec(name: "long", steps: 10_000_000, extra: smallModel))
        let a = try cancelledJob(c, d, "a"), b = try cancelledJob(c, d, "b")
        try FileManager.default.createDirectory(atPath: d.stateDir + "/models/keep", withIntermediateDirectories: true)

        guard case .pruned(let none) = try c.call(.prune(PruneRequest(states: ["failed"])), timeout: 30) else { throw HarnessError(description: "prune") }
        #expect(none == PruneReply(removed: [], skipped: 0))
        let young = try diffctl(["prune", "--older-than", "1d"], socket: d.socket)
        #expect(young.status == 0 && young.stdout.contains("no finished jobs to remove"), "\(young.stderr)")
        let bad = try refusal(c, .prune(PruneRequest(states: ["running"])))
        #expect(bad?.code == .invalidParameter && bad?.message.contains("not a finished state") == true)
        #expect(try diffctl(["prune", "--older-than", "soon"], socket: d.socket).status == 2)

        let all = try diffctl(["prune", "--state", "cancelled"], socket: d.socket)
        #expect(all.status == 0 && all.stdout.contains("removed 2 jobs: \(a) \(b)"), "\(all.stdout) \(all.stderr)")
        guard case .jobs(let list) = try c.call(.jobs, timeout: 30) else { throw HarnessError(description: "jobs") }
        #expect(list.jobs.map(\.id) == [running.id])
        for id in [a, b] { #expect(!FileManager.default.fileExists(atPath: d.stateDir + "/jobs/\(id)")) }
        #expect(FileManager.default.fileExists(atPath: d.stateDir + "/models/keep"))
        _ = try c.call(.cancel(JobRequest(job: running.id)), timeout: 30)
    }

    @Test func jobRetentionRemovesOldFinishedJobsAtStart() throws {
        let d = try DaemonProcess(extraArgs: ["--job-retention", "0"])
        defer { d.cleanup() }
        try d.start()
        let c = try d.connect()
        let old = try cancelledJob(c, d, "old"), recent = try cancelledJob(c, d, "recent")
        d.signal(SIGTERM)
        #expect(try d.waitExit() == 0)
        // age one job by 40 days, as if it had finished then
        let path = d.stateDir + "/jobs/\(old)/status.json"
        var info = try JSONDecoder().decode(JobInfo.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        info.finishedAt = Date().timeIntervalSince1970 - 40 * 86_400
        try JSONEncoder().encode(info).write(to: URL(fileURLWithPath: path))

        try d.start()   // job_retention = 0: kept forever
        guard case .jobs(let kept) = try d.connect().call(.jobs, timeout: 30) else { throw HarnessError(description: "jobs") }
        #expect(kept.jobs.map(\.id) == [old, recent])
        d.signal(SIGTERM)
        #expect(try d.waitExit() == 0)

        d.extraArgs = []   // the default, 30 days
        try d.start()
        guard case .jobs(let left) = try d.connect().call(.jobs, timeout: 30) else { throw HarnessError(description: "jobs") }
        #expect(left.jobs.map(\.id) == [recent])
        #expect(!FileManager.default.fileExists(atPath: d.stateDir + "/jobs/\(old)"))
        #expect(d.log.contains("finished jobs past job_retention removed"))
    }
}
