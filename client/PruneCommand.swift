// PruneCommand.swift — `diffctl prune`: remove finished jobs (and their directories) now.
import DiffProtocol
import Foundation

let pruneOptions: [OptionSpec] = [
    OptionSpec(["--older-than"], "older-than", .setting, "DURATION", "only jobs that finished at least this long ago: 30d, 12h, 90m, 45s, 2w (a bare number is days)"),
    OptionSpec(["--state"], "state", .setting, "STATE[,STATE]", "only jobs in these states: succeeded, failed, cancelled (default: all three)"),
]

let pruneHelp = helpText(
    usage: "diffctl prune [--older-than DURATION] [--state failed|cancelled|succeeded] [--json]",
    summary: "Remove finished jobs and their directories (checkpoints, outputs, plots). Named models stay.\nQueued and running jobs are never touched; jobs of other users are skipped unless the daemon allows it (group_may_manage_all).\nThe daemon also removes finished jobs older than its job_retention setting on its own.",
    options: pruneOptions,
    examples: ["diffctl prune", "diffctl prune --older-than 7d", "diffctl prune --state failed,cancelled --older-than 12h"])

func pruneCommand(_ argv: [String]) throws -> ExitCode {
    let args = try parseArguments(argv, options: pruneOptions)
    if args.help { print(pruneHelp); return .ok }
    guard args.positionals.isEmpty else { throw UsageError(description: "unexpected argument '\(args.positionals[0])' (see diffctl prune --help)") }
    var olderThan: Double? = nil
    if let text = args.settings["older-than"] {
        guard let s = Durations.parse(text) else {
            throw UsageError(description: "--older-than: '\(text)' is not a duration (e.g. 30d, 12h, 90m, 45s)")
        }
        olderThan = s
    }
    var states: [String]? = nil
    if let text = args.settings["state"] {
        let list = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let known = ["succeeded", "failed", "cancelled"]
        if let bad = list.first(where: { !known.contains($0) }) {
            throw UsageError(description: "--state: '\(bad)' is not one of \(known.joined(separator: ", "))")
        }
        states = list
    }
    let conn = try openSession(args)
    guard case .pruned(let r) = try call(conn, .prune(PruneRequest(olderThan: olderThan, states: states))) else {
        throw fail(.protocolError, "unexpected reply to prune")
    }
    if args.json { printJSON(r); return .ok }
    print(r.removed.isEmpty ? "no finished jobs to remove" : "removed \(r.removed.count) job\(r.removed.count == 1 ? "" : "s"): \(r.removed.joined(separator: " "))")
    if r.skipped > 0 { print("skipped \(r.skipped) finished job\(r.skipped == 1 ? "" : "s") of other users") }
    return .ok
}
