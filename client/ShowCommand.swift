// ShowCommand.swift — `diffctl show ID`: a job's configuration, timings, metrics, outputs and a
// terminal preview the daemon renders; --json gives the same as one object.
import DiffProtocol
import Foundation

let showOptions: [OptionSpec] = [
    OptionSpec(["--events"], "events", .setting, "N", "also list the last N events"),
    OptionSpec(["--no-preview"], "no-preview", .flag, "", "skip the terminal preview"),
]

let showHelp = helpText(
    usage: "diffctl show ID [--json] [--events N] [--no-preview]",
    summary: "Show a job: configuration, timings, final metrics, paths of its outputs and plots, and a preview.",
    options: showOptions,
    examples: ["diffctl show j3", "diffctl show j3 --json > j3.json", "diffctl show j3 --events 20"])

func showCommand(_ argv: [String]) throws -> ExitCode {
    let args = try parseArguments(argv, options: showOptions, settingFlags: ["no-preview"])
    if args.help { print(showHelp); return .ok }
    guard args.positionals.count == 1 else { throw UsageError(description: "show needs one job id") }
    var events = 0
    if let e = args.settings["events"] {
        guard let n = Int(e), n >= 0 else { throw UsageError(description: "--events must be a non-negative integer, got '\(e)'") }
        events = n
    }
    let conn = try openSession(args)
    let width = args.json ? 72 : previewRequestWidth()
    let wantPreview = !args.flags.contains("no-preview")
    guard case .job(let s) = try call(conn, .show(ShowRequest(job: args.positionals[0], previewWidth: wantPreview ? width : nil,
                                                              previewHeight: 16, events: events))) else {
        throw fail(.protocolError, "unexpected reply to show")
    }
    if args.json { printPrettyJSON(s); return .ok }
    let j = s.job
    print(fitted("job \(j.id): \(j.kind), \(j.state.rawValue)" + (j.error.map { " — \($0)" } ?? "")))
    for w in j.warnings ?? [] { print(fitted("warning: \(w)")) }
    print("")
    print("configuration")
    // the resolved spec (every default filled, what the job runs with); keys not given say so
    let given = j.spec?.objectValue ?? [:]
    if let spec = j.resolvedSpec?.objectValue ?? j.spec?.objectValue {
        print(indent(table(["key", "value"], spec.keys.sorted().filter { $0 != "kind" }.map {
            [$0, spec[$0]!.displayText + (given[$0] == nil && j.resolvedSpec != nil ? "  (default)" : "")]
        }, indent: 2)))
    }
    print("")
    print("timings")
    var timing: [[String]] = [["created", formatTime(j.createdAt)], ["started", formatTime(j.startedAt)], ["finished", formatTime(j.finishedAt)]]
    if let r = j.runSeconds { timing.append(["run time", formatDuration(r)]) }
    if let a = j.attempts, a > 1 { timing.append(["runs", "\(a) (resumed \(a - 1)×)"]) }
    print(indent(keyValueTable(timing, indent: 2)))
    print("")
    var status: [[String]] = []
    if let t = j.total { status.append(["step", "\(j.step ?? 0)/\(t)"]) } else if let s = j.step { status.append(["step", "\(s)"]) }
    if let l = j.loss { status.append(["last loss", String(format: "%.5f", l)]) }
    if let r = j.stepsPerSecond { status.append(["steps/s", String(format: "%.1f", r)]) }
    if let c = j.lastCheckpointStep { status.append(["last checkpoint", "step \(c)"]) }
    if let m = j.model { status.append([j.kind == "train" || j.kind == "gmm" ? "model (saves)" : "model (uses)", m]) }
    if let b = j.backend { status.append(["backend", b]) }
    if let d = j.jobDir { status.append(["directory", d]) }
    if let sj = j.slurmJob { status.append(["slurm job", sj]) }
    if let n = j.node { status.append(["node", n]) }
    if !status.isEmpty {
        print("status")
        print(indent(keyValueTable(status, indent: 2)))
        print("")
    }
    if let m = j.metrics, !m.isEmpty {
        print("metrics")
        print(indent(table(["metric", "value"], m.keys.sorted().map { [$0, formatNumber(m[$0]!)] }, indent: 2)))
        print("")
    }
    if let o = j.outputs, !o.isEmpty {
        print("outputs")
        print(indent(table(["name", "path"], o.keys.sorted().map { [$0, o[$0]!] }, indent: 2)))
        print("")
    }
    if let ev = s.events, !ev.isEmpty {
        print("events")
        print(indent(table(["time", "kind", "step", "loss", "detail"], ev.map { e in
            [formatTime(e.time), e.kind, e.step.map(String.init) ?? "-", e.loss.map { String(format: "%.4f", $0) } ?? "-",
             e.state?.rawValue ?? e.message ?? e.error ?? ""]
        }, indent: 2)))
        print("")
    }
    if let p = s.preview { print(fittedKeepingColor(forTerminal(p))) }
    return .ok
}

func indent(_ s: String) -> String { s.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n") }
