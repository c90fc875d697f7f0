// Submit.swift — what train, sample and eval share: send the spec with the files it names passed
// open (PassFiles) or, to a remote daemon, uploaded (RemoteSubmit.swift), print the job (its id
// first in JSON), and with --follow stream its progress on the same connection.
import DiffProtocol
import Foundation

let submitCommonOptions: [OptionSpec] = [
    OptionSpec(["--seed"], "seed", .uint, "S", "random seed (same seed, same result)"),
    OptionSpec(["--backend"], "backend", .string, "auto|cpu|vulkan", "backend for this job (default: the daemon's)"),
    OptionSpec(["--follow"], "follow", .flag, "", "stream progress until the job ends (exit status = its outcome)"),
    OptionSpec(["-q", "--quiet"], "quiet", .flag, "", "print only the job id"),
    OptionSpec(["--set"], "set", .setting, "KEY=JSON", "any other spec field, e.g. --set emaDecay=0.999 (repeatable: last wins per key)"),
] + jobFileOptions

func submitJob(kind: String, args: ParsedArguments, argv: [String]) throws -> ExitCode {
    var spec = args.spec
    spec["kind"] = .string(kind)
    // --set KEY=VALUE may repeat; the parser keeps the last, so collect them from argv
    var i = 0
    while i < argv.count {
        var raw: String?
        if argv[i] == "--set", i + 1 < argv.count { raw = argv[i + 1]; i += 1 }
        else if argv[i].hasPrefix("--set=") { raw = String(argv[i].dropFirst(6)) }
        i += 1
        guard let raw else { continue }
        guard let eq = raw.firstIndex(of: "=") else { throw UsageError(description: "--set needs KEY=VALUE, got '\(raw)'") }
        let key = String(raw[..<eq]), text = String(raw[raw.index(after: eq)...])
        if let v = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) { spec[key] = v } else { spec[key] = .string(text) }
    }
    // a checkpoint file given as --model travels open like the other files; the daemon sees it as a path
    if let m = spec["model"]?.stringValue, modelNamesFile(m), !m.contains("/") { spec["model"] = .string("./" + m) }
    let follow = args.flags.contains("follow")
    let dry = args.flags.contains("dry-run")
    if dry { try checkDryRunOut(spec) }
    let conn = try openSession(args)
    if !conn.passesFiles { return try submitRemote(conn, spec: spec, args: args, follow: follow && !dry, dryRun: dry) }
    // the files the spec names travel open, opened here with this user's rights (PassFiles);
    // a dry run creates no out file
    let files = try openSpecFiles(dry ? spec.filter { $0.key != "out" } : spec)
    let id: Int
    do {
        defer { files.close() }   // the daemon has its own copies once sent
        id = try conn.send(.submit(SubmitRequest(spec: .object(spec), follow: follow && !dry, files: files.names.isEmpty ? nil : files.names,
                                                 dryRun: dry ? true : nil)),
                           passing: files.fds)
    } catch { files.discardCreated(); throw error }
    var early: [JobEventMessage] = []
    let reply: ResponseBody
    do { reply = try conn.response(to: id, timeout: 120) { early.append($0) } } catch {
        files.discardCreated()
        throw fail(.noDaemon, "the daemon went away: \(error)")
    }
    if case .resolved(let r) = reply { return printDryRun(r, json: args.json) }
    guard case .submitted(let s) = reply else {
        files.discardCreated()
        if case .error(let e) = reply { throw fail(.rejected, attributed(e.error, args)) }
        throw unexpected(reply)
    }
    let job = s.job
    if args.flags.contains("quiet") {
        print(job.id)
        guard follow else { return .ok }
        return try streamEvents(conn, job: job, recentLosses: [], json: false, pending: early, quiet: true)
    }
    if args.json || (follow && !stdoutIsTerminal) {   // a script reading events gets JSON from the first line
        printJSON(job)
    } else {
        print("submitted \(job.id) (\(job.kind))" + (follow ? "" : " — watch it with: diffctl follow \(job.id)"))
    }
    guard follow else { return .ok }
    let outcome = try streamEvents(conn, job: job, recentLosses: [], json: args.json || !stdoutIsTerminal, pending: early)
    // a job that ended without delivering its samples leaves no empty out file behind
    if outcome == .jobFailed || outcome == .jobCancelled { files.discardCreated() }
    return outcome
}
