// SlurmTests.swift — executor = slurm against a real Slurm (scripts/slurm-local.sh start): submit
// and follow, cancel, scancel from outside, kill -9 of the daemon and re-attach, requeue and
// resume to the exact step, and the failure modes; sweeps as job arrays in SlurmSweepTests.swift,
// more failure modes in SlurmFailureTests.swift. Under CI=true they run, never skip.
import DiffProtocol
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized, .enabled(if: SlurmCluster.enabled, "no Slurm cluster answers (start one with scripts/slurm-local.sh start); under CI=true this suite runs"))
struct SlurmTests {
    @Test func clusterAnswers() {
        #expect(SlurmCluster.up, "sinfo does not answer: run scripts/slurm-local.sh start")
    }

    @Test func submitAndFollowToTheEnd() throws {
        let d = try slurmDaemon().start()
        defer { d.cleanup() }
        let job = try submit(d.connect(), trainSpec(name: "sl", steps: 300, checkpointEvery: 100)).id
        let followed = try diffctl(["follow", job, "--json"], socket: d.socket, timeout: 300)
        #expect(followed.status == 0, "\(followed.stderr)\n\(d.log.suffix(2000))")
        let lines = followed.stdout.split(separator: "\n").compactMap { try? JSONDecoder().decode(JobEventMessage.self, from: Data($0.utf8)) }
        #expect(lines.contains { $0.kind == "progress" })
        #expect(lines.contains { $0.kind == "checkpoint" && $0.step == 100 })
        #expect(lines.last?.state == .succeeded)
        let info = try jobInfo(d, job)
        #expect(info.state == .succeeded && info.step == 300)
        let slurmJob = try #require(info.slurmJob)
        #expect(info.node == SlurmCluster.host)
        #expect(FileManager.default.fileExists(atPath: "\(d.stateDir)/models/sl/model.ckpt"))
        let jobs = try diffctl(["jobs"], socket: d.socket)
        #expect(jobs.stdout.contains("SLURM") && jobs.stdout.contains("NODE"))
        #expect(jobs.stdout.split(separator: "\n").contains { $0.contains(job) && $0.contains(slurmJob) && $0.contains(SlurmCluster.host) })
        let show = try diffctl(["show", job, "--no-preview"], socket: d.socket)
        #expect(show.stdout.contains("slurm job") && show.stdout.contains(slurmJob))
        // a sample job uses the model the Slurm job wrote
        let sample = try submit(d.connect(), .object(["kind": .string("sample"), "model": .string("sl"), "steps": .int(5), "count": .int(50)])).id
        #expect(try follow(d, sample).events.last?.state == .succeeded)
    }

    @Test func cancelMidJob() throws {
        let d = try slurmDaemon().start()
        defer { d.cleanup() }
        let job = try submit(d.connect(), trainSpec(name: "c", steps: 1_000_000)).id
        let running = try waitForSlurmProgress(d, job)
        let cancel = try diffctl(["cancel", job], socket: d.socket)
        #expect(cancel.status == 0, "\(cancel.stderr)")
        let end = try follow(d, job).events.last
        #expect(end?.state == .cancelled)
        #expect(end?.error == nil)
        try waitUntil(60, "Slurm to end job \(running.slurmJob!)") { ["CANCELLED", "COMPLETED", ""].contains(slurmState(running.slurmJob!)) }
    }

    @Test func scancelFromOutside() throws {
        let d = try slurmDaemon().start()
        defer { d.cleanup() }
        let job = try submit(d.connect(), trainSpec(name: "x", steps: 1_000_000)).id
        let running = try waitForSlurmProgress(d, job)
        try tool("scancel", [running.slurmJob!])
        let end = try follow(d, job).events.last
        #expect(end?.state == .cancelled)
        #expect(end?.error?.contains("outside diffctl") == true, "\(end?.error ?? "")")
    }

    @Test func daemonKilledWhileJobRunsReattaches() throws {
        let d = try slurmDaemon().start()
        defer { d.cleanup() }
        let job = try submit(d.connect(), trainSpec(name: "k", steps: 2000, checkpointEvery: 250)).id
        let running = try waitForSlurmProgress(d, job)
        try d.kill9()
        // the job goes on in Slurm without the daemon
        let events = "\(d.stateDir)/jobs/\(job)/events.jsonl"
        let size = EventLogSize.of(events)
        try waitUntil(120, "the job to keep writing events") { EventLogSize.of(events) > size }
        try d.start()
        let end = try follow(d, job, timeout: 300).events.last
        #expect(end?.state == .succeeded, "\(end?.error ?? "")\n\(d.log.suffix(2000))")
        let info = try jobInfo(d, job)
        #expect(info.step == 2000 && info.slurmJob == running.slurmJob)
        #expect(d.log.components(separatedBy: "job submitted to Slurm").count - 1 == 1, "submitted more than once")
        #expect(d.log.contains("re-attached to Slurm job"))
        #expect(try lossSteps("\(d.stateDir)/jobs/\(job)/loss.csv").last == 2000)
    }

    @Test func requeueResumesFromTheCheckpointToTheExactStep() throws {
        let d = try slurmDaemon().start()
        defer { d.cleanup() }
        let steps = 3000
        let job = try submit(d.connect(), trainSpec(name: "rq", steps: steps, checkpointEvery: 200)).id
        _ = try waitForSlurmProgress(d, job)
        try waitUntil(180, "a checkpoint") { (try jobInfo(d, job).lastCheckpointStep ?? 0) >= 200 }
        let before = try jobInfo(d, job)
        let requeue = try tool("scontrol", ["requeue", before.slurmJob!])
        #expect(requeue.status == 0, "\(requeue.stderr)")
        let seen = try follow(d, job, timeout: 400)
        #expect(seen.events.last?.state == .succeeded, "\(seen.events.last?.error ?? "")\n\(d.log.suffix(2000))")
        #expect(seen.events.contains { $0.state == .queued })
        let info = try jobInfo(d, job)
        #expect(info.step == steps)
        #expect((info.attempts ?? 0) >= 2)
        let logged = try lossSteps("\(d.stateDir)/jobs/\(job)/loss.csv")
        #expect(logged.last == steps)
        #expect(zip(logged, logged.dropFirst()).allSatisfy { $0 < $1 }, "loss.csv has repeated or out-of-order steps after the resume")
        #expect(d.log.components(separatedBy: "job submitted to Slurm").count - 1 == 1)
    }

    @Test func missingSbatchFailsTheJobPlainly() throws {
        let d = try slurmDaemon(environment: ["PATH": "/nonexistent"]).start()
        defer { d.cleanup() }
        let job = try submit(d.connect(), trainSpec(name: "m", steps: 10)).id
        let end = try follow(d, job).events.last
        #expect(end?.state == .failed)
        #expect(end?.error?.contains("sbatch not found on PATH") == true, "\(end?.error ?? "")")
    }

    @Test func unknownPartitionShowsSlurmsMessage() throws {
        let d = try slurmDaemon(["--slurm-partition", "no-such-partition"]).start()
        defer { d.cleanup() }
        let job = try submit(d.connect(), trainSpec(name: "p", steps: 10)).id
        let end = try follow(d, job).events.last
        #expect(end?.state == .failed)
        #expect(end?.error?.contains("sbatch failed") == true && end?.error?.lowercased().contains("partition") == true, "\(end?.error ?? "")")
    }

    @Test func jobKilledOnTheNodeFailsWithSlurmsReasonAndKeepsItsCheckpoint() throws {
        let d = try slurmDaemon().start()
        defer { d.cleanup() }
        let job = try submit(d.connect(), trainSpec(name: "f", steps: 1_000_000, checkpointEvery: 100)).id
        _ = try waitForSlurmProgress(d, job)
        try waitUntil(180, "a checkpoint") { (try jobInfo(d, job).lastCheckpointStep ?? 0) >= 100 }
        let pids = try tool("pgrep", ["-f", "run-job --config /dev/null --state-dir \(d.stateDir) --job \(job)"]).stdout
            .split(separator: "\n").compactMap { Int32($0) }
        #expect(!pids.isEmpty)
        for p in pids { kill(p, SIGKILL) }
        let end = try follow(d, job).events.last
        #expect(end?.state == .failed)
        #expect(end?.error?.contains("FAILED") == true && end?.error?.contains("last checkpoint") == true, "\(end?.error ?? "")")
        let info = try jobInfo(d, job)
        let dir = "\(d.stateDir)/jobs/\(job)"
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/checkpoints").contains { $0.contains("\(info.lastCheckpointStep!)") })
    }

    @Test func aSlurmJobIdSlurmForgotFailsTheJob() throws {
        let d = try slurmDaemon().start()
        defer { d.cleanup() }
        let job = try submit(d.connect(), trainSpec(name: "u", steps: 1_000_000)).id
        let running = try waitForSlurmProgress(d, job)
        try d.kill9()
        try tool("scancel", [running.slurmJob!])
        try waitUntil(60, "Slurm to end it") { slurmState(running.slurmJob!) != "RUNNING" }
        // as if the controller had lost the job: a Slurm id it never issued
        let path = "\(d.stateDir)/jobs/\(job)/slurm.json"
        var record = try JSONDecoder().decode([String: JSONValue].self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        record["slurmJob"] = .string("987654321")
        record["offset"] = .int(Int64(EventLogSize.of("\(d.stateDir)/jobs/\(job)/events.jsonl")))
        try JSONEncoder().encode(record).write(to: URL(fileURLWithPath: path))
        try d.start()
        let end = try follow(d, job).events.last
        #expect(end?.state == .failed)
        #expect(end?.error?.contains("Slurm no longer knows job 987654321") == true, "\(end?.error ?? "")")
    }
}

enum EventLogSize {
    static func of(_ path: String) -> Int { ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0 }
}

extension ClientConnection {
    func listJobs() throws -> [JobInfo] {
        guard case .jobs(let l) = try call(.jobs, timeout: 30) else { throw HarnessError(description: "jobs failed") }
        return l.jobs
    }
}
