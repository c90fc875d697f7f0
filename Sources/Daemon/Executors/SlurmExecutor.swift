// SlurmExecutor.swift — executor = slurm: each job becomes a Slurm batch job (sbatch --parsable)
// whose script runs `diffusiond run-job` on a compute node. One thread here submits, follows every
// job's event log in the shared state directory (events go to followers exactly as locally), asks
// Slurm for the jobs' states once a second, sends scancel for `diffctl cancel`, and ends a job
// that Slurm ended without an outcome in its log (FAILED, TIMEOUT, ...) with Slurm's reason.
// jobs/<id>/slurm.json records the Slurm job (name, id, log offset) before and after sbatch, so a
// restarted daemon re-attaches to it instead of submitting it again. A sweep is one job array
// (SlurmArray.swift).
import DiffProtocol
import DiffusionCore
import Foundation
import Jobs

struct SlurmRecord: Codable, Equatable {
    var jobName: String
    var slurmJob: String?
    /// bytes of events.jsonl already applied to the job's status
    var offset: UInt64
    /// a job array (a sweep): its task count, and per task the bytes of tasks/<i>.events.jsonl
    /// applied and its state ("", running, succeeded, skipped, failed, cancelled)
    var tasks: Int? = nil
    var taskOffsets: [UInt64]? = nil
    var taskStates: [String]? = nil
}

final class SlurmExecutor: @unchecked Sendable {
    unowned let manager: JobManager
    let store: JobStore
    let config: DaemonConfig
    let log: Logger
    /// this daemon's executable: the batch script runs it by absolute path
    let binary: String

    final class Watch {
        let entry: JobEntry
        var record: SlurmRecord
        var tail: EventLogTail
        var endedPolls = 0
        var cancelSent = false
        /// one per array task (empty for a plain job)
        var taskTails: [EventLogTail] = []
        init(entry: JobEntry, record: SlurmRecord, tail: EventLogTail) { self.entry = entry; self.record = record; self.tail = tail }
    }

    private let lock = NSLock()
    private var toSubmit: [JobEntry] = []
    private var toAttach: [JobEntry] = []
    private let wake = DispatchSemaphore(value: 0)
    /// owned by the executor thread
    private var watches: [String: Watch] = [:]
    func watchEnded(_ w: Watch) -> Bool { watches[w.entry.info.id] == nil }
    private var lastPoll = Date.distantPast
    private var lastPollError: String?

    init(manager: JobManager, store: JobStore, config: DaemonConfig, log: Logger, binary: String) {
        self.manager = manager; self.store = store; self.config = config; self.log = log; self.binary = binary
        let t = Thread { [self] in loop() }
        t.name = "slurm-executor"
        t.start()
    }

    /// The state directory must be writable here (and, the operator's part, shared with the nodes).
    static func checkStateDir(_ dir: String) throws {
        let probe = dir + "/.slurm-probe-\(getpid())"
        guard FileManager.default.createFile(atPath: probe, contents: Data("ok\n".utf8)) else {
            throw SlurmCommandError(description: "executor = slurm: the state directory \(dir) is not writable by this daemon; it must be a writable directory on a filesystem every compute node mounts at the same path")
        }
        try? FileManager.default.removeItem(atPath: probe)
    }

    // MARK: called by JobManager (under its lock: never blocks)

    func launch(_ entry: JobEntry) { lock.lock(); toSubmit.append(entry); lock.unlock(); wake.signal() }
    func reattach(_ entry: JobEntry) { lock.lock(); toAttach.append(entry); lock.unlock(); wake.signal() }

    /// Whether `id` was handed to Slurm by an earlier daemon (its slurm.json exists).
    func wasSubmitted(_ id: String) -> Bool { loadRecord(id) != nil }

    // MARK: the executor thread

    private func loop() {
        while true {
            _ = wake.wait(timeout: .now() + 0.2)
            lock.lock()
            let submitNow = toSubmit, attachNow = toAttach
            toSubmit = []; toAttach = []
            lock.unlock()
            for e in attachNow { attach(e) }
            for e in submitNow { submit(e) }
            for w in Array(watches.values) { drain(w) }
            if Date().timeIntervalSince(lastPoll) >= 1 { lastPoll = Date(); poll() }
        }
    }

    private func submit(_ entry: JobEntry) {
        let id = entry.info.id
        if entry.isCancelRequested { endJob(entry, .cancelled, error: nil); return }
        let dir = store.jobDir(id)
        try? FileManager.default.removeItem(atPath: dir + "/" + RunJobCommand.cancelMarker)
        var record = SlurmRecord(jobName: jobName(id), slurmJob: nil, offset: EventLogTail.size(dir + "/events.jsonl"))
        let arrayTasks = SweepArray.taskCount(entry.spec)
        let script = dir + "/slurm-job.sh"
        do {
            if let n = arrayTasks {
                let tasksDir = SweepArray.dir(dir)
                try? FileManager.default.removeItem(atPath: tasksDir)
                try FileManager.default.createDirectory(atPath: tasksDir, withIntermediateDirectories: true)
                record.tasks = n
                record.taskOffsets = Array(repeating: 0, count: n)
                record.taskStates = Array(repeating: "", count: n)
            }
            try AtomicFile.write(Data(batchScript(id, arrayTask: arrayTasks != nil).utf8), to: script)
            chmod(script, 0o755)
            try saveRecord(id, record)   // before sbatch: a daemon killed during it finds the job by name
        } catch {
            endJob(entry, .failed, error: "cannot write the batch script in \(dir): \(error)"); return
        }
        let output = arrayTasks == nil ? "--output=\(dir)/slurm-%j.out" : "--output=\(dir)/slurm-%A_%a.out"
        let array = arrayTasks.map { ["--array=0-\($0 - 1)"] } ?? []
        let args = ["--parsable", "--job-name=\(record.jobName)", output, "--open-mode=append",
                    "--requeue", "--chdir=\(dir)"] + array + config.slurm.sbatchArguments + [script]
        let result: SlurmCommandResult
        do { result = try SlurmCommands.run("sbatch", args, timeout: 60) } catch {
            try? FileManager.default.removeItem(atPath: dir + "/slurm.json")
            endJob(entry, .failed, error: "cannot submit to Slurm: \(error)"); return
        }
        guard result.status == 0, let slurmID = SlurmCommands.parseParsable(result.stdout) else {
            try? FileManager.default.removeItem(atPath: dir + "/slurm.json")
            endJob(entry, .failed, error: "sbatch failed (exit \(result.status)): \(result.message)"); return
        }
        var r = record
        r.slurmJob = slurmID
        try? saveRecord(id, r)
        watch(entry, r)
        log.info("job submitted to Slurm", ["job": id, "slurm_job": slurmID, "array_tasks": arrayTasks.map { "\($0)" },
                                            "partition": config.slurm.partition.isEmpty ? nil : config.slurm.partition])
    }

    private func attach(_ entry: JobEntry) {
        let id = entry.info.id
        guard var r = loadRecord(id) else { submit(entry); return }
        if r.slurmJob == nil {
            // the last daemon died during sbatch: the job may be in Slurm under its name
            let q = try? SlurmCommands.run("squeue", ["-h", "-o", "%F", "-n", r.jobName])   // %F: an array's id, not a task's
            guard let found = q?.stdout.split(separator: "\n").first.map(String.init), !found.isEmpty else {
                log.info("job was never submitted to Slurm; submitting it now", ["job": id])
                submit(entry); return
            }
            r.slurmJob = found
            try? saveRecord(id, r)
        }
        watch(entry, r)
        log.info("re-attached to Slurm job", ["job": id, "slurm_job": r.slurmJob, "state": entry.snapshot().state.rawValue])
    }

    private func watch(_ entry: JobEntry, _ r: SlurmRecord) {
        entry.lock.lock()
        entry.info.slurmJob = r.slurmJob
        let info = entry.info
        entry.lock.unlock()
        manager.persist(info)
        let w = Watch(entry: entry, record: r, tail: EventLogTail(path: store.jobDir(info.id) + "/events.jsonl", offset: r.offset))
        if let n = r.tasks {
            w.taskTails = (0..<n).map { EventLogTail(path: SweepArray.log(store.jobDir(info.id), $0), offset: r.taskOffsets?[$0] ?? 0) }
        }
        watches[info.id] = w
    }

    /// Apply what the node appended to the log since the last look.
    private func drain(_ w: Watch) {
        if w.record.tasks != nil { drainArray(w); return }
        let events = w.tail.read()
        guard !events.isEmpty else { return }
        w.record.offset = w.tail.offset
        var ended = false
        for m in events where !ended { ended = apply(m, w) }
        try? saveRecord(w.entry.info.id, w.record)
    }

    /// One event from the node; true when it ended the job.
    private func apply(_ m: JobEventMessage, _ w: Watch) -> Bool {
        let entry = w.entry
        guard m.kind == "state" else {
            if let kind = JobEvent.Kind(rawValue: m.kind) {
                manager.handle(JobEvent(kind: kind, step: m.step, total: m.total, loss: m.loss, lr: m.lr, stepsPerSecond: m.stepsPerSecond,
                                        message: m.message, metrics: m.metrics, outputs: m.outputs), entry, record: false)
            }
            return false
        }
        switch m.state {
        case .running?:
            // "on <node> (Slurm job N)", written by run-job
            if let msg = m.message, msg.hasPrefix("on "), let node = msg.dropFirst(3).split(separator: " ").first {
                manager.setNode(entry, String(node))
            }
            manager.beginAttempt(entry, at: m.time ?? Date().timeIntervalSince1970)
            return false
        case .queued?: manager.requeued(entry, m); return false
        case .some(let s) where s.isTerminal:
            let result = m.outputs == nil && m.metrics == nil ? nil : JobResult(outputs: m.outputs ?? [:], metrics: m.metrics ?? [:])
            endJob(entry, s, error: m.error, result: result, at: m.time)
            return true
        default: return false
        }
    }

    func endJob(_ entry: JobEntry, _ state: JobState, error: String?, result: JobResult? = nil, at: Double? = nil) {
        let id = entry.info.id
        entry.lock.lock()
        if entry.info.state == .running, let s = entry.info.startedAt {
            entry.info.runSeconds = (entry.info.runSeconds ?? 0) + max(0, (at ?? Date().timeIntervalSince1970) - s)
        }
        entry.lock.unlock()
        watches[id] = nil
        try? FileManager.default.removeItem(atPath: store.jobDir(id) + "/" + RunJobCommand.cancelMarker)
        // a sample job's passed `out` descriptor is held here, by the daemon: fill it as locally
        if state == .succeeded, let problem = manager.deliverOut(entry) {
            manager.finish(entry, state: .failed, error: problem, result: result)
        } else {
            manager.finish(entry, state: state, error: error, result: result)
        }
        manager.runEnded(id)
    }

    /// Slurm's view of every watched job: node, cancellation, and jobs Slurm ended on its own.
    private func poll() {
        guard watches.values.contains(where: { $0.record.slurmJob != nil }) else { return }
        let ids = watches.values.filter { $0.record.tasks == nil }.compactMap { $0.record.slurmJob }
        for w in watches.values where w.entry.isCancelRequested && !w.cancelSent {
            guard let sid = w.record.slurmJob else { continue }
            w.cancelSent = true
            FileManager.default.createFile(atPath: store.jobDir(w.entry.info.id) + "/" + RunJobCommand.cancelMarker, contents: nil)
            let r = try? SlurmCommands.run("scancel", [sid])
            log.info("scancel sent", ["job": w.entry.info.id, "slurm_job": sid, "result": r?.message])
        }
        let states: [String: SlurmJobState]
        do { states = try SlurmCommands.states(ids); lastPollError = nil } catch {
            if lastPollError != "\(error)" { log.warn("cannot ask Slurm for job states", ["error": "\(error)"]) }
            lastPollError = "\(error)"
            return
        }
        for w in Array(watches.values) {
            guard let sid = w.record.slurmJob else { continue }
            if w.record.tasks != nil { pollArray(w); continue }
            let st = states[sid]
            if let node = st?.node { manager.setNode(w.entry, node) }
            guard st == nil || st!.isTerminal else { w.endedPolls = 0; continue }
            // Slurm says it is over (or forgot it): read the log once more, and conclude on the
            // second look, so an outcome the node wrote just before it exited is never missed
            drain(w)
            guard watches[w.entry.info.id] != nil else { continue }
            w.endedPolls += 1
            if w.endedPolls >= 2 { conclude(w, st) }
        }
    }

    /// Slurm ended the job and its log has no outcome: say why, in Slurm's words.
    private func conclude(_ w: Watch, _ st: SlurmJobState?) {
        let entry = w.entry, sid = w.record.slurmJob ?? "?"
        let info = entry.snapshot()
        let kept = info.lastCheckpointStep.map { "; its last checkpoint (step \($0)) is kept: diffctl resume \(info.id) continues from it" } ?? ""
        guard let st else {
            endJob(entry, .failed, error: "Slurm no longer knows job \(sid) (not in squeue or scontrol: it ended longer ago than MinJobAge, or the controller lost it), and the job's event log has no outcome\(kept)")
            return
        }
        let output = outputTail(info.id, sid)
        switch st.state {
        case "CANCELLED":
            endJob(entry, .cancelled, error: entry.isCancelRequested ? nil : "cancelled in Slurm (scancel of Slurm job \(sid) outside diffctl)\(kept)")
        default:
            var why = "Slurm reports job \(sid) \(st.state)"
            let details = [st.reason.map { "reason \($0)" }, st.exitCode.map { "exit code \($0)" }].compactMap { $0 }
            if !details.isEmpty { why += " (" + details.joined(separator: ", ") + ")" }
            if st.state == "COMPLETED" { why += " but the job wrote no outcome to its event log" }
            if let output { why += "; its output ends: \(output)" } else { why += missingOutput(info.id, sid, node: st.node) }
            endJob(entry, .failed, error: why + kept)
        }
    }

    /// What a job's absent output file means: Slurm opens it on the node before the script runs,
    /// so a node that cannot see the state directory fails the job without one.
    func missingOutput(_ id: String, _ sid: String, node: String?) -> String {
        let path = store.jobDir(id) + "/slurm-\(sid).out"
        guard !FileManager.default.fileExists(atPath: path) else { return "" }
        return "; Slurm's output file \(path) never appeared here: the node\(node.map { " (\($0))" } ?? "") could not write the job's directory, so the state directory \(store.root) is not on a filesystem it mounts at the same path"
    }

    func outputTail(_ id: String, _ sid: String) -> String? {
        guard let data = FileManager.default.contents(atPath: store.jobDir(id) + "/slurm-\(sid).out") else { return nil }
        let lines = String(decoding: data.suffix(2000), as: UTF8.self).split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        return lines.last { !$0.isEmpty }
    }
}
