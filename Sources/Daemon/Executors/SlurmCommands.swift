// SlurmCommands.swift — the Slurm client tools the slurm executor uses (sbatch, squeue, scontrol,
// scancel), run as child processes, and the parsing of what they print. Each call waits at most
// `timeout` seconds, so a hung controller cannot wedge the daemon.
import Foundation

struct SlurmCommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
    /// what to show a person: stderr, else stdout, trimmed
    var message: String {
        let e = stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        return e.isEmpty ? stdout.trimmingCharacters(in: .whitespacesAndNewlines) : e
    }
}

struct SlurmCommandError: Error, CustomStringConvertible { var description: String }

/// A job as Slurm reports it.
public struct SlurmJobState: Equatable, Sendable {
    public var state: String          // PENDING, RUNNING, COMPLETED, FAILED, TIMEOUT, ...
    public var node: String?          // NodeList, nil while pending
    public var reason: String?
    public var exitCode: String?

    public init(state: String, node: String? = nil, reason: String? = nil, exitCode: String? = nil) {
        self.state = state; self.node = node; self.reason = reason; self.exitCode = exitCode
    }

    /// states after which the job will not run again unless requeued
    static let terminal: Set<String> = ["COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY",
                                        "PREEMPTED", "BOOT_FAIL", "DEADLINE", "SPECIAL_EXIT", "REVOKED"]
    public var isTerminal: Bool { SlurmJobState.terminal.contains(state) }
}

public enum SlurmCommands {
    /// Run `tool args`, found on PATH. Throws when the tool is missing or does not finish in time.
    static func run(_ tool: String, _ args: [String], timeout: Double = 30) throws -> SlurmCommandResult {
        guard let path = which(tool) else {
            throw SlurmCommandError(description: "\(tool) not found on PATH (\(ProcessInfo.processInfo.environment["PATH"] ?? "")); executor = slurm needs the Slurm client tools (sbatch, squeue, scontrol, scancel) on the daemon's machine")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        // read both pipes while it runs (a full pipe would block the child)
        nonisolated(unsafe) var outData = Data(), errData = Data()
        let group = DispatchGroup()
        group.enter(); DispatchQueue.global().async { outData = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        group.enter(); DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        if group.wait(timeout: .now() + timeout) == .timedOut {
            p.terminate()
            throw SlurmCommandError(description: "\(tool) \(args.joined(separator: " ")) did not finish within \(Int(timeout)) s (is slurmctld reachable?)")
        }
        p.waitUntilExit()
        return SlurmCommandResult(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                                  stderr: String(decoding: errData, as: UTF8.self))
    }

    static func which(_ tool: String) -> String? {
        if tool.hasPrefix("/") { return FileManager.default.isExecutableFile(atPath: tool) ? tool : nil }
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return dirs.map { "\($0)/\(tool)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The Slurm job id `sbatch --parsable` printed ("123" or "123;cluster").
    public static func parseParsable(_ stdout: String) -> String? {
        let first = stdout.split(separator: "\n").first.map { String($0) } ?? ""
        let id = first.split(separator: ";").first.map { String($0).trimmingCharacters(in: .whitespaces) } ?? ""
        return !id.isEmpty && id.allSatisfy({ $0.isNumber || $0 == "_" }) ? id : nil
    }

    /// `squeue -h -o %i|%T|%N|%r` lines → job id → state.
    public static func parseSqueue(_ stdout: String) -> [String: SlurmJobState] {
        var out: [String: SlurmJobState] = [:]
        for line in stdout.split(separator: "\n") {
            let f = line.split(separator: "|", omittingEmptySubsequences: false).map { String($0).trimmingCharacters(in: .whitespaces) }
            guard f.count >= 4, !f[0].isEmpty else { continue }
            out[f[0]] = SlurmJobState(state: f[1], node: f[2].isEmpty ? nil : f[2], reason: f[3].isEmpty || f[3] == "None" ? nil : f[3])
        }
        return out
    }

    /// `scontrol show job -o ID` (one line of Key=Value words) → its state.
    public static func parseScontrol(_ stdout: String) -> SlurmJobState? {
        var fields: [String: String] = [:]
        for word in stdout.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
            guard let eq = word.firstIndex(of: "=") else { continue }
            let key = String(word[..<eq])
            if fields[key] == nil { fields[key] = String(word[word.index(after: eq)...]) }
        }
        guard let state = fields["JobState"] else { return nil }
        let node = fields["NodeList"].flatMap { $0 == "(null)" || $0.isEmpty ? nil : $0 }
        let reason = fields["Reason"].flatMap { $0 == "None" ? nil : $0 }
        return SlurmJobState(state: state, node: node, reason: reason, exitCode: fields["ExitCode"])
    }

    /// States of `ids` now: squeue for the active ones, scontrol for the rest; an id neither
    /// knows is absent from the answer. Throws only when Slurm cannot be asked at all.
    static func states(_ ids: [String]) throws -> [String: SlurmJobState] {
        guard !ids.isEmpty else { return [:] }
        let q = try run("squeue", ["-h", "-o", "%i|%T|%N|%r", "-j", ids.joined(separator: ",")])
        var known = q.status == 0 ? parseSqueue(q.stdout) : [:]
        for id in ids where known[id] == nil || known[id]!.isTerminal {
            let s = try run("scontrol", ["show", "job", "-o", id])
            if s.status == 0, let st = parseScontrol(s.stdout) { known[id] = st }
            else if s.status != 0 && !s.message.contains("Invalid job id") {
                throw SlurmCommandError(description: "scontrol show job \(id): \(s.message)")
            }
        }
        return known
    }
}
