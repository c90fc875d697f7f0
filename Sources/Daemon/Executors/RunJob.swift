// RunJob.swift — `diffusiond run-job --state-dir DIR --job ID [--task I] [settings]`: runs one job
// of a state directory in this process, as the batch script of a Slurm job does on a compute
// node (`--task I`: only run I of a sweep, a Slurm array task; SlurmArray.swift).
// It appends its events (a `running` state, the runner's events, then the outcome as a state) to
// the job's events.jsonl, which the daemon follows; it never writes status.json (the daemon's).
// SIGTERM (scancel, preemption, requeue, the time limit) → checkpoint and stop: a later start of
// the same job resumes from that checkpoint. A `cancel-requested` file in the job's directory,
// written by the daemon before it calls scancel, turns the stop into a cancellation.
import DiffProtocol
import Foundation
import Jobs
#if canImport(Glibc)
import Glibc
#endif

public enum RunJobCommand {
    static let cancelMarker = "cancel-requested"

    /// exit status: 0 succeeded, cancelled or stopped to resume later; 1 failed; 2 bad usage;
    /// 3 the state directory is not reachable from here
    public static func main(_ arguments: [String], environment: [String: String]) -> Int32 {
        var rest: [String] = []
        var jobID: String?
        var task: String?
        var i = 0
        while i < arguments.count {
            if arguments[i] == "--job", i + 1 < arguments.count { jobID = arguments[i + 1]; i += 2; continue }
            if arguments[i].hasPrefix("--job=") { jobID = String(arguments[i].dropFirst(6)); i += 1; continue }
            if arguments[i] == "--task", i + 1 < arguments.count { task = arguments[i + 1]; i += 2; continue }
            if arguments[i].hasPrefix("--task=") { task = String(arguments[i].dropFirst(7)); i += 1; continue }
            rest.append(arguments[i]); i += 1
        }
        guard let jobID, !jobID.isEmpty, !jobID.contains("/") else { return fail(2, "run-job needs --job ID") }
        let taskIndex = task.flatMap { Int($0) }
        if let task, taskIndex == nil || taskIndex! < 0 { return fail(2, "--task needs a task index (0, 1, ...), got '\(task)'") }
        let config: DaemonConfig
        do {
            guard case .run(let c) = try DaemonConfig.load(arguments: rest, environment: environment) else {
                return fail(2, "usage: diffusiond run-job --state-dir DIR --job ID [settings]")
            }
            config = c
        } catch { return fail(2, "\(error)") }
        let stateDir = config.stateDirectory(environment: environment)
        let jobDir = stateDir + "/jobs/" + jobID
        let host = environment["SLURMD_NODENAME"] ?? ProcessInfo.processInfo.hostName
        guard FileManager.default.isWritableFile(atPath: jobDir) else {
            return fail(3, "this node (\(host)) cannot write the job's directory \(jobDir): the state directory must be on a filesystem every compute node mounts at the same path")
        }
        let eventsPath = jobDir + "/events.jsonl"
        guard let specData = FileManager.default.contents(atPath: jobDir + "/spec.json"),
              let spec = try? JobSpec.decode(specData) else {
            return fail(1, "cannot read \(jobDir)/spec.json")
        }
        if let taskIndex {
            guard spec.kind == .sweep else { return fail(2, "--task runs one run of a sweep; job \(jobID) is a \(spec.kind.rawValue) job") }
            return runSweepTask(taskIndex, jobID: jobID, jobDir: jobDir, stateDir: stateDir, spec: spec, config: config, host: host,
                                environment: environment)
        }
        let status = FileManager.default.contents(atPath: jobDir + "/status.json").flatMap { try? JSONDecoder().decode(JobInfo.self, from: $0) }

        let stop = StopFlag()
        signal(SIGTERM, SIG_IGN)
        let term = DispatchSource.makeSignalSource(signal: SIGTERM, queue: .global())
        term.setEventHandler { stop.set() }
        term.resume()

        func record(_ e: JobEventMessage) { EventLogWriter.append(e, to: eventsPath) }
        var started = JobEventMessage(job: jobID, kind: "state", time: Date().timeIntervalSince1970)
        started.state = .running
        started.step = status?.lastCheckpointStep
        started.message = "on \(host)" + (environment["SLURM_JOB_ID"].map { " (Slurm job \($0))" } ?? "")
        record(started)

        let markerPath = jobDir + "/" + cancelMarker
        var lastLook = Date.distantPast
        var cancelled = false
        let context = config.jobContext(
            id: jobID, spec: spec, stateDir: stateDir,
            emit: { ev in record(message(ev, job: jobID)) },
            isCancelled: {
                if !cancelled && Date().timeIntervalSince(lastLook) > 0.25 {
                    lastLook = Date()
                    cancelled = FileManager.default.fileExists(atPath: markerPath)
                }
                return cancelled
            },
            shouldStop: { stop.isSet })
        var end = JobEventMessage(job: jobID, kind: "state")
        var code: Int32 = 0
        do {
            switch try JobRunner.run(spec, context: context) {
            case .succeeded(let r): end.state = .succeeded; end.outputs = r.outputs; end.metrics = r.metrics
            case .cancelled: end.state = .cancelled
            case .interrupted:
                // stopped by a signal; if Slurm starts it again it resumes from the checkpoint
                if FileManager.default.fileExists(atPath: markerPath) { end.state = .cancelled }
                else { end.state = .queued; end.message = "stopped on \(host) by SIGTERM after a checkpoint; resumes from it when it runs again" }
            }
        } catch {
            end.state = .failed
            end.error = (error as? JobError)?.description ?? "\(error)"
            code = 1
        }
        end.time = Date().timeIntervalSince1970
        record(end)
        return code
    }

    static func message(_ ev: JobEvent, job: String) -> JobEventMessage {
        var m = JobEventMessage(job: job, kind: ev.kind.rawValue, time: Date().timeIntervalSince1970)
        m.step = ev.step; m.total = ev.total; m.loss = ev.loss; m.lr = ev.lr
        m.stepsPerSecond = ev.stepsPerSecond; m.message = ev.message; m.metrics = ev.metrics; m.outputs = ev.outputs
        return m
    }

    private static func fail(_ code: Int32, _ text: String) -> Int32 {
        FileHandle.standardError.write(Data("diffusiond run-job: \(text)\n".utf8))
        return code
    }
}

/// Set once from a signal handler's queue, read between training steps.
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.lock(); value = true; lock.unlock() }
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
}
