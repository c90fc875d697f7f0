// LocalExecutor.swift — executor = local: a job runs on its own thread of the daemon through
// JobRunner (moved here unchanged from JobManager), plus what both executors share: how a job's
// JobContext is built from the config, and how an attempt is marked as started.
import DiffProtocol
import Foundation
import Jobs

extension DaemonConfig {
    /// The context a job runs with, here or (through `diffusiond run-job`) on a compute node.
    func jobContext(id: String, spec: JobSpec, stateDir: String, emit: @escaping (JobEvent) -> Void,
                    isCancelled: @escaping () -> Bool, shouldStop: @escaping () -> Bool) -> JobContext {
        var choice = backend
        if let b = spec.backend, let c = BackendChoice(rawValue: b) { choice = c }
        return JobContext(
            jobID: id, jobDir: URL(fileURLWithPath: stateDir + "/jobs/" + id), modelsDir: URL(fileURLWithPath: stateDir + "/models"),
            backend: choice, device: device,
            shaderDir: shaderDir.isEmpty ? nil : URL(fileURLWithPath: shaderDir),
            cpuThreads: cpuThreads == 0 ? nil : cpuThreads,
            checkpointEvery: checkpointEvery, checkpointKeep: checkpointKeep, progressEvery: progressEvery,
            emit: emit, isCancelled: isCancelled, shouldStop: shouldStop)
    }
}

extension JobManager {
    /// Mark a new attempt of `entry` as running, tell its followers and save it; returns the attempt number.
    @discardableResult
    func beginAttempt(_ entry: JobEntry, at now: Double = Date().timeIntervalSince1970) -> Int {
        let id = entry.info.id
        entry.lock.lock()
        entry.info.state = .running
        entry.info.startedAt = now
        entry.info.finishedAt = nil
        entry.info.error = nil
        entry.info.attempts = (entry.info.attempts ?? 0) + 1
        let attempt = entry.info.attempts!
        let info = entry.info
        var e = JobEventMessage(job: id, kind: "state", time: now)
        e.state = .running
        e.step = info.lastCheckpointStep
        broadcastLocked(entry, e)
        entry.lock.unlock()
        persist(info)
        if attempt > 1 {
            log.info("job resumed", ["job": id, "attempt": attempt, "from_step": info.lastCheckpointStep ?? 0, "node": info.node])
        } else {
            log.info("job started", ["job": id, "kind": info.kind, "node": info.node])
        }
        return attempt
    }

    /// A job's run has ended (either executor): free its slot and start what waits.
    func runEnded(_ id: String) {
        lock.lock()
        running.remove(id)
        let idle = stopping && running.isEmpty
        pumpLocked()
        lock.unlock()
        if idle { onStopped?() }
    }

    /// executor = local: run the job on this thread until it ends or the daemon stops.
    func runLocally(_ entry: JobEntry) {
        let id = entry.info.id
        beginAttempt(entry)
        let context = config.jobContext(
            id: id, spec: entry.spec, stateDir: store.root,
            emit: { [self] ev in handle(ev, entry) },
            isCancelled: { entry.lock.lock(); defer { entry.lock.unlock() }; return entry.cancelRequested },
            shouldStop: { [self] in isStopping })
        let started = Date()
        var outcome: JobOutcome?
        var failure: String?
        do { outcome = try JobRunner.run(entry.spec, context: context) } catch let e as JobError {
            failure = e.description
        } catch {
            failure = "\(error)"
        }
        entry.lock.lock()
        entry.info.runSeconds = (entry.info.runSeconds ?? 0) + Date().timeIntervalSince(started)
        entry.lock.unlock()
        switch outcome {
        case .succeeded(let r):
            if let problem = deliverOut(entry) { finish(entry, state: .failed, error: problem, result: r) }
            else { finish(entry, state: .succeeded, error: nil, result: r) }
        case .cancelled: finish(entry, state: .cancelled, error: nil, result: nil)
        case .interrupted:
            entry.lock.lock()
            entry.info.state = .queued
            let snap = entry.info
            entry.lock.unlock()
            persist(snap)
            log.info("job interrupted; it resumes from its checkpoint at next start", ["job": id, "checkpoint_step": snap.lastCheckpointStep])
        case nil: finish(entry, state: .failed, error: failure ?? "unknown failure", result: nil)
        }
        runEnded(id)
    }
}
