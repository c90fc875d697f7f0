// InfoCommand.swift — `diffctl info`: which daemon, which backend and device, and why.
import DiffProtocol
import Foundation

let infoHelp = helpText(
    usage: "diffctl info [--json]",
    summary: "Show the daemon's version, socket, state directory, the backend and device jobs run on and why, and job counts.",
    options: [],
    examples: ["diffctl info", "DIFFUSIOND_SOCKET=/tmp/dd/sock diffctl info --json"])

func infoCommand(_ argv: [String]) throws -> ExitCode {
    let args = try parseArguments(argv, options: [])
    if args.help { print(infoHelp); return .ok }
    let conn = try openSession(args)
    guard case .info(let r) = try call(conn, .info) else { throw fail(.protocolError, "unexpected reply to info") }
    if args.json { printJSON(r.info); return .ok }
    let i = r.info
    var rows: [[String]] = [
        ["daemon", "\(i.version) (protocol \(i.protocolVersion), pid \(i.pid))"],
        ["client", clientVersion],
        ["up", formatDuration(Date().timeIntervalSince1970 - i.startedAt)],
        ["socket", i.socket],
        ["state dir", i.stateDir],
        ["config", i.configFile ?? "built-in defaults"],
        ["backend", "\(i.backend.selected) (requested \(i.backend.requested))"],
        ["device", "\(i.backend.deviceName) (\(i.backend.deviceType))"],
        ["why", i.backend.reason],
    ]
    if !i.backend.detail.isEmpty { rows.append(["detail", i.backend.detail]) }
    if !i.backend.vulkanDevices.isEmpty { rows.append(["vulkan devices", i.backend.vulkanDevices.joined(separator: "; ")]) }
    rows.append(["max jobs", "\(i.maxJobs)"])
    rows.append(["cpu threads", "\(i.cpuThreads)"])
    rows.append(["checkpoints", "every \(i.checkpointEvery) steps, keep \(i.checkpointKeep)"])
    rows.append(["jobs", i.jobCounts.isEmpty ? "none" : i.jobCounts.keys.sorted().map { "\($0) \(i.jobCounts[$0]!)" }.joined(separator: ", ")])
    print(keyValueTable(rows))
    return .ok
}
