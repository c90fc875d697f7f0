// JobManager.swift — the persistent job queue: accepts specs, runs up to `maxJobs` at once on their
// own threads through JobRunner, records every state change and event in the state directory,
// fans events out to followers, and on shutdown asks running jobs to checkpoint and stop.
import DiffProtocol
import Foundation
import Jobs

/// One job in memory. Mutable fields are guarded by `lock`.
final class JobEntry: @unchecked Sendable {
    let lock = NSLock()
    var info: JobInfo
    /// the spec as the job runs it (files the client passed: paths of the job's copies)
    let spec: JobSpec
    /// the client's `out` path when it passed that file open: the daemon writes `outFD`, never the
    /// path; after a restart the descriptor is gone and the samples stay in the job directory
    var deliverOut: String?
    var outFD: Int32?
    var cancelRequested = false
    var followers: [ObjectIdentifier: Connection] = [:]
    var recentLosses: [Double] = []

    init(info: JobInfo, spec: JobSpec) { self.info = info; self.spec = spec }

    func snapshot() -> JobInfo { lock.lock(); defer { lock.unlock() }; return info }
}

final class JobManager: @unchecked Sendable {
    let store: JobStore
    let config: DaemonConfig
    let log: Logger
    let lock = NSLock()
    var jobs: [String: JobEntry] = [:]
    var queue: [String] = []
    /// jobs running here, or (executor = slurm) submitted to Slurm and watched
    var running: Set<String> = []
    var stopping = false
    /// set when executor = slurm: jobs go to Slurm instead of threads here
    var slurm: SlurmExecutor?
    /// Slurm jobs found in the state directory at start, watched again by `start`
    private var reattach: [String] = []
    static let maxUncleanStops = 5
    /// called once, when stopping and no job runs any more
    var onStopped: (() -> Void)?
    /// held while a submit picks model versions and queues the job (ModelVersions), and by `models rm`
    let submitLock = NSLock()

    init(store: JobStore, config: DaemonConfig, log: Logger) {
        self.store = store; self.config = config; self.log = log
    }

    // MARK: start-up

    /// Load jobs from disk; queued ones and ones that were running when the daemon died are queued.
    func load() {
        store.sweep()
        var loaded = store.loadAll { id, problem in log.warn("job skipped at start", ["job": id, "reason": problem]) }
        loaded.sort { ($0.info.createdAt ?? 0, idNumber($0.info.id)) < ($1.info.createdAt ?? 0, idNumber($1.info.id)) }
        for (stored, specData) in loaded {
            var info = stored
            guard let spec = try? JobSpec.decode(specData) else {
                log.warn("job skipped at start", ["job": info.id, "reason": "spec.json no longer decodes"])
                continue
            }
            let clientSpec = store.clientSpec(info.id)
            info.spec = try? JSONDecoder().decode(JSONValue.self, from: clientSpec ?? specData)
            info.jobDir = store.jobDir(info.id)
            if let slurm, !info.state.isTerminal, slurm.wasSubmitted(info.id) {
                // it lives in Slurm, not in a thread of the dead daemon: watch it again, never resubmit
                jobs[info.id] = JobEntry(info: info, spec: spec)
                reattach.append(info.id)
                continue
            }
            if info.state == .running {
                // uncleanStops counts unclean stops since the job last made progress (a checkpoint
                // resets it, see `handle`), so a long job killed now and then is never given up on
                info.uncleanStops = (info.uncleanStops ?? 0) + 1
                if info.uncleanStops! >= JobManager.maxUncleanStops {
                    // a job that keeps taking the daemon down must not do so forever
                    info.state = .failed
                    info.finishedAt = Date().timeIntervalSince1970
                    info.error = "the daemon stopped uncleanly \(info.uncleanStops!) times while this job ran (kill -9, a crash or power loss); not resuming it again — submit it anew to retry"
                    log.warn("job failed: too many unclean stops", ["job": info.id, "unclean_stops": info.uncleanStops])
                } else {
                    info.state = .queued
                    log.info("job will resume after an unclean stop", ["job": info.id, "checkpoint_step": info.lastCheckpointStep])
                }
                try? store.save(info)
            }
            let entry = JobEntry(info: info, spec: spec)
            if let c = clientSpec, let out = (try? JobSpec.decode(c))?.out, out != spec.out { entry.deliverOut = out }
            jobs[info.id] = entry
            if info.state == .queued { queue.append(info.id) }
        }
        if !queue.isEmpty { log.info("jobs queued at start", ["count": queue.count, "jobs": queue.joined(separator: ",")]) }
    }

    func start() {
        lock.lock()
        if let slurm {
            for id in reattach { if let e = jobs[id] { running.insert(id); slurm.reattach(e) } }
            reattach = []
        }
        pumpLocked()
        lock.unlock()
    }

    // MARK: requests

    /// Queue a job that `submit` (JobSubmission) has written to the state directory.
    func enqueueNew(_ entry: JobEntry) {
        lock.lock()
        jobs[entry.info.id] = entry
        queue.append(entry.info.id)
        lock.unlock()
    }

    /// Refuse a job whose estimated peak memory exceeds the budget, before it can allocate.
    func checkMemory(_ spec: JobSpec) throws {
        guard let estimate = try? spec.memoryEstimate() else { return }
        let budget = config.memoryBudgetBytes
        if estimate.total > budget {
            throw ProtocolError(.tooLarge, "this job would need about \(estimate.summary), more than the memory budget of \(MemoryBudget.text(budget)) (memory_budget = \(config.memoryBudget) in daemon.conf); use a smaller width, depth, batchSize or dataset", field: "width")
        }
    }

    /// Begin streaming after the job is fully registered (so a follower sees its start).
    func pump() { lock.lock(); pumpLocked(); lock.unlock() }

    func entry(_ ref: String) -> JobEntry? {
        lock.lock(); defer { lock.unlock() }
        if let e = jobs[ref] { return e }
        if Int(ref) != nil { return jobs["j" + ref] }
        return nil
    }

    func find(_ ref: String) throws -> JobEntry {
        guard let e = entry(ref) else { throw ProtocolError(.notFound, "no job '\(ref)' (see diffctl jobs)", field: "job") }
        return e
    }

    func list() -> [JobInfo] {
        lock.lock()
        let all = Array(jobs.values)
        lock.unlock()
        return all.map { $0.snapshot() }.sorted { ($0.createdAt ?? 0, idNumber($0.id)) < ($1.createdAt ?? 0, idNumber($1.id)) }
    }

    func counts() -> [String: Int] {
        var c: [String: Int] = [:]
        for j in list() { c[j.state.rawValue, default: 0] += 1 }
        return c
    }

    /// `uid`: the requesting client's uid (nil: the daemon itself), checked against the job's owner.
    func cancel(_ ref: String, by uid: uid_t? = nil) throws -> JobInfo {
        let entry = try find(ref)
        try managePolicy.check(uid, job: entry.snapshot(), action: "cancel")
        lock.lock()
        let wasQueued = queue.contains(entry.info.id)
        if wasQueued { queue.removeAll { $0 == entry.info.id } }
        lock.unlock()
        entry.lock.lock()
        let state = entry.info.state
        if state.isTerminal {
            entry.lock.unlock()
            throw ProtocolError(.conflict, "job \(entry.info.id) already \(state.rawValue)", field: "job")
        }
        entry.cancelRequested = true
        entry.lock.unlock()
        if wasQueued {
            finish(entry, state: .cancelled, error: nil, result: nil)
        } else {
            log.info("job cancel requested", ["job": entry.info.id])
        }
        return entry.snapshot()
    }

    /// Put a failed or cancelled job back in the queue. A training job continues from its newest
    /// intact checkpoint (e.g. after a full disk was cleared); other kinds run again from the start.
    func resume(_ ref: String, by uid: uid_t? = nil) throws -> JobInfo {
        let entry = try find(ref)
        try managePolicy.check(uid, job: entry.snapshot(), action: "resume")
        lock.lock()
        let refusing = stopping
        lock.unlock()
        if refusing { throw ProtocolError(.shuttingDown, "the daemon is shutting down and accepts no new work") }
        entry.lock.lock()
        let state = entry.info.state
        guard state == .failed || state == .cancelled else {
            entry.lock.unlock()
            let why = state == .succeeded ? "it succeeded" : "it is \(state.rawValue)"
            throw ProtocolError(.conflict, "job \(entry.info.id) cannot be resumed: \(why) (only failed or cancelled jobs can)", field: "job")
        }
        if entry.spec.kind == .train || entry.spec.kind == .gmm, let name = entry.spec.name,
           let meta = ModelStore.metadata("\(name)@\(entry.spec.version ?? 1)", modelsDir: modelsURL), meta.jobID != entry.info.id {
            entry.lock.unlock()
            throw ProtocolError(.conflict, "job \(entry.info.id) cannot be resumed: \(meta.reference), the version it was to save, has since been saved by job \(meta.jobID); submit it anew with --new-version", field: "job")
        }
        entry.info.state = .queued
        entry.info.error = nil
        entry.info.finishedAt = nil
        entry.info.uncleanStops = 0
        entry.cancelRequested = false
        let info = entry.info
        var e = JobEventMessage(job: info.id, kind: "state", time: Date().timeIntervalSince1970)
        e.state = .queued
        entry.lock.unlock()
        try ioGuard { try store.save(info) }
        store.appendEvent(e)
        lock.lock()
        if !queue.contains(info.id) { queue.append(info.id) }
        lock.unlock()
        log.info("job resumed on request", ["job": info.id, "checkpoint_step": info.lastCheckpointStep])
        return info
    }

    func remove(_ ref: String, by uid: uid_t? = nil) throws -> String {
        let entry = try find(ref)
        let info = entry.snapshot()
        try managePolicy.check(uid, job: info, action: "remove")
        lock.lock()
        if running.contains(info.id) {
            lock.unlock()
            throw ProtocolError(.conflict, "job \(info.id) is running; cancel it first (diffctl cancel \(info.id))", field: "job")
        }
        queue.removeAll { $0 == info.id }
        jobs[info.id] = nil
        lock.unlock()
        entry.lock.lock()
        let followers = entry.followers.values
        entry.followers = [:]
        if let fd = entry.outFD { close(fd); entry.outFD = nil }
        entry.lock.unlock()
        var e = JobEventMessage(job: info.id, kind: "state", time: Date().timeIntervalSince1970)
        e.state = .cancelled
        e.error = "job removed"
        let line = Wire.line(Response.event(e))
        for f in followers { f.send(line: line); f.followEnded() }
        try ioGuard { try store.remove(info.id) }
        log.info("job removed", ["job": info.id])
        return info.id
    }

    /// Register `conn` as a follower and send it the job's current state, then its events.
    func follow(_ ref: String, conn: Connection, requestID: Int?) throws {
        let entry = try find(ref)
        entry.lock.lock()
        let info = entry.info
        conn.send(Response(id: requestID, .following(FollowReply(job: info, recentLosses: entry.recentLosses))))
        if info.state.isTerminal {
            var e = JobEventMessage(job: info.id, kind: "state", time: info.finishedAt)
            e.state = info.state
            e.error = info.error
            e.outputs = info.outputs
            e.metrics = info.metrics
            conn.send(.event(e))
        } else if entry.followers[ObjectIdentifier(conn)] == nil {
            entry.followers[ObjectIdentifier(conn)] = conn
            conn.followStarted()
        }
        entry.lock.unlock()
    }

    /// Forget a closed connection.
    func detach(_ conn: Connection) {
        lock.lock()
        let all = Array(jobs.values)
        lock.unlock()
        for e in all {
            e.lock.lock(); e.followers[ObjectIdentifier(conn)] = nil; e.lock.unlock()
        }
    }

    func beginShutdown() {
        lock.lock()
        stopping = true
        let n = running.count
        // Slurm jobs keep running in Slurm; the next daemon re-attaches to them
        let done = running.isEmpty || slurm != nil
        lock.unlock()
        log.info("shutting down", ["running_jobs": n])
        if done { onStopped?() }
    }

    var isStopping: Bool { lock.lock(); defer { lock.unlock() }; return stopping }

    // MARK: running

    /// A job that was running when the daemon last died and has not made progress since. It may
    /// be what killed the daemon, so it runs alone: if it takes the daemon down again, no other
    /// job is counted as a victim, and only the culprit reaches the unclean-stop limit.
    private func isSuspect(_ id: String) -> Bool {
        guard let e = jobs[id] else { return false }
        e.lock.lock(); defer { e.lock.unlock() }
        return (e.info.uncleanStops ?? 0) > 0 && !e.info.state.isTerminal
    }

    func pumpLocked() {
        if let slurm {
            // Slurm is the queue: every queued job is submitted at once
            while !stopping && !queue.isEmpty {
                let id = queue.removeFirst()
                guard let entry = jobs[id] else { continue }
                running.insert(id)
                slurm.launch(entry)
            }
            return
        }
        while !stopping && running.count < config.maxJobs && !queue.isEmpty {
            if running.contains(where: isSuspect) { break }          // a suspect runs alone
            if isSuspect(queue[0]) && !running.isEmpty { break }    // it waits for the others
            let id = queue.removeFirst()
            guard let entry = jobs[id] else { continue }
            running.insert(id)
            let thread = Thread { [self] in runLocally(entry) }
            thread.name = "job-\(id)"
            thread.stackSize = 16 << 20
            thread.start()
        }
    }

    func finish(_ entry: JobEntry, state: JobState, error: String?, result: JobResult?) {
        let now = Date().timeIntervalSince1970
        entry.lock.lock()
        entry.info.state = state
        entry.info.finishedAt = now
        entry.info.error = error
        if let result {
            entry.info.outputs = result.outputs
            entry.info.metrics = result.metrics
            entry.info.warnings = result.warnings
        }
        let info = entry.info
        var e = JobEventMessage(job: info.id, kind: "state", time: now)
        e.state = state
        e.error = error
        e.outputs = info.outputs
        e.metrics = info.metrics
        e.step = info.step
        e.total = info.total
        broadcastLocked(entry, e)
        for f in entry.followers.values { f.followEnded() }
        entry.followers = [:]
        if let fd = entry.outFD { close(fd); entry.outFD = nil }
        entry.lock.unlock()
        persist(info)
        switch state {
        case .failed: log.warn("job failed", ["job": info.id, "error": error])
        case .succeeded: log.info("job succeeded", ["job": info.id, "seconds": String(format: "%.1f", info.runSeconds ?? 0)])
        default: log.info("job \(state.rawValue)", ["job": info.id])
        }
    }

    /// A runner event: update the job, log what matters, record it and send it to followers.
    /// `record`: append it to the event log (false when it came from the log, written by a node).
    func handle(_ ev: JobEvent, _ entry: JobEntry, record: Bool = true) {
        var m = JobEventMessage(job: entry.info.id, kind: ev.kind.rawValue, time: Date().timeIntervalSince1970)
        m.step = ev.step; m.total = ev.total; m.loss = ev.loss; m.lr = ev.lr
        m.stepsPerSecond = ev.stepsPerSecond; m.message = ev.message; m.metrics = ev.metrics; m.outputs = ev.outputs
        entry.lock.lock()
        if let s = ev.step { entry.info.step = s }
        if let t = ev.total { entry.info.total = t }
        if let l = ev.loss {
            entry.info.loss = l
            entry.recentLosses.append(l)
            if entry.recentLosses.count > 64 { entry.recentLosses.removeFirst(entry.recentLosses.count - 64) }
        }
        if let r = ev.stepsPerSecond { entry.info.stepsPerSecond = r }
        var persistNow = false
        var clearedSuspect = false
        switch ev.kind {
        case .started: entry.info.backend = ev.message; persistNow = true
        case .checkpoint:
            entry.info.lastCheckpointStep = ev.step
            persistNow = true
            if (entry.info.uncleanStops ?? 0) > 0 {
                entry.info.uncleanStops = 0   // progress since the last unclean stop: not a crash loop
                clearedSuspect = true
            }
        case .finished, .metrics:
            if let o = ev.outputs { entry.info.outputs = o }
            if let mt = ev.metrics { entry.info.metrics = mt }
        default: break
        }
        if persistNow {
            // on disk before anyone hears of it: a follower that reacts to a checkpoint event
            // (or a crash right after it) finds the status that goes with it
            let snap = entry.info
            entry.lock.unlock()
            persist(snap)
            entry.lock.lock()
        }
        broadcastLocked(entry, m)
        let snap = entry.info
        entry.lock.unlock()
        if record { store.appendEvent(m) }
        if clearedSuspect { pump() }   // other jobs may run beside it now
        switch ev.kind {
        case .started: log.info("job running", ["job": snap.id, "backend": ev.message])
        case .checkpoint: log.debug("checkpoint written", ["job": snap.id, "step": ev.step])
        case .log: log.info("job says", ["job": snap.id, "message": ev.message])
        default: break
        }
    }

    /// Encoded once for every follower; a follower that reads slowly skips to the latest progress
    /// (Connection/OutputBuffer), so sending never blocks this job thread.
    func broadcastLocked(_ entry: JobEntry, _ e: JobEventMessage) {
        guard !entry.followers.isEmpty else { return }
        let line = Wire.line(Response.event(e))
        let progressOf = e.kind == "progress" ? e.job : nil
        for (key, f) in entry.followers {
            if f.isOpen { f.send(line: line, progressOf: progressOf) } else { entry.followers[key] = nil; f.followEnded() }
        }
    }

    func persist(_ info: JobInfo) {
        do { try store.save(info) } catch {
            log.error("cannot save job status", ["job": info.id, "error": "\(error)"])
        }
    }

    func ioGuard<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as ProtocolError { throw e } catch {
            log.error("state directory write failed", ["error": "\(error)"])
            throw ProtocolError(.internalError, "the daemon could not write its state directory: \(error)")
        }
    }

    static func protocolError(_ e: JobError) -> ProtocolError {
        switch e {
        case .invalid(let field, _): return ProtocolError(.invalidParameter, e.description, field: field)
        case .notFound: return ProtocolError(.notFound, e.description)
        case .data: return ProtocolError(.invalidParameter, e.description)
        case .failed: return ProtocolError(.invalidParameter, e.description)
        }
    }
}

private func idNumber(_ id: String) -> Int { Int(id.dropFirst()) ?? Int.max }
