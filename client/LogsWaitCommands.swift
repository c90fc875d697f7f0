// LogsWaitCommands.swift — `diffctl logs JOB [-f]` (the job's log lines, as `docker logs`) and
// `diffctl wait JOB` (block until the job ends; the exit status is its outcome: 0 succeeded,
// 1 failed, 5 cancelled). Both read what the daemon already keeps: the job's event history and
// the follow stream.
import DiffProtocol
import Foundation

let logsOptions: [OptionSpec] = [
    OptionSpec(["-f", "--follow"], "follow", .flag, "", "keep printing new lines until the job ends (exit status = its outcome)"),
]

let logsHelp = helpText(
    usage: "diffctl logs JOB [-f] [--json]",
    summary: "Print a job's log lines: its start, its messages (resumes, saved models, warnings) and its state changes.",
    options: logsOptions,
    examples: ["diffctl logs j3", "diffctl logs -f j3", "diffctl logs j3 --json | jq .message"])

let waitHelp = helpText(
    usage: "diffctl wait JOB [--json]",
    summary: "Wait until a job ends and print its final state.\nExit status: 0 succeeded, 1 failed, 5 cancelled.",
    options: [],
    examples: ["diffctl wait j3 && diffctl get j3 out/", "id=$(diffctl train -q --dataset ring8 --steps 300); diffctl wait $id"])

/// The event kinds that make a job's log.
private let logKinds: Set<String> = ["started", "log", "state"]

/// One event as a log line ("HH:MM:SS  text"), nil for events that are not log lines.
func logLine(_ e: JobEventMessage) -> String? {
    guard logKinds.contains(e.kind) else { return nil }
    let text: String
    switch e.kind {
    case "state":
        guard let s = e.state else { return nil }
        text = s.rawValue + (e.error.map { ": \($0)" } ?? "")
    default:
        guard let m = e.message else { return nil }
        text = m
    }
    let time = e.time.map { t -> String in
        let f = DateFormatter(); f.dateFormat = "HH:mm:ss"; return f.string(from: Date(timeIntervalSince1970: t))
    } ?? "--:--:--"
    return fitted("\(time)  \(text)")
}

/// The outcome of a terminal state as an exit code.
func outcomeCode(_ state: JobState) -> ExitCode {
    switch state {
    case .succeeded: return .ok
    case .cancelled: return .jobCancelled
    default: return .jobFailed
    }
}

func logsCommand(_ argv: [String]) throws -> ExitCode {
    let args = try parseArguments(argv, options: logsOptions, settingFlags: ["follow"])
    if args.help { print(logsHelp); return .ok }
    guard args.positionals.count == 1 else { throw UsageError(description: "logs needs one job id (see diffctl logs --help)") }
    let ref = args.positionals[0]
    let conn = try openSession(args)
    let follow = args.flags.contains("follow")
    // following first, so that nothing falls between the history and the stream
    var early: [JobEventMessage] = []
    var job: JobInfo?
    if follow {
        let id = try conn.send(.follow(JobRequest(job: ref)))
        let reply: ResponseBody
        do { reply = try conn.response(to: id, timeout: 60) { early.append($0) } } catch {
            throw fail(.noDaemon, "the daemon went away: \(error)")
        }
        switch reply {
        case .following(let f): job = f.job
        case .error(let e): throw fail(.rejected, e.error.message)
        default: throw unexpected(reply)
        }
    }
    guard case .job(let s) = try call(conn, .show(ShowRequest(job: ref, events: 10_000))) else {
        throw fail(.protocolError, "unexpected reply to show")
    }
    var seen = Set<String>()
    var ended = false   // one final state line, whether from the history, the record or the stream
    func emit(_ e: JobEventMessage) {
        let key = "\(e.time ?? 0)|\(e.kind)|\(e.message ?? "")|\(e.state?.rawValue ?? "")"
        guard logKinds.contains(e.kind), seen.insert(key).inserted else { return }
        if e.kind == "state", e.state?.isTerminal == true { if ended { return }; ended = true }
        if args.json { printJSON(e) } else if let l = logLine(e) { print(l) }
    }
    let history = s.events ?? []
    for e in history { emit(e) }
    // the history may end before the outcome: the job's own record says how it ended
    if s.job.state.isTerminal, !history.contains(where: { $0.kind == "state" && $0.state?.isTerminal == true }) {
        var end = JobEventMessage(job: s.job.id, kind: "state", time: s.job.finishedAt)
        end.state = s.job.state; end.error = s.job.error
        emit(end)
    }
    guard follow, let job else { return .ok }
    if job.state.isTerminal { return outcomeCode(job.state) }
    var pending = early
    while true {
        let event: JobEventMessage
        if !pending.isEmpty { event = pending.removeFirst() } else {
            guard let e = try nextEvent(conn) else { throw fail(.noDaemon, "the daemon closed the connection while following \(job.id)") }
            event = e
        }
        guard event.job == job.id else { continue }
        emit(event)
        if event.kind == "state", let st = event.state, st.isTerminal { return outcomeCode(st) }
    }
}

func waitCommand(_ argv: [String]) throws -> ExitCode {
    let args = try parseArguments(argv, options: [])
    if args.help { print(waitHelp); return .ok }
    guard args.positionals.count == 1 else { throw UsageError(description: "wait needs one job id (see diffctl wait --help)") }
    let (conn, reply, early) = try startFollowing(args)
    let job: JobInfo
    switch reply {
    case .following(let f): job = f.job
    case .error(let e): throw fail(.rejected, e.error.message)
    default: throw unexpected(reply)
    }
    var pending = early
    var final: JobEventMessage?
    if job.state.isTerminal {
        var e = JobEventMessage(job: job.id, kind: "state", time: job.finishedAt)
        e.state = job.state; e.error = job.error
        final = e
    }
    while final == nil {
        let event: JobEventMessage
        if !pending.isEmpty { event = pending.removeFirst() } else {
            guard let e = try nextEvent(conn) else { throw fail(.noDaemon, "the daemon closed the connection while waiting for \(job.id)") }
            event = e
        }
        if event.job == job.id, event.kind == "state", let st = event.state, st.isTerminal { final = event }
    }
    let end = final!
    if args.json { printJSON(end) } else {
        print(fitted("\(job.id) \(end.state!.rawValue)" + (end.error.map { ": \($0)" } ?? "")))
    }
    return outcomeCode(end.state!)
}

/// The next event on a following connection; nil when the daemon closed it.
private func nextEvent(_ conn: ClientConnection) throws -> JobEventMessage? {
    while true {
        let msg: Response?
        do { msg = try conn.receive(timeout: 1) } catch { return nil }
        guard let msg else { continue }
        switch msg.body {
        case .event(let e): return e.event
        case .error(let e): throw fail(.rejected, e.error.message)
        default: continue
        }
    }
}
