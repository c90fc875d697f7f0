// SlurmFailureTests.swift — failure modes of executor = slurm produced for real on the one-node
// cluster: the time limit (TIMEOUT), the node going down (NODE_FAIL), a job over its memory
// (OUT_OF_MEMORY), and a node that cannot see the state directory
// (the daemon in a private mount namespace, its state directory a tmpfs only it sees). Part of
// the serialized SlurmTests suite.
import DiffProtocol
import Foundation
import Testing

extension SlurmTests {
    /// A long training job, running in Slurm with a checkpoint written; returns its info.
    func runningWithCheckpoint(_ d: DaemonProcess, _ name: String) throws -> (job: String, info: JobInfo) {
        let job = try submit(d.connect(), trainSpec(name: name, steps: 1_000_000, checkpointEvery: 100)).id
        _ = try waitForSlurmProgress(d, job)
        try waitUntil(180, "a checkpoint") { (try jobInfo(d, job).lastCheckpointStep ?? 0) >= 100 }
        return (job, try jobInfo(d, job))
    }

    func expectCheckpointKept(_ d: DaemonProcess, _ job: String) throws {
        let info = try jobInfo(d, job)
        let step = try #require(info.lastCheckpointStep)
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(d.stateDir)/jobs/\(job)/checkpoints").contains { $0.contains("\(step)") })
    }

    @Test func timeLimitFailsWithTimeoutAndKeepsTheCheckpoint() throws {
        // slurm_time = 1 minute, the least Slurm takes; slurmctld checks limits every 30 s, so the
        // job ends 60–90 s after it starts
        let d = try slurmDaemon(["--slurm-time", "1"]).start()
        defer { d.cleanup() }
        let (job, _) = try runningWithCheckpoint(d, "to")
        let end = try follow(d, job, timeout: 200).events.last
        #expect(end?.state == .failed)
        #expect(end?.error?.contains("TIMEOUT") == true && end?.error?.contains("last checkpoint") == true, "\(end?.error ?? "")")
        try expectCheckpointKept(d, job)
    }

    @Test func nodeDownFailsWithNodeFailAndKeepsTheCheckpoint() throws {
        // without --requeue (a requeued job would wait for the node and resume, as in the requeue test)
        let d = try slurmDaemon(["--slurm-extra=--no-requeue"]).start()
        defer { d.cleanup() }
        let (job, info) = try runningWithCheckpoint(d, "nf")
        let node = try #require(info.node)
        let down = try tool("scontrol", ["update", "nodename=\(node)", "state=down", "reason=diffusiond-test"])
        defer {
            _ = try? tool("scontrol", ["update", "nodename=\(node)", "state=resume"])
            try? waitUntil(60, "node \(node) to be back") { (try? tool("sinfo", ["-h", "-n", node, "-o", "%T"]).stdout)?.contains("idle") == true }
        }
        #expect(down.status == 0, "\(down.stderr)")
        let end = try follow(d, job, timeout: 120).events.last
        #expect(end?.state == .failed)
        #expect(end?.error?.contains("NODE_FAIL") == true && end?.error?.contains("last checkpoint") == true, "\(end?.error ?? "")")
        try expectCheckpointKept(d, job)
    }

    @Test func nodeDownWithRequeueResumesFromTheCheckpointWhenTheNodeReturns() throws {
        // the default (--requeue): Slurm requeues a job of a failed node; it waits for the node
        let d = try slurmDaemon().start()
        defer { d.cleanup() }
        let steps = 3000
        let job = try submit(d.connect(), trainSpec(name: "nq", steps: steps, checkpointEvery: 200)).id
        _ = try waitForSlurmProgress(d, job)
        try waitUntil(180, "a checkpoint") { (try jobInfo(d, job).lastCheckpointStep ?? 0) >= 200 }
        let node = try #require(try jobInfo(d, job).node)
        #expect(try tool("scontrol", ["update", "nodename=\(node)", "state=down", "reason=diffusiond-test"]).status == 0)
        defer { _ = try? tool("scontrol", ["update", "nodename=\(node)", "state=resume"]) }
        // SIGTERM from the node failure: the node wrote a checkpoint and the job waits in the queue
        try waitUntil(60, "the job to be queued again") { try jobInfo(d, job).state == .queued }
        // back to service (ReturnToService=2 may already have done it when slurmd re-registered)
        _ = try tool("scontrol", ["update", "nodename=\(node)", "state=resume"])
        try waitUntil(60, "node \(node) to be back") { !(try tool("sinfo", ["-h", "-n", node, "-o", "%T"]).stdout.contains("down")) }
        let seen = try follow(d, job, timeout: 300)
        #expect(seen.events.last?.state == .succeeded, "\(seen.events.last?.error ?? "")\n\(d.log.suffix(2000))")
        let info = try jobInfo(d, job)
        #expect(info.step == steps && (info.attempts ?? 0) >= 2)
        let logged = try lossSteps("\(d.stateDir)/jobs/\(job)/loss.csv")
        #expect(logged.last == steps && zip(logged, logged.dropFirst()).allSatisfy { $0 < $1 })
    }

    @Test func jobOverItsMemoryFailsWithOutOfMemory() throws {
        // slurm-local.sh enforces --mem with task/cgroup where the host has a cgroup v1 memory
        // controller (the kernel's OOM killer; Slurm reports OUT_OF_MEMORY), else with
        // jobacct_gather's OverMemoryKill, which Slurm 22.05 records as FAILED with its message
        let cgroup = try tool("scontrol", ["show", "config"]).stdout.contains("task/cgroup")
        let d = try slurmDaemon(["--slurm-mem", "200M"]).start()
        defer { d.cleanup() }
        // batches of 65536 × width 512: activations of ~128 MB a layer, past the 200 MB limit at once
        let job = try submit(d.connect(), trainSpec(name: "om", steps: 1_000_000, extra: ["batchSize": .int(65536), "width": .int(512)])).id
        let end = try follow(d, job, timeout: 120).events.last
        #expect(end?.state == .failed)
        let error = end?.error ?? ""
        if cgroup { #expect(error.contains("OUT_OF_MEMORY") && error.contains("oom-kill"), "\(error)") }
        else { #expect(error.contains("FAILED") && error.lowercased().contains("memory limit"), "\(error)") }
    }

    @Test func nodeThatCannotSeeTheStateDirectoryFailsNamingIt() throws {
        // the daemon sees its state directory (a tmpfs in its own mount namespace); the node, i.e.
        // slurmd outside that namespace, sees an empty directory at that path
        let d = try slurmDaemon()
        d.wrapper = ["/usr/bin/unshare", "--mount", "--propagation", "private", "/bin/sh", "-c",
                     "mkdir -p \"$0\" && mount -t tmpfs tmpfs \"$0\" && exec \"$@\"", d.stateDir]
        try d.start()
        defer { d.cleanup() }
        let job = try submit(d.connect(), trainSpec(name: "sd", steps: 100)).id
        let end = try follow(d, job, timeout: 120).events.last
        #expect(end?.state == .failed)
        let error = end?.error ?? ""
        #expect(error.contains("FAILED") && error.contains("\(d.stateDir)/jobs/\(job)/slurm-") && error.contains("state directory \(d.stateDir)"), "\(error)")
    }
}
