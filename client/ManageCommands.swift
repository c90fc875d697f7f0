// ManageCommands.swift — `diffctl cancel ID`, `diffctl resume ID` and `diffctl rm ID`.
import DiffProtocol
import Foundation

let cancelHelp = helpText(
    usage: "diffctl cancel ID [--json]",
    summary: "Cancel a queued or running job. A running job stops at its next step; its checkpoints stay.",
    options: [],
    examples: ["diffctl cancel j3"])

let rmHelp = helpText(
    usage: "diffctl rm ID [--json]",
    summary: "Remove a finished or queued job and its directory (checkpoints, outputs, plots). Named models stay.\nA running job must be cancelled first.",
    options: [],
    examples: ["diffctl rm j3", "diffctl cancel j4 && diffctl rm j4"])

func cancelCommand(_ argv: [String]) throws -> ExitCode {
    let args = try parseArguments(argv, options: [])
    if args.help { print(cancelHelp); return .ok }
    guard args.positionals.count == 1 else { throw UsageError(description: "cancel needs one job id") }
    let conn = try openSession(args)
    guard case .cancelled(let r) = try call(conn, .cancel(JobRequest(job: args.positionals[0]))) else {
        throw fail(.protocolError, "unexpected reply to cancel")
    }
    if args.json { printJSON(r.job); return .ok }
    print(r.job.state == .cancelled ? "cancelled \(r.job.id)" : "cancelling \(r.job.id); it stops at its next step")
    return .ok
}

let resumeHelp = helpText(
    usage: "diffctl resume ID [--follow] [--json]",
    summary: "Queue a failed or cancelled job again. Training continues from its newest intact checkpoint\n(for example once a full disk has room again); other jobs run again from the start.",
    options: [resumeFollow],
    examples: ["diffctl resume j3", "diffctl resume j3 --follow"])
let resumeFollow = OptionSpec(["--follow", "-f"], "follow", .flag, "", "stream its progress until it ends (exit status = its outcome)")

func resumeCommand(_ argv: [String]) throws -> ExitCode {
    let args = try parseArguments(argv, options: [resumeFollow], settingFlags: ["follow"])
    if args.help { print(resumeHelp); return .ok }
    guard args.positionals.count == 1 else { throw UsageError(description: "resume needs one job id") }
    let conn = try openSession(args)
    guard case .resumed(let r) = try call(conn, .resume(JobRequest(job: args.positionals[0]))) else {
        throw fail(.protocolError, "unexpected reply to resume")
    }
    if args.flags.contains("follow") {
        var again = [r.job.id]
        if let socket = args.socket { again += ["--socket", socket] }
        if args.json { again.append("--json") }
        return try followCommand(again)
    }
    if args.json { printJSON(r.job); return .ok }
    let from = r.job.lastCheckpointStep.map { " from its checkpoint at step \($0)" } ?? ""
    print("queued \(r.job.id) again\(from)")
    return .ok
}

func rmCommand(_ argv: [String]) throws -> ExitCode {
    let args = try parseArguments(argv, options: [])
    if args.help { print(rmHelp); return .ok }
    guard !args.positionals.isEmpty else { throw UsageError(description: "rm needs a job id") }
    let conn = try openSession(args)
    for id in args.positionals {
        guard case .removed(let r) = try call(conn, .remove(JobRequest(job: id))) else {
            throw fail(.protocolError, "unexpected reply to rm")
        }
        if args.json { printJSON(r) } else { print("removed \(r.job)") }
    }
    return .ok
}
