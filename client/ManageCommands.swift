// ManageCommands.swift — `diffctl cancel ID` and `diffctl rm ID`.
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
