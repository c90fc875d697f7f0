// JobsCommand.swift — `diffctl jobs`: the job list as an aligned table.
import DiffProtocol
import Foundation

let jobsOptions: [OptionSpec] = [
    OptionSpec(["--metrics"], "metrics", .flag, "", "add the main quality metrics of finished jobs as columns"),
    OptionSpec(["--state"], "state", .setting, "STATE[,STATE]", "only jobs in these states (queued, running, succeeded, failed, cancelled)"),
    OptionSpec(["--kind"], "kind", .setting, "KIND[,KIND]", "only jobs of these kinds (train, gmm, sample, eval, sweep)"),
    OptionSpec(["--model"], "model", .setting, "MODEL", "only jobs that train or use this model"),
    OptionSpec(["-q", "--quiet"], "quiet", .flag, "", "print only the job ids, one per line"),
]

let jobsHelp = helpText(
    usage: "diffctl jobs [--state S] [--kind K] [--model M] [-q] [--metrics] [--json]",
    summary: "List jobs: id, kind, state, progress, last loss, model, created (and the Slurm job id and node with executor = slurm).",
    options: jobsOptions,
    examples: ["diffctl jobs", "diffctl jobs --metrics", "diffctl jobs --state failed --kind train",
               "diffctl rm $(diffctl jobs -q --state cancelled)", "diffctl jobs --json | jq '.jobs[] | select(.state == \"running\") | .id'"])

/// Metrics shown by `jobs --metrics`, in this order, when some job has them.
let headlineMetrics = ["high_quality", "between_modes", "modes_covered", "energy_distance", "mmd2", "collision_rate", "final_loss"]

func jobsCommand(_ argv: [String]) throws -> ExitCode {
    let args = try parseArguments(argv, options: jobsOptions, settingFlags: ["metrics", "quiet"])
    if args.help { print(jobsHelp); return .ok }
    guard args.positionals.isEmpty else { throw UsageError(description: "jobs takes no arguments") }
    let conn = try openSession(args)
    guard case .jobs(var list) = try call(conn, .jobs) else { throw fail(.protocolError, "unexpected reply to jobs") }
    list.jobs = try filteredJobs(list.jobs, args)
    if args.flags.contains("quiet") { for j in list.jobs { print(j.id) }; return .ok }
    if args.json { printJSON(list); return .ok }
    if list.jobs.isEmpty, ["state", "kind", "model"].contains(where: { args.settings[$0] != nil }) { print("no jobs match"); return .ok }
    if list.jobs.isEmpty { print("no jobs (submit one with diffctl train --help)"); return .ok }
    let metricColumns = args.flags.contains("metrics")
        ? headlineMetrics.filter { m in list.jobs.contains { $0.metrics?[m] != nil } } : []
    // jobs run through Slurm (executor = slurm) add their Slurm job id and node
    let slurmColumns = list.jobs.contains { $0.slurmJob != nil }
    let rows = list.jobs.map { j -> [String] in
        let progress = j.total.map { t in "\(j.step ?? 0)/\(t)" } ?? (j.step.map(String.init) ?? "-")
        let what = j.spec?["name"]?.stringValue ?? j.spec?["model"]?.stringValue ?? "-"
        let sampler = j.spec?["sampler"]?.stringValue.map { " (\($0))" } ?? ""
        let state = j.state.rawValue + (j.state == .failed ? "*" : (j.warnings?.isEmpty == false ? "!" : ""))
        return [j.id, j.kind, state, progress, j.loss.map { String(format: "%.4f", $0) } ?? "-", what + sampler]
            + metricColumns.map { m in j.metrics?[m].map(formatNumber) ?? "-" } + [formatTime(j.createdAt)]
            + (slurmColumns ? [j.slurmJob ?? "-", j.node ?? "-"] : [])
    }
    print(table(["ID", "KIND", "STATE", "STEP", "LOSS", "MODEL"] + metricColumns.map { $0.uppercased() } + ["CREATED"]
                + (slurmColumns ? ["SLURM", "NODE"] : []), rows))
    // footnotes go to stderr so that the table on stdout stays one row per job for scripts
    if list.jobs.contains(where: { $0.state == .failed }) { printNote("* failed: diffctl show ID says why") }
    if list.jobs.contains(where: { $0.warnings?.isEmpty == false }) { printNote("! succeeded with a warning: diffctl show ID") }
    return .ok
}

/// The jobs that pass `--state`, `--kind` and `--model` (each a comma-separated list; all must hold).
func filteredJobs(_ jobs: [JobInfo], _ args: ParsedArguments) throws -> [JobInfo] {
    func values(_ key: String) -> Set<String>? {
        args.settings[key].map { Set($0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }) }
    }
    let states = values("state"), kinds = values("kind"), models = values("model")
    let all = ["queued", "running", "succeeded", "failed", "cancelled"]
    let knownStates = Set(all)
    if let bad = states?.first(where: { !knownStates.contains($0) }) {
        throw UsageError(description: "--state: unknown state '\(bad)' (one of \(all.joined(separator: ", ")))")
    }
    return jobs.filter { j in
        if let states, !states.contains(j.state.rawValue) { return false }
        if let kinds, !kinds.contains(j.kind.lowercased()) { return false }
        if let models {
            let named = [j.spec?["name"]?.stringValue, j.spec?["model"]?.stringValue].compactMap { $0?.lowercased() }
            // NAME matches NAME and its versions NAME@V
            if !named.contains(where: { n in models.contains(n) || models.contains(String(n.split(separator: "@").first ?? "")) }) { return false }
        }
        return true
    }
}
