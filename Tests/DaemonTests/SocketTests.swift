// SocketTests.swift — the daemon's socket, run for real: owner-only permissions, a checked
// directory, one daemon per socket, stale sockets replaced, peers of other users refused,
// and a burst of malformed input that gets one error each while the daemon keeps serving.
import DiffProtocol
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized) struct SocketTests {
    @Test func socketIsOwnerOnlyAndSecondDaemonIsRefused() throws {
        let d = try DaemonProcess()
        defer { d.cleanup() }
        try d.start()
        var st = stat()
        #expect(lstat(d.socket, &st) == 0)
        #expect(st.st_mode & S_IFMT == S_IFSOCK)
        #expect(st.st_mode & 0o777 == 0o600)

        let second = try DaemonProcess(dir: d.dir)
        try second.start(expectFailure: true)
        let status = try second.waitExit(timeout: 30)
        #expect(status != 0)
        #expect(second.log.contains("already serving \(d.socket)"))
        #expect(d.isRunning)
        _ = try d.connect()   // the first one still answers

        d.signal(SIGTERM)
        #expect(try d.waitExit() == 0)
        #expect(!FileManager.default.fileExists(atPath: d.socket), "socket file removed on clean exit")
    }

    @Test func staleSocketIsReplaced() throws {
        let d = try DaemonProcess()
        defer { d.cleanup() }
        try d.start()
        try d.kill9()
        #expect(FileManager.default.fileExists(atPath: d.socket), "kill -9 leaves the socket file behind")
        #expect(throws: ConnectError.self) { try ClientConnection(path: d.socket) }
        try d.start()
        _ = try d.connect()
        #expect(d.log.contains("replaced stale socket"))
    }

    @Test func refusesAnUnsafeSocketDirectory() throws {
        let base = try makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let open = base + "/open"
        mkdir(open, 0o777); chmod(open, 0o777)
        let d = try DaemonProcess(dir: base)
        d.extraArgs = ["--socket", open + "/sock"]
        try d.start(expectFailure: true)
        #expect(try d.waitExit(timeout: 30) != 0)
        #expect(d.log.contains("writable by group or others"))

        if geteuid() == 0 {
            let foreign = base + "/foreign"
            mkdir(foreign, 0o700); chown(foreign, 65534, 65534)
            let d2 = try DaemonProcess(dir: base)
            d2.extraArgs = ["--socket", foreign + "/sock"]
            try d2.start(expectFailure: true)
            #expect(try d2.waitExit(timeout: 30) != 0)
            #expect(d2.log.contains("belongs to uid 65534"))
        }
        // a missing directory is created private
        let d3 = try DaemonProcess(dir: base)
        d3.extraArgs = ["--socket", base + "/new/sub/sock"]
        defer { d3.cleanup() }
        try d3.start(expectFailure: true)
        try waitUntil(60, "daemon in a new directory") {
            guard d3.isRunning else { throw HarnessError(description: "daemon exited: \(d3.log)") }
            return (try? ClientConnection(path: base + "/new/sub/sock")) != nil
        }
        var st = stat()
        #expect(stat(base + "/new/sub", &st) == 0 && st.st_mode & 0o777 == 0o700)
    }

    @Test(.enabled(if: geteuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"),
                   "needs root and setpriv to act as another user"))
    func otherUsersAreRefusedUnlessInTheConfiguredGroup() throws {
        // private daemon: user nobody is refused
        let d = try DaemonProcess()
        defer { d.cleanup() }
        chmod(d.dir, 0o755)   // let nobody reach the socket file; its 0600 mode must still keep them out
        try d.start()
        let ctl = try binary("diffctl")
        let refused = try runAs(["--reuid=65534", "--regid=65534", "--clear-groups"], ctl, ["--socket", d.socket, "info"])
        #expect(refused.status == 3)
        #expect(refused.stderr.contains("permission denied"))

        // with socket_group = nogroup (65534): its members get in, others do not
        let g = try DaemonProcess()
        defer { g.cleanup() }
        chmod(g.dir, 0o755)
        g.extraArgs = ["--socket-group", "65534"]
        try g.start()
        var st = stat()
        #expect(stat(g.socket, &st) == 0 && st.st_mode & 0o777 == 0o660 && st.st_gid == 65534)
        let member = try runAs(["--reuid=65534", "--regid=65534", "--clear-groups"], ctl, ["--socket", g.socket, "--json", "info"])
        #expect(member.status == 0, "\(member.stderr)")
        #expect(member.stdout.contains("\"protocolVersion\":1"))
        let outsider = try runAs(["--reuid=65533", "--regid=65533", "--clear-groups"], ctl, ["--socket", g.socket, "info"])
        #expect(outsider.status == 3)
    }

    @Test func malformedInputGetsOneErrorEachAndTheDaemonKeepsServing() throws {
        let d = try DaemonProcess()
        defer { d.cleanup() }
        try d.start()
        let c = try ClientConnection(path: d.socket)

        // before hello: requests are refused, garbage still gets its own error
        try c.sendRaw(Data(#"{"id":1,"type":"jobs"}"#.utf8 + [0x0A]))
        #expect(try reply(c).protocolError?.code == .helloRequired)
        _ = try c.hello(client: "tests")
        try c.sendRaw(Data(#"{"id":2,"type":"hello","version":99}"#.utf8 + [0x0A]))
        #expect(try reply(c).protocolError?.code == .versionMismatch)

        var rng = SystemRandomNumberGenerator()
        let randomBytes = Data((0..<4096).map { _ in UInt8.random(in: 0...255, using: &rng) }.map { $0 == 0x0A ? 0x20 : $0 })
        let cases: [(Data, ErrorCode, String)] = [
            (randomBytes, .badJSON, ""),
            (Data(repeating: 0x61, count: Wire.maxMessageBytes + 5000), .messageTooLarge, "exceeds the limit"),
            (Data(#"{"id":3,"type":"submit","spec":{"kind":"train""#.utf8), .badJSON, "not valid JSON"),
            (Data(#"{"id":4,"type":"frobnicate"}"#.utf8), .unknownType, "frobnicate"),
            (Data(#"{"id":5,"type":"show","job":42}"#.utf8), .invalidRequest, "'job'"),
            (Data(#"{"id":6,"type":"submit","spec":"train"}"#.utf8), .invalidParameter, "JSON object"),
            (Data(#"{"id":7,"type":"submit","spec":{"kind":"train","steps":"many"}}"#.utf8), .invalidParameter, "steps"),
            (Data(#"{"id":8,"type":"submit","spec":{"kind":"train","stepz":5}}"#.utf8), .invalidParameter, "stepz"),
            (Data(#"{"id":9,"type":"submit","spec":{"steps":5}}"#.utf8), .invalidParameter, "kind"),
            (Data(#"{"id":10,"type":"follow","job":"j999"}"#.utf8), .notFound, "j999"),
            (Data(#"{"id":11,"type":"cancel","job":"nope"}"#.utf8), .notFound, "nope"),
            (Data(#"[1,2,3]"#.utf8), .invalidRequest, "JSON object"),
            (Data(#"{"id":"x","type":"jobs"}"#.utf8), .invalidRequest, "'id'"),
        ]
        for (i, (line, code, text)) in cases.enumerated() {
            try c.sendRaw(line + [0x0A])
            let r = try reply(c)
            let e = try #require(r.protocolError, "case \(i): expected an error, got \(r.body.typeName)")
            #expect(e.code == code, "case \(i): \(e.message)")
            #expect(text.isEmpty || e.message.contains(text), "case \(i): '\(e.message)' should mention \(text)")
            if let id = Request.idOf(line: line) { #expect(r.id == id) }
        }
        // the same connection and a new one both still work
        guard case .jobs = try c.call(.jobs, timeout: 30) else { Issue.record("jobs failed after garbage"); return }
        let fresh = try d.connect()
        guard case .info(let info) = try fresh.call(.info, timeout: 30) else { Issue.record("info failed"); return }
        #expect(info.info.pid == Int(d.pid))
        #expect(d.isRunning)
        #expect(d.log.contains("request refused"))
    }

    @Test func clientsThatVanishMidMessageDoNotHurt() throws {
        let d = try DaemonProcess()
        defer { d.cleanup() }
        try d.start()
        for _ in 0..<20 {
            let c = try ClientConnection(path: d.socket)
            try c.sendRaw(Data(#"{"id":1,"type":"hello","version":1}"#.utf8 + [0x0A] + Array(#"{"id":2,"type":"jo"#.utf8)))
        }
        let c = try d.connect()
        guard case .jobs = try c.call(.jobs, timeout: 30) else { Issue.record("jobs failed"); return }
        #expect(d.isRunning)
    }
}

func runAs(_ priv: [String], _ exe: String, _ args: [String]) throws -> CLIResult {
    let dir = try makeTempDir("ddu")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    chmod(dir, 0o777)
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
    p.arguments = priv + [exe] + args
    p.currentDirectoryURL = URL(fileURLWithPath: "/")
    _ = FileManager.default.createFile(atPath: dir + "/out", contents: nil)
    _ = FileManager.default.createFile(atPath: dir + "/err", contents: nil)
    p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/out"))
    p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/err"))
    try p.run()
    try waitUntil(60, "setpriv \(args)") { !p.isRunning }
    return CLIResult(status: p.terminationStatus,
                     stdout: (try? String(contentsOfFile: dir + "/out", encoding: .utf8)) ?? "",
                     stderr: (try? String(contentsOfFile: dir + "/err", encoding: .utf8)) ?? "")
}
