// EndToEndTests.swift — jobs through the real daemon: submit → follow → finish, several followers
// at once, cancel, SIGTERM and resume, kill -9 mid-training and resume to the exact step count,
// a torn checkpoint write, and a running job that survives a burst of garbage from another client.
import DiffProtocol
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized) struct EndToEndTests {
    @Test func submitFollowFinishThenSampleTheModel() throws {
        let d = try DaemonProcess()
        defer { d.cleanup() }
        try d.start()
        let job = try submit(try d.connect(), trainSpec(name: "tiny", steps: 300))
        #expect(job.state == .queued && job.id.hasPrefix("j"))
        let (_, events) = try follow(d, job.id)
        let end = try #require(events.last)
        #expect(end.state == .succeeded, "\(end.error ?? "")\n\(d.log)")
        let progress = events.filter { $0.kind == "progress" }.compactMap(\.step)
        #expect(!progress.isEmpty && progress == progress.sorted() && progress.last == 300)
        let info = try jobInfo(d, job.id)
        #expect(info.step == 300 && info.total == 300)
        let model = try #require(info.outputs?["model"])
        #expect(FileManager.default.fileExists(atPath: model))
        #expect(try lossSteps(d.stateDir + "/jobs/\(job.id)/loss.csv") == Array(1...300))

        // sample the named model to a CSV and an .npy
        let c = try d.connect()
        let csv = d.dir + "/s.csv", npy = d.dir + "/s.npy"
        let s1 = try submit(c, .object(["kind": .string("sample"), "model": .string("tiny"), "sampler": .string("ddim"),
                                        "steps": .int(20), "count": .int(200), "out": .string(csv), "seed": .int(3)]))
        let s2 = try submit(c, .object(["kind": .string("sample"), "model": .string("tiny"), "sampler": .string("ddpm"),
                                        "steps": .int(30), "count": .int(100), "out": .string(npy)]))
        #expect(try follow(d, s1.id).events.last?.state == .succeeded)
        #expect(try follow(d, s2.id).events.last?.state == .succeeded)
        let rows = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n")
        #expect(rows.count == 201)
        let magic = try Data(contentsOf: URL(fileURLWithPath: npy)).prefix(6)
        #expect(magic == Data([0x93]) + Data("NUMPY".utf8))
        guard case .models(let m) = try c.call(.models, timeout: 30) else { Issue.record("models failed"); return }
        #expect(m.models.map(\.name) == ["tiny"])
        #expect(m.models.first?.metadata?["name"]?.stringValue == "tiny")
    }

    @Test func manyFollowersAtOnceAndALateJoinerSeesTheCurrentStateFirst() throws {
        let d = try DaemonProcess()
        defer { d.cleanup() }
        try d.start()
        let job = try submit(try d.connect(), trainSpec(name: "f", steps: 2500))
        let results = Results()
        let group = DispatchGroup()
        for i in 0..<3 {
            group.enter()
            Thread {
                defer { group.leave() }
                if let r = try? follow(d, job.id) { results.set(i, r.events) }
            }.start()
        }
        // a follower that leaves early must not disturb anything
        let quitter = try d.connect()
        _ = try quitter.call(.follow(JobRequest(job: job.id)), timeout: 30)
        _ = try receive(quitter, timeout: 60) { $0.event?.kind == "progress" }
        shutdown(quitter.fd, Int32(SHUT_RDWR))   // leave abruptly
        // a late joiner: the first thing it sees is where the job stands now
        _ = try follow(d, job.id) { ($0.step ?? 0) >= 500 }
        let late = try follow(d, job.id)
        #expect(late.first.state == .running || late.first.state == .succeeded)
        #expect((late.first.step ?? 0) >= 500)
        #expect(late.events.last?.state == .succeeded)
        #expect(group.wait(timeout: .now() + 180) == .success)
        let all = results.all
        #expect(all.count == 3)
        for (_, r) in all {
            #expect(r.last?.state == .succeeded)
            let steps = r.filter { $0.kind == "progress" }.compactMap(\.step)
            #expect(steps == steps.sorted() && steps.last == 2500)
        }
        #expect(try jobInfo(d, job.id).step == 2500)
    }

    @Test func cancelRunningAndQueuedJobsThenRemoveThem() throws {
        let d = try DaemonProcess()
        defer { d.cleanup() }
        try d.start()
        let c = try d.connect()
        let long = try submit(c, trainSpec(name: "long", steps: 1_000_000))
        let queued = try submit(c, trainSpec(name: "later", steps: 300))
        _ = try follow(d, long.id) { $0.kind == "progress" }
        #expect(try jobInfo(d, queued.id).state == .queued)   // max_jobs = 1

        let ctl = try diffctl(["cancel", queued.id], socket: d.socket)
        #expect(ctl.status == 0 && ctl.stdout.contains("cancelled \(queued.id)"))
        let watcher = try diffctl(["follow", queued.id], socket: d.socket)
        #expect(watcher.status == 5)   // follow exits with the job's outcome

        let rmRunning = try diffctl(["rm", long.id], socket: d.socket)
        #expect(rmRunning.status == 4 && rmRunning.stderr.contains("cancel it first"))
        guard case .cancelled = try c.call(.cancel(JobRequest(job: long.id)), timeout: 30) else { Issue.record("cancel failed"); return }
        let end = try follow(d, long.id)
        #expect(end.events.last?.state == .cancelled)
        let again = try diffctl(["cancel", long.id], socket: d.socket)
        #expect(again.status == 4 && again.stderr.contains("already cancelled"))

        #expect(try diffctl(["rm", long.id, queued.id], socket: d.socket).status == 0)
        #expect(!FileManager.default.fileExists(atPath: d.stateDir + "/jobs/\(long.id)"))
        guard case .jobs(let list) = try c.call(.jobs, timeout: 30) else { Issue.record("jobs failed"); return }
        #expect(list.jobs.isEmpty)
    }

    @Test func maxJobsBoundsHowManyRunAtOnce() throws {
        let d = try DaemonProcess(extraArgs: ["--max-jobs", "2"])
        defer { d.cleanup() }
        try d.start()
        let c = try d.connect()
        let ids = try (0..<3).map { try submit(c, trainSpec(name: "m\($0)", steps: 1_000_000)).id }
        _ = try follow(d, ids[0]) { $0.kind == "progress" }
        _ = try follow(d, ids[1]) { $0.kind == "progress" }
        guard case .jobs(let list) = try c.call(.jobs, timeout: 30) else { Issue.record("jobs failed"); return }
        #expect(list.jobs.map(\.state) == [.running, .running, .queued])
        guard case .info(let info) = try c.call(.info, timeout: 30) else { Issue.record("info failed"); return }
        #expect(info.info.maxJobs == 2 && info.info.jobCounts == ["running": 2, "queued": 1])
        _ = try c.call(.cancel(JobRequest(job: ids[0])), timeout: 30)
        #expect(try follow(d, ids[0]).events.last?.state == .cancelled)
        _ = try follow(d, ids[2]) { $0.kind == "progress" }   // the queued one starts when a slot frees
        for id in ids.dropFirst() { _ = try c.call(.cancel(JobRequest(job: id)), timeout: 30) }
    }

    @Test func sigtermCheckpointsAndTheJobResumesOnRestart() throws {
        let d = try DaemonProcess()
        defer { d.cleanup() }
        try d.start()
        // a small network and many steps: the job is still far from its end when the signal lands, even on
        // a loaded 2-core machine where this test process may be starved for seconds after it sees step 600
        let total = 30_000
        let job = try submit(try d.connect(), trainSpec(name: "term", steps: total, checkpointEvery: 250,
                                                        extra: ["width": .int(16), "batchSize": .int(32)]))
        _ = try follow(d, job.id) { ($0.step ?? 0) >= 600 }
        d.signal(SIGTERM)
        #expect(try d.waitExit(timeout: 60) == 0, "\(d.log.suffix(2000))")
        #expect(d.log.contains("job interrupted"), "\(d.log.suffix(2000))")
        let stored = try storedStatus(d, job.id)
        #expect(stored.state == .queued, "\(d.log.suffix(2000))")
        let checkpointStep = try #require(stored.lastCheckpointStep)
        #expect(checkpointStep >= 600 && checkpointStep < total)

        try d.start()
        let (_, events) = try follow(d, job.id)
        #expect(events.last?.state == .succeeded, "\(d.log.suffix(2000))")
        #expect(events.contains { $0.message?.contains("resumed from step-\(String(format: "%08d", checkpointStep)).ckpt") == true })
        let info = try jobInfo(d, job.id)
        #expect(info.step == total && info.attempts == 2)
        #expect(try lossSteps(d.stateDir + "/jobs/\(job.id)/loss.csv") == Array(1...total))
    }

    @Test func killDashNineMidTrainingThenRestartFinishesWithTheRightStepCount() throws {
        let d = try DaemonProcess()
        defer { d.cleanup() }
        try d.start()
        let c = try d.connect()
        let done = try submit(c, trainSpec(name: "before", steps: 200))
        #expect(try follow(d, done.id).events.last?.state == .succeeded)
        let doneSamples = try String(contentsOfFile: d.stateDir + "/jobs/\(done.id)/samples.csv", encoding: .utf8)

        let total = 30_000   // far from its end when the kill lands, even if this process is starved a while
        let job = try submit(c, trainSpec(name: "crashy", steps: total, checkpointEvery: 250,
                                          extra: ["width": .int(16), "batchSize": .int(32)]))
        _ = try follow(d, job.id) { $0.kind == "checkpoint" && ($0.step ?? 0) >= 500 }
        usleep(UInt32.random(in: 0...150_000))   // somewhere between checkpoints, or during one
        try d.kill9()
        #expect(try storedStatus(d, job.id).state == .running)   // what a crash leaves on disk

        try d.start()
        #expect(d.log.contains("job will resume after an unclean stop"))
        let (_, events) = try follow(d, job.id)
        #expect(events.last?.state == .succeeded, "\(d.log.suffix(2000))")
        let info = try jobInfo(d, job.id)
        #expect(info.step == total && info.total == total && info.metrics?["steps"] == Double(total))
        #expect(try lossSteps(d.stateDir + "/jobs/\(job.id)/loss.csv") == Array(1...total))
        // the finished job before the crash is untouched
        #expect(try jobInfo(d, done.id).state == .succeeded)
        #expect(try String(contentsOfFile: d.stateDir + "/jobs/\(done.id)/samples.csv", encoding: .utf8) == doneSamples)
        // and the resumed model loads: sample it
        let s = try submit(try d.connect(), .object(["kind": .string("sample"), "model": .string("crashy"), "sampler": .string("ddim"),
                                                    "steps": .int(10), "count": .int(50)]))
        #expect(try follow(d, s.id).events.last?.state == .succeeded)
    }

    @Test func aTornCheckpointWriteFallsBackToThePreviousCheckpoint() throws {
        let d = try DaemonProcess()
        defer { d.cleanup() }
        try d.start()
        let job = try submit(try d.connect(), trainSpec(name: "torn", steps: 2000, checkpointEvery: 250))
        _ = try follow(d, job.id) { $0.kind == "checkpoint" && ($0.step ?? 0) >= 750 }
        try d.kill9()
        // simulate dying half-way through writing the newest checkpoint, plus its temp file
        let dir = d.stateDir + "/jobs/\(job.id)/checkpoints"
        let names = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix("step-") && $0.hasSuffix(".ckpt") }.sorted()
        #expect(names.count >= 2)
        let newest = try #require(names.last), previous = names[names.count - 2]
        let full = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + newest))
        try full.prefix(full.count / 2).write(to: URL(fileURLWithPath: dir + "/" + newest))
        try full.prefix(100).write(to: URL(fileURLWithPath: dir + "/." + newest + ".tmp"))

        try d.start()
        let (_, events) = try follow(d, job.id)
        #expect(events.last?.state == .succeeded, "\(d.log.suffix(2000))")
        #expect(events.contains { $0.message?.contains("skipped checkpoint \(newest)") == true })
        #expect(events.contains { $0.message?.contains("resumed from \(previous)") == true })
        #expect(try jobInfo(d, job.id).step == 2000)
        #expect(try lossSteps(d.stateDir + "/jobs/\(job.id)/loss.csv") == Array(1...2000))
    }

    @Test func aRunningJobKeepsGoingThroughAnotherClientsGarbage() throws {
        let d = try DaemonProcess()
        defer { d.cleanup() }
        try d.start()
        let job = try submit(try d.connect(), trainSpec(name: "steady", steps: 1500))
        _ = try follow(d, job.id) { $0.kind == "progress" }
        let c = try d.connect()
        let garbage: [String] = [
            String(repeating: "x", count: Wire.maxMessageBytes + 1), "{not json", #"{"id":1,"type":"nope"}"#,
            #"{"id":2,"type":"submit","spec":{"kind":"train","dataset":"/nonexistent/data.csv","steps":10,"name":"x"}}"#,
            #"{"id":3,"type":"submit","spec":{"kind":"train","dataset":"ring8","steps":-5,"name":"x"}}"#,
            #"{"id":4,"type":"submit","spec":{"kind":"sample","model":"no-such-model","count":10}}"#,
            #"{"id":5,"type":"submit","spec":{"kind":"eval","samples":"/nonexistent/s.csv","dataset":"ring8"}}"#,
            #"{"id":6,"type":"cancel","job":42}"#,
        ]
        var messages: [String] = []
        for g in garbage {
            try c.sendRaw(Data(g.utf8) + [0x0A])
            let r = try reply(c)
            let e = try #require(r.protocolError, "'\(g.prefix(80))' got \(r.body.typeName)")
            messages.append(e.message)
        }
        #expect(messages[3].contains("/nonexistent/data.csv"))
        #expect(messages[4].contains("steps"))
        #expect(messages[5].contains("no-such-model"))
        #expect(messages[6].contains("/nonexistent/s.csv"))
        shutdown(c.fd, Int32(SHUT_RDWR))
        let (_, events) = try follow(d, job.id)
        #expect(events.last?.state == .succeeded)
        #expect(try jobInfo(d, job.id).step == 1500)
        guard case .jobs(let list) = try d.connect().call(.jobs, timeout: 30) else { Issue.record("jobs failed"); return }
        #expect(list.jobs.map(\.id) == [job.id])   // none of the invalid submits became a job
    }
}

final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Int: [JobEventMessage]] = [:]
    func set(_ i: Int, _ v: [JobEventMessage]) { lock.lock(); values[i] = v; lock.unlock() }
    var all: [Int: [JobEventMessage]] { lock.lock(); defer { lock.unlock() }; return values }
}

@Suite(.serialized) struct CrashLoopTests {
    @Test func aJobThatKeepsTakingTheDaemonDownIsFailedNotResumedForever() throws {
        let d = try DaemonProcess()
        defer { d.cleanup() }
        try d.start()
        let job = try submit(try d.connect(), trainSpec(name: "poison", steps: 1_000_000))
        for round in 1...5 {
            if round > 1 { try d.start() }
            _ = try follow(d, job.id, timeout: 60) { $0.kind == "progress" }
            try d.kill9()
        }
        try d.start()
        let info = try jobInfo(d, job.id)
        #expect(info.state == .failed)
        #expect(info.uncleanStops == 5)
        #expect(info.error?.contains("stopped uncleanly 5 times") == true)
        #expect(try diffctl(["follow", job.id], socket: d.socket).status == 1)
    }
}
