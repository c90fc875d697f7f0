// ReliabilityTests.swift — specs and crashes that used to take the daemon down, through the real
// daemon: the time-embedding overflow spec, a job too large for memory, the unclean-stop counter
// resetting on progress, and a job that keeps crashing the daemon failing alone.
import DiffProtocol
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized) struct ReliabilityTests {
    @Test func aTimeEmbeddingWiderThanTheNetworkTrainsAndSamples() throws {
        let d = try DaemonProcess()
        defer { d.cleanup() }
        try d.start()
        // width 16, depth 1, timeEmbedDim 128 (the default): the spec that segfaulted the daemon
        for (width, depth, temb) in [(16, 1, 128), (8, 1, 64), (16, 2, 128), (32, 1, 256)] {
            let name = "wide-temb-\(width)-\(depth)"
            let job = try submit(try d.connect(), trainSpec(name: name, steps: 3, extra: [
                "width": .int(Int64(width)), "depth": .int(Int64(depth)), "timeEmbedDim": .int(Int64(temb))]))
            let (_, events) = try follow(d, job.id, timeout: 60)
            #expect(events.last?.state == .succeeded, "\(name): \(events.last?.error ?? "") \(d.log.suffix(1500))")
            let s = try submit(try d.connect(), .object(["kind": .string("sample"), "model": .string(name),
                                                        "sampler": .string("ddim"), "steps": .int(3), "count": .int(20)]))
            #expect(try follow(d, s.id, timeout: 60).events.last?.state == .succeeded)
        }
        #expect(d.isRunning)
    }

    @Test func aJobTooLargeForMemoryIsRefusedAtSubmitWithTheSizes() throws {
        let d = try DaemonProcess(extraArgs: ["--memory-budget", "2G"])
        defer { d.cleanup() }
        try d.start()
        let c = try d.connect()
        do {
            _ = try submit(c, trainSpec(name: "huge", steps: 10, extra: ["width": .int(8192), "depth": .int(64)]))
            Issue.record("a 4-billion-parameter job was accepted under a 2 GiB budget")
        } catch let e as ProtocolError {
            #expect(e.code == .tooLarge)
            #expect(e.message.contains("GiB") && e.message.contains("2.0 GiB") && e.message.contains("parameters"), "\(e.message)")
        }
        // the same through diffctl: a clear refusal, no job, the daemon still answers
        let r = try diffctl(["train", "--dataset", "ring8", "--width", "8192", "--depth", "64", "--name", "huge", "--steps", "5"], socket: d.socket)
        #expect(r.status != 0)
        #expect(r.stderr.contains("memory budget"), "\(r.stderr)")
        guard case .jobs(let list) = try d.connect().call(.jobs, timeout: 30) else { Issue.record("jobs failed"); return }
        #expect(list.jobs.isEmpty)
        // a job inside the budget is still accepted
        let ok = try submit(c, trainSpec(name: "small", steps: 5))
        #expect(try follow(d, ok.id, timeout: 60).events.last?.state == .succeeded)
    }

    @Test func uncleanStopsAfterNewCheckpointsNeverFailTheJob() throws {
        let d = try DaemonProcess()
        defer { d.cleanup() }
        try d.start()
        let job = try submit(try d.connect(), trainSpec(name: "kept", steps: 4000, checkpointEvery: 100))
        var lastCheckpoint = 0
        for _ in 1...6 {
            // wait for a checkpoint newer than the one this run resumed from, then crash
            _ = try follow(d, job.id, timeout: 120) { $0.kind == "checkpoint" && ($0.step ?? 0) > lastCheckpoint }
            try d.kill9()
            lastCheckpoint = try #require(try storedStatus(d, job.id).lastCheckpointStep)
            try d.start()
        }
        let (_, events) = try follow(d, job.id, timeout: 180)
        #expect(events.last?.state == .succeeded, "\(events.last?.error ?? "")")
        let info = try jobInfo(d, job.id)
        #expect(info.step == 4000 && info.attempts == 7)
        #expect(try lossSteps(d.stateDir + "/jobs/\(job.id)/loss.csv") == Array(1...4000))
    }

    @Test func aJobThatKeepsCrashingTheDaemonFailsAloneAndTheOtherFinishes() throws {
        let d = try DaemonProcess(extraArgs: ["--max-jobs", "2"])
        defer { d.cleanup() }
        try d.start()
        let healthy = try submit(try d.connect(), trainSpec(name: "healthy", steps: 1500, checkpointEvery: 100))
        let poison = try submit(try d.connect(), trainSpec(name: "poison", steps: 1_000_000, checkpointEvery: 1_000_000))
        _ = try follow(d, healthy.id, timeout: 60) { $0.kind == "progress" }
        _ = try follow(d, poison.id, timeout: 60) { $0.kind == "progress" }
        try d.kill9()   // both were running: either could be the culprit
        // from now on the daemon dies whenever the poison job runs, as a crashing job would make it
        var rounds = 1
        while rounds < 10 {
            try d.start()
            if try jobInfo(d, poison.id).state == .failed { break }
            _ = try follow(d, poison.id, timeout: 180) { $0.kind == "progress" }
            #expect(try jobInfo(d, healthy.id).state != .running, "the suspect must run alone")
            try d.kill9()
            rounds += 1
        }
        let p = try jobInfo(d, poison.id)
        #expect(p.state == .failed && p.uncleanStops == 5, "\(p.state) after \(rounds) crashes")
        let (_, events) = try follow(d, healthy.id, timeout: 180)
        #expect(events.last?.state == .succeeded, "\(events.last?.error ?? "")")
        #expect(try jobInfo(d, healthy.id).step == 1500)
    }

    /// A tmpfs of `megabytes` mounted at `path` (root only; CI runs as root).
    static func mountSmallDisk(_ path: String, megabytes: Int) throws -> Bool {
        guard geteuid() == 0 else {
            if ProcessInfo.processInfo.environment["CI"] == "true" { throw HarnessError(description: "the disk-full test needs root in CI") }
            print("skipped: the disk-full test mounts a tmpfs and needs root")
            return false
        }
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/mount")
        p.arguments = ["-t", "tmpfs", "-o", "size=\(megabytes)m,mode=0700", "tmpfs", path]
        try p.run(); p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw HarnessError(description: "mount tmpfs on \(path) failed") }
        return true
    }

    static func unmount(_ path: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/umount")
        p.arguments = ["-l", path]
        try? p.run(); p.waitUntilExit()
    }

    @Test func aJobStoppedByAFullDiskResumesFromItsCheckpointOnceThereIsRoom() throws {
        let d = try DaemonProcess()
        defer { d.cleanup() }
        guard try ReliabilityTests.mountSmallDisk(d.stateDir, megabytes: 8) else { return }
        defer { ReliabilityTests.unmount(d.stateDir) }
        try d.start()
        let job = try submit(try d.connect(), trainSpec(name: "diskful", steps: 3000, checkpointEvery: 100))
        _ = try follow(d, job.id, timeout: 60) { $0.kind == "checkpoint" && ($0.step ?? 0) >= 200 }
        // fill the disk to the last byte
        let filler = d.stateDir + "/filler"
        let fd = open(filler, O_WRONLY | O_CREAT, 0o600)
        #expect(fd >= 0)
        var block = [UInt8](repeating: 0x55, count: 1 << 16)
        while Glibc.write(fd, &block, block.count) > 0 {}
        #expect(errno == ENOSPC)
        close(fd)
        let (_, events) = try follow(d, job.id, timeout: 120)
        let end = try #require(events.last)
        #expect(end.state == .failed)
        #expect(end.error?.contains("No space left on device") == true, "\(end.error ?? "")")
        #expect(d.isRunning)

        // with room again, resume continues from the newest intact checkpoint to the exact step count
        try FileManager.default.removeItem(atPath: filler)
        let checkpoint = try #require(try jobInfo(d, job.id).lastCheckpointStep)
        let r = try diffctl(["resume", job.id], socket: d.socket)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("from its checkpoint at step \(checkpoint)"), "\(r.stdout)")
        let (_, again) = try follow(d, job.id, timeout: 180)
        #expect(again.last?.state == .succeeded, "\(again.last?.error ?? "")")
        let eventLog = try String(contentsOfFile: d.stateDir + "/jobs/\(job.id)/events.jsonl", encoding: .utf8)
        #expect(eventLog.contains("resumed from step-\(String(format: "%08d", checkpoint)).ckpt"))
        #expect(try jobInfo(d, job.id).step == 3000)
        #expect(try lossSteps(d.stateDir + "/jobs/\(job.id)/loss.csv") == Array(1...3000))
        // a succeeded job is not resumed
        let twice = try diffctl(["resume", job.id], socket: d.socket)
        #expect(twice.status == 4 && twice.stderr.contains("it succeeded"), "\(twice.stderr)")
    }
}
