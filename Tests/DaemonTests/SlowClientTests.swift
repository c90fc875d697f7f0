// SlowClientTests.swift — clients cannot starve the daemon: 1,000 followers that never read and
// 1,000 connections that never speak leave a new client answered in under 100 ms, with the
// daemon's thread count flat and its memory bounded; a silent connection is closed after
// hello_timeout, an idle one after idle_timeout (a follower of a running job is not); a follower
// that lags skips to the latest progress; a client that never reads its replies is dropped with
// a fell_behind error.
import DiffProtocol
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Raise this process's soft open-file limit to `want` (or the hard limit); returns the result.
@discardableResult
func raiseOpenFileLimit(to want: rlim_t) -> rlim_t {
    var l = rlimit()
    getrlimit(Int32(RLIMIT_NOFILE.rawValue), &l)
    if l.rlim_cur < want {
        l.rlim_cur = min(want, l.rlim_max)
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &l)
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &l)
    }
    return l.rlim_cur
}

func hardOpenFileLimit() -> rlim_t {
    var l = rlimit()
    getrlimit(Int32(RLIMIT_NOFILE.rawValue), &l)
    return l.rlim_max
}

func threadCount(_ pid: Int32) -> Int {
    (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task").count) ?? -1
}

func openFDCount(_ pid: Int32) -> Int {
    (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1
}

/// Resident memory of a process in MiB (VmRSS).
func residentMiB(_ pid: Int32) -> Double {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
          let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
          let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return -1 }
    return kb / 1024
}

/// A long training job that emits a progress event every step (cancelled by the test).
func chattyJobSpec(_ name: String, steps: Int) -> JSONValue {
    trainSpec(name: name, steps: steps, extra: ["width": .int(128), "batchSize": .int(64)])
}

@Suite(.serialized) struct SlowClientTests {
    @Test(.enabled(if: hardOpenFileLimit() >= 4500, "needs about 4,500 open files"))
    func stuckFollowersAndIdleConnectionsLeaveNewClientsAnswered() throws {
        raiseOpenFileLimit(to: 4500)
        let d = try DaemonProcess(extraArgs: ["--hello-timeout", "600", "--progress-every", "1"])
        defer { d.cleanup() }
        try d.start()
        let control = try d.connect()
        let job = try submit(control, chattyJobSpec("chatty", steps: 10_000_000))
        try waitUntil(60, "the job to run") { try jobInfo(d, job.id).step ?? 0 > 0 }
        let threadsBefore = threadCount(d.pid)
        let memoryBefore = residentMiB(d.pid)

        // 1,000 followers that said hello, asked to follow, and never read again
        var followers: [ClientConnection] = []
        for _ in 0..<1000 {
            let c = try d.connect()
            try c.send(.follow(JobRequest(job: job.id)))
            followers.append(c)
        }
        // 1,000 connections that never say anything
        var silent: [ClientConnection] = []
        for _ in 0..<1000 { silent.append(try ClientConnection(path: d.socket)) }
        try waitUntil(60, "the daemon to hold 2,000 connections") { openFDCount(d.pid) >= 2000 }
        let stepBefore = try jobInfo(d, job.id).step ?? 0
        usleep(500_000)   // let the followers' backlogs pile up

        var rounds: [Double] = []
        for _ in 0..<7 {
            let start = Date()
            let c = try ClientConnection(path: d.socket)
            _ = try c.hello(client: "latency")
            rounds.append(Date().timeIntervalSince(start) * 1000)
            usleep(50_000)
        }
        let sorted = rounds.sorted()
        let median = sorted[sorted.count / 2]
        print("new-client hello round trip with 1,000 stuck followers and 1,000 idle connections: median \(String(format: "%.2f", median)) ms, best \(String(format: "%.2f", sorted[0])) ms, all \(rounds.map { String(format: "%.1f", $0) })")
        #expect(median < 100, "hello round trips (ms): \(rounds)")

        // the job kept emitting events to its stuck followers all along
        #expect(try jobInfo(d, job.id).step ?? 0 > stepBefore)
        let threadsAfter = threadCount(d.pid)
        let memoryAfter = residentMiB(d.pid)
        print("daemon threads \(threadsBefore) → \(threadsAfter); resident memory \(Int(memoryBefore)) → \(Int(memoryAfter)) MiB")
        #expect(threadsAfter <= threadsBefore + 3, "threads grew from \(threadsBefore) to \(threadsAfter)")
        #expect(memoryAfter - memoryBefore < 200, "2,000 connections cost \(memoryAfter - memoryBefore) MiB")
        #expect(openFDCount(d.pid) >= 2000, "the stuck and idle connections are still open (not a cap that refused them)")
        #expect(d.isRunning)

        guard case .cancelled = try control.call(.cancel(JobRequest(job: job.id)), timeout: 30) else {
            Issue.record("cancel failed"); return
        }
        followers.removeAll()
        silent.removeAll()
        try waitUntil(60, "the daemon to close the connections") { openFDCount(d.pid) < 100 }
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/prlimit"), "needs prlimit"))
    func atTheOpenFileLimitNewClientsAreToldWhy() throws {
        let d = try DaemonProcess()
        defer { d.cleanup() }
        try d.start()
        usleep(500_000)   // the start-up probe connections close
        // the lowest limit that leaves exactly 8 free descriptor numbers
        let used = Set((try FileManager.default.contentsOfDirectory(atPath: "/proc/\(d.pid)/fd")).compactMap { Int($0) })
        var limit = 0, free = 0
        while free < 8 { if !used.contains(limit) { free += 1 }; limit += 1 }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/prlimit")
        p.arguments = ["--pid", "\(d.pid)", "--nofile=\(limit):\(limit)"]
        try p.run()
        p.waitUntilExit()
        try #require(p.terminationStatus == 0, "prlimit failed")
        var clients: [ClientConnection] = []
        var answered = 0
        var refusal: ProtocolError?
        for _ in 0..<20 {
            let c = try ClientConnection(path: d.socket)
            clients.append(c)
            do { _ = try c.hello(client: "tests"); answered += 1 } catch let e as ProtocolError { refusal = e; break }
        }
        #expect(answered > 0 && answered <= 8, "\(answered) connections answered under a limit of \(limit)")
        let e = try #require(refusal, "no connection was refused")
        #expect(e.message.contains("open-file limit (\(limit) descriptors"), "\(e.message)")
        #expect(d.log.contains("open-file limit reached"))
        clients.removeAll()
        try waitUntil(30, "a new client to be answered once connections closed") {
            (try? ClientConnection(path: d.socket).hello(client: "tests")) != nil
        }
    }

    @Test func aSilentConnectionIsClosedAfterTheHelloTimeout() throws {
        let d = try DaemonProcess(extraArgs: ["--hello-timeout", "1"])
        defer { d.cleanup() }
        try d.start()
        let greeted = try d.connect()
        let silent = try ClientConnection(path: d.socket)
        let r = try #require(try silent.receive(timeout: 15), "no error line within 15 s")
        #expect(r.protocolError?.code == .timedOut)
        #expect(r.protocolError?.message.contains("no hello within 1 s") == true, "\(r)")
        #expect(throws: ConnectError.closed) { _ = try silent.receive(timeout: 15) }
        // a connection that said hello is not subject to it
        guard case .jobs = try greeted.call(.jobs, timeout: 30) else { Issue.record("jobs failed"); return }
        #expect(d.log.contains("connection closed: no hello"))
    }

    @Test func anIdleConnectionIsClosedButAFollowerOfARunningJobIsNot() throws {
        let d = try DaemonProcess(extraArgs: ["--idle-timeout", "1"])
        defer { d.cleanup() }
        try d.start()
        let idle = try d.connect()
        let control = try d.connect()
        let job = try submit(control, chattyJobSpec("long", steps: 10_000_000))
        let follower = try d.connect()
        _ = try follower.call(.follow(JobRequest(job: job.id)), timeout: 30)

        let r = try #require(try receive(idle, timeout: 15) { $0.protocolError != nil })
        #expect(r.protocolError?.code == .timedOut)
        #expect(r.protocolError?.message.contains("no request for 1 s") == true, "\(r)")
        #expect(throws: ConnectError.closed) { _ = try receive(idle, timeout: 15) { _ in false } }

        // 2.5 idle timeouts later the follower still gets the job's events
        usleep(2_500_000)
        let e = try receive(follower, timeout: 30) { $0.event?.kind == "progress" || $0.protocolError != nil }
        #expect(e.protocolError == nil, "\(e)")
        _ = try d.connect().call(.cancel(JobRequest(job: job.id)), timeout: 30)
        let end = try receive(follower, timeout: 60) { $0.event?.state?.isTerminal == true || $0.protocolError != nil }
        #expect(end.event?.state == .cancelled)
    }

    @Test func aLaggingFollowerSkipsToTheLatestProgressAndAClientThatNeverReadsIsDropped() throws {
        let d = try DaemonProcess(extraArgs: ["--progress-every", "1"])
        defer { d.cleanup() }
        try d.start()
        let steps = 3000
        let job = try submit(try d.connect(), chattyJobSpec("lag", steps: steps))
        let lagging = try d.connect()
        _ = try lagging.call(.follow(JobRequest(job: job.id)), timeout: 30)
        // it reads nothing until the job is over...
        try waitUntil(300, "the job to finish") { try jobInfo(d, job.id).state.isTerminal }
        var events: [JobEventMessage] = []
        while true {
            let r = try receive(lagging, timeout: 30) { _ in true }
            #expect(r.protocolError == nil, "\(r)")
            guard let e = r.event else { continue }
            events.append(e)
            if e.state?.isTerminal == true { break }
        }
        // ...then gets what fitted in the socket, the newest progress and every state event
        let progress = events.filter { $0.kind == "progress" }.compactMap(\.step)
        print("lagging follower: \(progress.count) of \(steps) progress events delivered")
        #expect(progress.count < steps / 2, "progress was not coalesced: \(progress.count) events")
        #expect(progress == progress.sorted() && progress.last == steps)
        #expect(events.last?.state == .succeeded)
        #expect(events.contains { $0.kind == "finished" })
        #expect(!d.log.contains("slow client dropped"))

        // a client that asks for large replies and never reads them is dropped with the reason
        let hog = try d.connect()
        for _ in 0..<40 { try hog.send(.show(ShowRequest(job: job.id, events: 10_000))) }
        try waitUntil(60, "the daemon to drop the client") { d.log.contains("slow client dropped") }
        var last: Response?
        var replies = 0
        do {
            while let r = try hog.receive(timeout: 30) {
                last = r
                if case .job = r.body { replies += 1 }
            }
        } catch ConnectError.closed {}
        #expect(replies < 40)
        let e = try #require(last?.protocolError, "the last message is the reason: \(String(describing: last?.body.typeName))")
        #expect(e.code == .fellBehind)
        #expect(e.message.contains("you fell behind by") && e.message.contains("diffctl follow"), "\(e.message)")
        _ = try d.connect().call(.jobs, timeout: 30)   // everyone else is fine
    }
}
