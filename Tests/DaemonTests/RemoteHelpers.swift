// RemoteHelpers.swift — for the remote-use tests: the throwaway sshd of scripts/sshd-local.sh
// (whether it answers, its client config), a stand-in "ssh" that runs the remote command on this
// machine (so the client's remote path is tested without any sshd), diffctl with an environment,
// and a protocol connection through `diffusiond dial-stdio`.
import DiffProtocol
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

enum LocalSSHD {
    static let ci = ProcessInfo.processInfo.environment["CI"] == "true"
    static let dir = ProcessInfo.processInfo.environment["DIFFUSIOND_SSHD_DIR"] ?? "/tmp/diffusiond-sshd-\(getuid())"
    static var config: String { dir + "/ssh_config" }
    /// the values scripts/sshd-local.sh wrote: port, user, key
    static var settings: [String: String] {
        let text = (try? String(contentsOfFile: dir + "/env", encoding: .utf8)) ?? ""
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            out[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        return out
    }
    /// `ssh -F ssh_config diffusiond-test true` succeeds
    static let up: Bool = {
        guard FileManager.default.fileExists(atPath: config) else { return false }
        guard let r = try? tool("ssh", ["-F", config, "diffusiond-test", "true"]) else { return false }
        return r.status == 0
    }()
    /// under CI the suite always runs (and fails without sshd); elsewhere it needs one
    static var enabled: Bool { up || ci }
}

/// Run diffctl with `env` added to (or, with an empty value, removed from) its environment; no
/// DIFFUSIOND_SOCKET, so nothing falls back to a local daemon by accident.
func diffctl(_ args: [String], env: [String: String], cwd: String? = nil, timeout: Double = 180) throws -> CLIResult {
    let dir = try makeTempDir("ddr")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: try binary("diffctl"))
    p.arguments = args
    var e = ProcessInfo.processInfo.environment
    e["DIFFUSIOND_SOCKET"] = nil
    e["DIFFUSIOND_HOST"] = nil
    for (k, v) in env { e[k] = v.isEmpty ? nil : v }
    p.environment = e
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

/// A stand-in for ssh in `dir`: records its arguments in dir/ssh-args (one run per line), drops
/// the options and the host, and runs the remote command here with sh, as sshd would on the box.
func fakeSSH(in dir: String) throws -> String {
    let path = dir + "/fake-ssh"
    let script = """
    #!/bin/sh
    echo "$@" >> \(dir)/ssh-args
    while [ $# -gt 0 ]; do
      case "$1" in
        --) shift; shift; break ;;
        -p|-o|-F|-i|-l) shift 2 ;;
        *) shift ;;
      esac
    done
    exec sh -c "$*"
    """
    try script.write(toFile: path, atomically: true, encoding: .utf8)
    chmod(path, 0o755)
    return path
}

/// A protocol connection through `command` (e.g. diffusiond dial-stdio, or ssh … dial-stdio),
/// greeted.
func relayedConnection(_ command: [String], endpoint: String = "relay") throws -> ClientConnection {
    let c = ClientConnection(transport: try ProcessTransport(arguments: command, endpoint: endpoint))
    _ = try c.hello(client: "tests")
    return c
}

/// A tiny model for the remote tests (CPU, a few seconds).
let remoteSmallModel = ["--width", "16", "--batch-size", "32", "--set", "depth=1", "--set", "timeEmbedDim=16"]

/// How often the daemon's log says an upload was stored.
func uploadsStored(_ d: DaemonProcess) -> Int {
    d.log.components(separatedBy: "upload stored").count - 1
}

func sha256sum(_ path: String) throws -> String {
    let r = try tool("sha256sum", [path])
    return String(r.stdout.prefix(64))
}
