// SlurmHelpers.swift — for the Slurm suite: whether a cluster answers (scripts/slurm-local.sh
// start makes one), the Slurm client tools run from a test, and a daemon with executor = slurm.
import DiffProtocol
import Foundation
import Testing

enum SlurmCluster {
    static let ci = ProcessInfo.processInfo.environment["CI"] == "true"
    /// sinfo answers and the partition is up
    static let up: Bool = {
        guard let r = try? tool("sinfo", ["-h", "-o", "%a"]) else { return false }
        return r.status == 0 && r.stdout.contains("up")
    }()
    /// under CI the suite always runs (and fails without a cluster); elsewhere it needs one
    static var enabled: Bool { up || ci }
    static let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? ""
}

/// Run a Slurm (or any) tool found on PATH and capture its output.
@discardableResult
func tool(_ name: String, _ args: [String]) throws -> CLIResult {
    let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
    guard let path = dirs.map({ "\($0)/\(name)" }).first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
        throw HarnessError(description: "\(name) not on PATH")
    }
    let dir = try makeTempDir("ddtool")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = args
    _ = FileManager.default.createFile(atPath: dir + "/out", contents: nil)
    _ = FileManager.default.createFile(atPath: dir + "/err", contents: nil)
    p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/out"))
    p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/err"))
    try p.run()
    p.waitUntilExit()
    return CLIResult(status: p.terminationStatus, stdout: (try? String(contentsOfFile: dir + "/out", encoding: .utf8)) ?? "",
                     stderr: (try? String(contentsOfFile: dir + "/err", encoding: .utf8)) ?? "")
}

/// A daemon with executor = slurm on a fresh temporary state directory (local disk: the single
/// node is this machine, so it is "shared").
func slurmDaemon(_ extra: [String] = [], environment: [String: String] = [:]) throws -> DaemonProcess {
    let d = try DaemonProcess(extraArgs: ["--executor", "slurm", "--progress-every", "10"] + extra)
    d.environment = environment
    return d
}

/// Slurm's state of a job as `scontrol show job` reports it ("" when unknown).
func slurmState(_ id: String) -> String {
    guard let r = try? tool("scontrol", ["show", "job", "-o", id]), r.status == 0 else { return "" }
    return r.stdout.split(separator: " ").first { $0.hasPrefix("JobState=") }.map { String($0.dropFirst(9)) } ?? ""
}

/// Wait until the job has a Slurm id and reports a progress event; returns its info.
func waitForSlurmProgress(_ d: DaemonProcess, _ job: String, minStep: Int = 1) throws -> JobInfo {
    var info: JobInfo?
    try waitUntil(180, "job \(job) to make progress in Slurm\n\(d.log.suffix(2000))") {
        let i = try jobInfo(d, job)
        if i.state.isTerminal { throw HarnessError(description: "job \(job) ended early: \(i.state) \(i.error ?? "")") }
        info = i
        return i.slurmJob != nil && i.state == .running && (i.step ?? 0) >= minStep
    }
    return info!
}
