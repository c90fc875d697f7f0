// SlurmArray.swift — a sweep under executor = slurm: ONE Slurm job array (sbatch --array=0-(N-1)),
// one task per sweep run. Task i runs `diffusiond run-job ... --task i` on a node, which appends
// its events to jobs/<id>/tasks/<i>.events.jsonl and writes its result to tasks/<i>.json. The
// daemon follows the N task logs, turns each finished task into a progress event of the sweep
// (step = runs done, total = N), and when every task has ended computes the sweep's summary
// itself (SweepJob.summarize: sweep.csv, the recommended run, the metrics) — no dependent Slurm
// step, so the summary also happens when the daemon re-attaches after the array ended.
// A failed task fails the sweep (scancel of the rest); scancel or diffctl cancel ends it all.
import DiffProtocol
import DiffusionCore
import Foundation
import Jobs
#if canImport(Glibc)
import Glibc
#endif

enum SweepArray {
    static func dir(_ jobDir: String) -> String { jobDir + "/tasks" }
    static func log(_ jobDir: String, _ i: Int) -> String { dir(jobDir) + "/\(i).events.jsonl" }
    static func result(_ jobDir: String, _ i: Int) -> String { dir(jobDir) + "/\(i).json" }

    /// per-task states in slurm.json
    static let running = "running", succeeded = "succeeded", skipped = "skipped", failed = "failed", cancelled = "cancelled"
    static func isDone(_ s: String) -> Bool { [succeeded, skipped, failed, cancelled].contains(s) }

    /// Number of array tasks for a job: the runs of a sweep; nil for every other kind.
    static func taskCount(_ spec: JobSpec) -> Int? {
        guard spec.kind == .sweep, let s = try? spec.resolvedSweep() else { return nil }
        return SweepJob.tasks(s).count
    }
}

extension RunJobCommand {
    /// `run-job --task I`: run I of the sweep, its events to tasks/I.events.jsonl, its result to
    /// tasks/I.json. SIGTERM (scancel, requeue, time limit) ends it at once: a run is short and
    /// starts over if Slurm runs the task again.
    static func runSweepTask(_ index: Int, jobID: String, jobDir: String, stateDir: String, spec: JobSpec,
                             config: DaemonConfig, host: String, environment: [String: String]) -> Int32 {
        let logPath = SweepArray.log(jobDir, index)
        func record(_ e: JobEventMessage) { EventLogWriter.append(e, to: logPath) }
        func end(_ state: JobState, message: String? = nil, error: String? = nil) {
            var e = JobEventMessage(job: jobID, kind: "state", time: Date().timeIntervalSince1970)
            e.state = state; e.step = index; e.message = message; e.error = error
            record(e)
        }
        let marker = jobDir + "/" + cancelMarker
        signal(SIGTERM, SIG_IGN)
        let term = DispatchSource.makeSignalSource(signal: SIGTERM, queue: .global())
        term.setEventHandler {
            if FileManager.default.fileExists(atPath: marker) { end(.cancelled) }
            else { end(.queued, message: "stopped on \(host) by SIGTERM; the run starts over if Slurm runs the task again") }
            exit(0)
        }
        term.resume()

        var started = JobEventMessage(job: jobID, kind: "state", time: Date().timeIntervalSince1970)
        started.state = .running
        started.step = index
        started.message = "on \(host)" + (environment["SLURM_ARRAY_JOB_ID"].map { " (Slurm job \($0)_\(index))" } ?? "")
        record(started)
        if FileManager.default.fileExists(atPath: marker) { end(.cancelled); return 0 }
        do {
            let settings = try spec.resolvedSweep()
            let context = config.jobContext(id: jobID, spec: spec, stateDir: stateDir,
                                            emit: { ev in if ev.kind == .log { record(message(ev, job: jobID)) } },
                                            isCancelled: { false }, shouldStop: { false })
            let r = try SweepJob.runTask(settings, index: index, context: context)
            try AtomicFile.write(try JSONEncoder().encode(r), to: SweepArray.result(jobDir, index))
            if let why = r.skipped { end(.succeeded, message: "skipped \(r.key): \(why)") } else { end(.succeeded, message: r.key) }
            return 0
        } catch {
            end(.failed, error: (error as? JobError)?.description ?? "\(error)")
            return 1
        }
    }
}

extension SlurmExecutor {
    /// The task logs of an array job: what the nodes appended since the last look.
    func drainArray(_ w: Watch) {
        guard let n = w.record.tasks else { return }
        var changed = false
        for i in 0..<n where !SweepArray.isDone(w.record.taskStates?[i] ?? "") {
            let events = w.taskTails[i].read()
            guard !events.isEmpty else { continue }
            changed = true
            w.record.taskOffsets?[i] = w.taskTails[i].offset
            for m in events {
                applyTask(m, i, w)
                if watchEnded(w) { try? saveRecord(w.entry.info.id, w.record); return }
            }
        }
        if changed { try? saveRecord(w.entry.info.id, w.record) }
        if (0..<n).allSatisfy({ SweepArray.isDone(w.record.taskStates?[$0] ?? "") }) { finishArray(w) }
    }

    private func applyTask(_ m: JobEventMessage, _ i: Int, _ w: Watch) {
        let entry = w.entry, n = w.record.tasks ?? 0, sid = w.record.slurmJob ?? "?"
        guard m.kind == "state" else {
            if m.kind == "log" { manager.handle(JobEvent(kind: .log, message: m.message), entry) }
            return
        }
        switch m.state {
        case .running?:
            w.record.taskStates?[i] = SweepArray.running
            if let msg = m.message, msg.hasPrefix("on "), let node = msg.dropFirst(3).split(separator: " ").first {
                manager.setNode(entry, String(node))
            }
            if entry.snapshot().state != .running {
                manager.beginAttempt(entry, at: m.time ?? Date().timeIntervalSince1970)
                let model = entry.spec.model ?? "?"
                manager.handle(JobEvent(kind: .started, total: n,
                                        message: "sweeping \(n) sampler settings on '\(model)' as Slurm job array \(sid) (one task per run)"), entry)
            }
        case .succeeded?:
            let skipped = m.message?.hasPrefix("skipped ") == true
            w.record.taskStates?[i] = skipped ? SweepArray.skipped : SweepArray.succeeded
            let done = w.record.taskStates?.filter(SweepArray.isDone).count ?? 0
            if skipped { manager.handle(JobEvent(kind: .log, message: m.message), entry) }
            manager.handle(JobEvent(kind: .progress, step: done, total: n, message: skipped ? nil : m.message), entry)
        case .failed?:
            w.record.taskStates?[i] = SweepArray.failed
            _ = try? SlurmCommands.run("scancel", [sid])
            let node = entry.snapshot().node.map { " on \($0)" } ?? ""
            endJob(entry, .failed, error: "sweep task \(i) of Slurm job array \(sid) failed\(node): \(m.error ?? "no message"); the other tasks were cancelled")
        case .cancelled?:
            w.record.taskStates?[i] = SweepArray.cancelled
        case .queued?:
            w.record.taskStates?[i] = ""   // stopped by SIGTERM: runs again if Slurm requeues it
        default: break
        }
    }

    /// Every task ended with an outcome: the sweep's summary from their results.
    private func finishArray(_ w: Watch) {
        let entry = w.entry, id = entry.info.id, dir = store.jobDir(id), n = w.record.tasks ?? 0
        if w.record.taskStates?.contains(SweepArray.cancelled) == true {
            endJob(entry, .cancelled, error: entry.isCancelRequested ? nil : "cancelled in Slurm (a task of job array \(w.record.slurmJob ?? "?") was cancelled outside diffctl)")
            return
        }
        var results: [SweepTaskResult] = []
        for i in 0..<n {
            guard let data = FileManager.default.contents(atPath: SweepArray.result(dir, i)),
                  let r = try? JSONDecoder().decode(SweepTaskResult.self, from: data) else {
                endJob(entry, .failed, error: "sweep task \(i) ended without writing \(SweepArray.result(dir, i))"); return
            }
            results.append(r)
        }
        do {
            let result = try SweepJob.summarize(results, jobDir: URL(fileURLWithPath: dir), emit: { manager.handle($0, entry) })
            endJob(entry, .succeeded, error: nil, result: result)
        } catch {
            endJob(entry, .failed, error: "cannot write the sweep's summary in \(dir): \(error)")
        }
    }

    /// Slurm's view of an array: node, and the conclusion once every task is over in Slurm.
    func pollArray(_ w: Watch) {
        guard let sid = w.record.slurmJob else { return }
        let tasks: [SlurmArrayTask]?
        do { tasks = try SlurmCommands.arrayStates(sid) } catch {
            log.warn("cannot ask Slurm for job array states", ["slurm_job": sid, "error": "\(error)"]); return
        }
        if let node = tasks?.first(where: { $0.state.state == "RUNNING" })?.state.node { manager.setNode(w.entry, node) }
        // no task lines at all: an answer we cannot read, not an ended array
        guard tasks?.isEmpty != true else { w.endedPolls = 0; return }
        guard tasks == nil || tasks!.allSatisfy({ $0.state.isTerminal }) else { w.endedPolls = 0; return }
        drainArray(w)
        guard !watchEnded(w) else { return }
        w.endedPolls += 1
        if w.endedPolls >= 2 { concludeArray(w, tasks) }
    }

    /// Slurm ended the array and some tasks wrote no outcome: say why, in Slurm's words.
    private func concludeArray(_ w: Watch, _ tasks: [SlurmArrayTask]?) {
        let entry = w.entry, sid = w.record.slurmJob ?? "?", n = w.record.tasks ?? 0
        let open = (0..<n).filter { !SweepArray.isDone(w.record.taskStates?[$0] ?? "") }
        guard let tasks else {
            endJob(entry, .failed, error: "Slurm no longer knows job array \(sid) (not in scontrol: it ended longer ago than MinJobAge, or the controller lost it), and \(open.count) of its \(n) tasks have no outcome in their event logs")
            return
        }
        let states = open.map { i in (i, tasks.first { $0.tasks.contains(i) }?.state) }
        if states.allSatisfy({ $0.1?.state == "CANCELLED" }) {
            endJob(entry, .cancelled, error: entry.isCancelRequested ? nil : "cancelled in Slurm (scancel of job array \(sid) outside diffctl)")
            return
        }
        let (i, st) = states.first { $0.1?.state != "CANCELLED" }!
        var why = "Slurm reports task \(i) of job array \(sid) \(st?.state ?? "unknown")"
        let details = [st?.reason.map { "reason \($0)" }, st?.exitCode.map { "exit code \($0)" }].compactMap { $0 }
        if !details.isEmpty { why += " (" + details.joined(separator: ", ") + ")" }
        if let output = outputTail(entry.info.id, "\(sid)_\(i)") { why += "; its output ends: \(output)" }
        else if st?.state != "COMPLETED" { why += missingOutput(entry.info.id, "\(sid)_\(i)", node: st?.node) }
        let done = n - open.count
        endJob(entry, .failed, error: why + "; \(done) of \(n) sweep runs had finished")
    }
}

/// Some tasks of a job array as one line of `scontrol show job -o` reports them.
public struct SlurmArrayTask: Equatable, Sendable {
    public var tasks: [Int]
    public var state: SlurmJobState
}

extension SlurmCommands {
    /// `scontrol show job -o ARRAY` → its tasks (ArrayTaskId=3, or 4-63 / 1,5-7%2 while pending).
    public static func parseArray(_ stdout: String) -> [SlurmArrayTask] {
        stdout.split(separator: "\n").compactMap { line -> SlurmArrayTask? in
            guard let st = parseScontrol(String(line)),
                  let field = line.split(separator: " ").first(where: { $0.hasPrefix("ArrayTaskId=") }) else { return nil }
            let spec = field.dropFirst("ArrayTaskId=".count).split(separator: "%").first ?? ""
            var ids: [Int] = []
            for part in spec.split(separator: ",") {
                let ends = part.split(separator: "-").compactMap { Int($0) }
                if ends.count == 2, ends[0] <= ends[1] { ids += Array(ends[0]...ends[1]) } else if ends.count == 1 { ids.append(ends[0]) }
            }
            return ids.isEmpty ? nil : SlurmArrayTask(tasks: ids, state: st)
        }
    }

    /// The tasks of job array `id` now; nil when Slurm no longer knows it.
    static func arrayStates(_ id: String) throws -> [SlurmArrayTask]? {
        let s = try run("scontrol", ["show", "job", "-o", id])
        if s.status != 0 {
            if s.message.contains("Invalid job id") { return nil }
            throw SlurmCommandError(description: "scontrol show job \(id): \(s.message)")
        }
        return parseArray(s.stdout)
    }
}
