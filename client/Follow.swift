// Follow.swift — streaming a job's events: a live progress bar with a loss sparkline on a
// terminal, one JSON event per line otherwise (or with --json). Ends with the job's outcome;
// Ctrl-C detaches and leaves the job running.
import DiffProtocol
import Foundation

let followUsage = "diffctl follow ID [--json]"
let followHelp = helpText(
    usage: followUsage,
    summary: "Stream a job's progress until it ends. A late joiner sees the current state first. Ctrl-C detaches; the job keeps running.\nExit status: 0 succeeded, 1 failed, 5 cancelled, 130 detached.",
    options: [],
    examples: ["diffctl follow j3", "diffctl follow j3 --json | jq .loss"])

/// Ask the daemon to follow the job named by the one positional argument: the connection, the
/// reply (the job, or an error) and the events that arrived before it (follow, wait).
func startFollowing(_ args: ParsedArguments) throws -> (ClientConnection, ResponseBody, [JobEventMessage]) {
    let conn = try openSession(args)
    let id = try conn.send(.follow(JobRequest(job: args.positionals[0])))
    var early: [JobEventMessage] = []
    let reply: ResponseBody
    do { reply = try conn.response(to: id, timeout: 60) { early.append($0) } } catch {
        throw fail(.noDaemon, "the daemon went away: \(error)")
    }
    return (conn, reply, early)
}

func followCommand(_ argv: [String]) throws -> ExitCode {
    let args = try parseArguments(argv, options: [])
    if args.help { print(followHelp); return .ok }
    guard args.positionals.count == 1 else { throw UsageError(description: "follow needs one job id: \(followUsage)") }
    let (conn, reply, early) = try startFollowing(args)
    switch reply {
    case .following(let f):
        return try streamEvents(conn, job: f.job, recentLosses: f.recentLosses ?? [], json: args.json, pending: early)
    case .error(let e): throw fail(.rejected, e.error.message)
    default: throw unexpected(reply)
    }
}

final class ProgressView {
    let job: String
    let kind: String
    var step = 0
    var total: Int?
    var loss: Double?
    var rate: Double?
    var losses: [Double]
    var lastDraw = Date.distantPast
    var drawn = false
    var drawnWidth = 0

    init(job: JobInfo, losses: [Double]) {
        self.job = job.id; kind = job.kind; step = job.step ?? 0; total = job.total; loss = job.loss
        rate = job.stepsPerSecond; self.losses = losses
    }

    func update(_ e: JobEventMessage) {
        if let s = e.step { step = s }
        if let t = e.total { total = t }
        if let l = e.loss { loss = l; losses.append(l); if losses.count > 200 { losses.removeFirst(losses.count - 200) } }
        if let r = e.stepsPerSecond { rate = r }
    }

    /// One line: id, bar, step/total, loss, sparkline, rate, ETA.
    func line(width: Int) -> String {
        var right = ""
        if let total, total > 0 {
            right += kind == "train" ? " \(step)/\(total)" : " step \(step)/\(total)"
            right += String(format: " %3d%%", Int(100 * Double(step) / Double(total)))
        } else {
            right += " step \(step)"
        }
        if let loss { right += " loss " + String(format: "%.4f", loss) }
        if losses.count >= 2 { right += " " + sparkline(losses, width: 16) }
        if let rate, rate > 0 {
            right += String(format: " %.0f steps/s", rate)
            if let total, total > step { right += " ETA " + formatDuration(Double(total - step) / rate) }
        }
        let head = "\(job) \(kind) "
        let barWidth = max(10, min(40, width - head.count - right.count - 3))
        let frac = total.map { $0 > 0 ? min(1, Double(step) / Double($0)) : 0 } ?? 0
        let full = Int(frac * Double(barWidth))
        let bar = String(repeating: "█", count: full) + String(repeating: "░", count: barWidth - full)
        return head + "▕" + bar + "▏" + right
    }

    func draw(force: Bool = false) {
        let now = Date()
        guard force || now.timeIntervalSince(lastDraw) > 0.1 else { return }
        lastDraw = now
        let w = terminalWidth()
        var l = line(width: w)
        if l.count > w - 1 { l = String(l.prefix(w - 1)) }
        // spaces, not an erase sequence, clear what a longer line left (no escape bytes at all)
        let pad = String(repeating: " ", count: max(0, drawnWidth - l.count))
        FileHandle.standardOutput.write(Data(("\r" + l + pad).utf8))
        drawnWidth = l.count
        drawn = true
    }

    /// Leave the bar where it is and go to a new line (the job's final bar).
    func endLine() { if drawn { print(""); drawn = false; drawnWidth = 0 } }

    /// Take the bar off its line so a message can take it; the next draw puts the bar below.
    /// (Ending the line instead left a copy of the bar above every message — and twice at the end.)
    func clear() {
        guard drawn else { return }
        FileHandle.standardOutput.write(Data(("\r" + String(repeating: " ", count: drawnWidth) + "\r").utf8))
        drawn = false; drawnWidth = 0
    }
}

/// Stream until the job reaches a terminal state; returns the exit code of its outcome.
/// `quiet`: print nothing, only wait for the outcome.
func streamEvents(_ conn: ClientConnection, job: JobInfo, recentLosses: [Double], json: Bool, pending: [JobEventMessage],
                  quiet: Bool = false) throws -> ExitCode {
    let live = stdoutIsTerminal && !json && !quiet
    let view = ProgressView(job: job, losses: recentLosses)
    let jobID = job.id
    let sigint = installDetachHandler(jobID: jobID, live: live)
    defer { sigint.cancel() }

    if live {
        if let b = job.backend { print(fitted("\(jobID): \(b)")) }
        if !job.state.isTerminal { view.draw(force: true) }
    } else if !quiet {
        // a late joiner (or a script) first sees the state now
        var now = JobEventMessage(job: jobID, kind: "state", time: Date().timeIntervalSince1970)
        now.state = job.state; now.step = job.step; now.total = job.total; now.loss = job.loss
        if !job.state.isTerminal { printJSON(now) }
    }
    var queue = pending
    while true {
        let event: JobEventMessage
        if !queue.isEmpty { event = queue.removeFirst() } else {
            let msg: Response?
            do { msg = try conn.receive(timeout: 1) } catch {
                if live { view.endLine() }
                throw fail(.noDaemon, "lost the daemon while following \(jobID) (if it was stopped, the job resumes when it restarts: diffctl follow \(jobID))")
            }
            guard let msg else { continue }
            switch msg.body {
            case .event(let e): event = e.event
            case .error(let e): throw fail(.rejected, e.error.message)
            default: continue
            }
        }
        guard event.job == jobID else { continue }
        if !live && !quiet { printJSON(event) }
        switch event.kind {
        case "progress", "checkpoint":
            view.update(event)
            if live { view.draw() }
        case "started", "log":
            if live, let m = event.message { view.clear(); print(fitted("\(jobID): \(m)")); view.draw(force: true) }
        case "state":
            guard let state = event.state else { continue }
            if !state.isTerminal {
                if live { view.update(event); view.draw(force: true) }
                continue
            }
            if live {
                view.update(event)
                if state == .succeeded, let t = view.total { view.step = t }
                view.draw(force: true)
                view.endLine()
                printOutcome(conn, event: event, jobID: jobID)
            }
            switch state {
            case .succeeded: return .ok
            case .cancelled: return .jobCancelled
            default: return .jobFailed
            }
        default:
            continue
        }
    }
}

private func printOutcome(_ conn: ClientConnection, event: JobEventMessage, jobID: String) {
    let state = event.state?.rawValue ?? "?"
    print(fitted("\(jobID) \(state)" + (event.error.map { ": \($0)" } ?? "")))
    if let m = event.metrics, !m.isEmpty {
        print(table(["metric", "value"], m.keys.sorted().map { [$0, formatNumber(m[$0]!)] }))
    }
    if let o = event.outputs, !o.isEmpty {
        print(table(["output", "path"], o.keys.sorted().map { [$0, o[$0]!] }))
    }
    if event.state == .succeeded, let preview = fetchPreview(conn, jobID: jobID) { print(fittedKeepingColor(forTerminal(preview))) }
}

func fetchPreview(_ conn: ClientConnection, jobID: String) -> String? {
    guard case .job(let s)? = try? conn.call(.show(ShowRequest(job: jobID, previewWidth: previewRequestWidth(), previewHeight: 14)),
                                             timeout: 30) else { return nil }
    return s.preview
}

/// Ctrl-C while following: say how to re-attach and exit 130; the job is untouched.
private func installDetachHandler(jobID: String, live: Bool) -> DispatchSourceSignal {
    signal(SIGINT, SIG_IGN)
    let src = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
    src.setEventHandler {
        if live { FileHandle.standardOutput.write(Data("\n".utf8)) }
        FileHandle.standardError.write(Data("diffctl: detached from \(jobID); it keeps running (diffctl follow \(jobID) to watch again)\n".utf8))
        exit(ExitCode.detached.rawValue)
    }
    src.resume()
    return src
}
