// Harness.swift — runs the real diffusiond binary on a temporary socket and state directory,
// and the real diffctl, for the end-to-end tests. Timeouts here are safety nets, not measurements.
import DiffProtocol
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

struct HarnessError: Error, CustomStringConvertible { var description: String }

/// The built executables live next to the test bundle (.build/<triple>/release/).
func binary(_ name: String) throws -> String {
    let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    var dir = exe.deletingLastPathComponent()
    for _ in 0..<3 {
        let candidate = dir.appendingPathComponent(name).path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        dir = dir.deletingLastPathComponent()
    }
    throw HarnessError(description: "\(name) not found next to \(exe.path); run `swift build -c release` first")
}

/// A private temporary directory (0700), removed by `cleanup()`.
func makeTempDir(_ prefix: String = "ddt") throws -> String {
    var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
    guard let p = mkdtemp(&template) else { throw HarnessError(description: "mkdtemp failed") }
    return String(cString: p)
}

func waitUntil(_ timeout: Double, _ what: String, _ condition: () throws -> Bool) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try condition() { return }
        usleep(20_000)
    }
    throw HarnessError(description: "timed out after \(timeout) s waiting for \(what)")
}

final class DaemonProcess {
    let dir: String
    let socket: String
    let stateDir: String
    let logPath: String
    var extraArgs: [String]
    /// variables set (or, with an empty value, removed) in the daemon's environment
    var environment: [String: String] = [:]
    /// a command that runs the daemon (its path and arguments follow), e.g. unshare
    var wrapper: [String] = []
    private(set) var process: Process?
    private var keepDir = false

    init(extraArgs: [String] = [], dir: String? = nil) throws {
        self.dir = try dir ?? makeTempDir()
        socket = self.dir + "/sock"
        stateDir = self.dir + "/state"
        logPath = self.dir + "/daemon.log"
        self.extraArgs = extraArgs
    }

    /// Start the daemon and wait until it answers hello.
    @discardableResult
    func start(expectFailure: Bool = false) throws -> Self {
        let p = Process()
        let args = ["--socket", socket, "--state-dir", stateDir, "--backend", "cpu", "--cpu-threads", "1",
                    "--log-level", "debug"] + extraArgs
        if wrapper.isEmpty {
            p.executableURL = URL(fileURLWithPath: try binary("diffusiond"))
            p.arguments = args
        } else {
            p.executableURL = URL(fileURLWithPath: wrapper[0])
            p.arguments = Array(wrapper.dropFirst()) + [try binary("diffusiond")] + args
        }
        var env = ProcessInfo.processInfo.environment
        env["DIFFUSIOND_CONFIG"] = "/dev/null"
        for (k, v) in environment { env[k] = v.isEmpty ? nil : v }
        p.environment = env
        if !FileManager.default.fileExists(atPath: logPath) { _ = FileManager.default.createFile(atPath: logPath, contents: nil) }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        log.seekToEndOfFile()
        p.standardError = log
        p.standardOutput = log
        try p.run()
        process = p
        if expectFailure { return self }
        try waitUntil(60, "diffusiond to listen on \(socket)\n\(self.log)") {
            guard p.isRunning else { throw HarnessError(description: "diffusiond exited with \(p.terminationStatus):\n\(self.log)") }
            guard let c = try? ClientConnection(path: socket) else { return false }
            return (try? c.hello(client: "tests")) != nil
        }
        return self
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
    var pid: Int32 { process?.processIdentifier ?? 0 }
    var isRunning: Bool { process?.isRunning ?? false }

    func connect() throws -> ClientConnection {
        let c = try ClientConnection(path: socket)
        _ = try c.hello(client: "tests")
        return c
    }

    /// Wait for exit; returns the status.
    @discardableResult
    func waitExit(timeout: Double = 60) throws -> Int32 {
        guard let p = process else { return 0 }
        try waitUntil(timeout, "diffusiond (pid \(p.processIdentifier)) to exit\n\(log)") { !p.isRunning }
        return p.terminationStatus
    }

    func signal(_ sig: Int32) { if let p = process, p.isRunning { kill(p.processIdentifier, sig) } }

    func kill9() throws {
        signal(SIGKILL)
        _ = try waitExit(timeout: 10)
    }

    func cleanup() {
        if let p = process, p.isRunning { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() }
        if !keepDir { try? FileManager.default.removeItem(atPath: dir) }
    }
}

struct CLIResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Run diffctl with `args`; DIFFUSIOND_SOCKET points at `socket` unless nil.
/// (`executable`: run that instead, e.g. setpriv with diffctl among `args`.)
/// (`env`: variables set for this run only, e.g. COLUMNS or NO_COLOR.)
func diffctl(_ args: [String], socket: String?, cwd: String? = nil, timeout: Double = 120, executable: String? = nil,
             env extra: [String: String] = [:]) throws -> CLIResult {
    let dir = try makeTempDir("ddc")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: try executable ?? binary("diffctl"))
    p.arguments = args
    var env = ProcessInfo.processInfo.environment
    env["DIFFUSIOND_SOCKET"] = socket
    if socket == nil { env["DIFFUSIOND_SOCKET"] = nil }
    for (k, v) in extra { env[k] = v }
    p.environment = env
    if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
    _ = FileManager.default.createFile(atPath: dir + "/out", contents: nil)
    _ = FileManager.default.createFile(atPath: dir + "/err", contents: nil)
    p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/out"))
    p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/err"))
    p.standardInput = FileHandle.nullDevice
    try p.run()
    try waitUntil(timeout, "diffctl \(args.joined(separator: " "))") { !p.isRunning }
    return CLIResult(status: p.terminationStatus,
                     stdout: (try? String(contentsOfFile: dir + "/out", encoding: .utf8)) ?? "",
                     stderr: (try? String(contentsOfFile: dir + "/err", encoding: .utf8)) ?? "")
}

/// Read responses until one satisfies `match` (events and others are passed to `seen`).
func receive(_ c: ClientConnection, timeout: Double, until match: (Response) -> Bool) throws -> Response {
    let deadline = Date().addingTimeInterval(timeout)
    while true {
        let left = deadline.timeIntervalSinceNow
        guard left > 0 else { throw HarnessError(description: "no matching message within \(timeout) s") }
        if let r = try c.receive(timeout: left), match(r) { return r }
    }
}

/// The next response that is not an event.
func reply(_ c: ClientConnection, timeout: Double = 30) throws -> Response {
    try receive(c, timeout: timeout) { if case .event = $0.body { return false }; return true }
}

extension Response {
    var protocolError: ProtocolError? { if case .error(let e) = body { return e.error }; return nil }
    var event: JobEventMessage? { if case .event(let e) = body { return e.event }; return nil }
}
