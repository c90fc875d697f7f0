// JobRetention.swift — finished jobs do not pile up forever: `prune` removes finished jobs now
// (respecting ownership), and with job_retention > 0 the daemon removes jobs that finished longer
// ago than that, once at start and then periodically. Removing a job removes its directory
// (checkpoints, outputs, plots); named models in <state>/models stay.
import DiffProtocol
import Foundation

extension JobManager {
    static let terminalStates: [JobState] = [.succeeded, .failed, .cancelled]

    /// Remove finished jobs that finished at least `olderThan` seconds before `now`, in `states`
    /// (default: all terminal states). Jobs `uid` may not manage are skipped and counted.
    func prune(olderThan: Double, states: [JobState]? = nil, by uid: uid_t?, now: Double = Date().timeIntervalSince1970) throws -> PruneReply {
        let wanted = states ?? JobManager.terminalStates
        if let bad = wanted.first(where: { !$0.isTerminal }) {
            throw ProtocolError(.invalidParameter, "state '\(bad.rawValue)' is not a finished state (succeeded, failed or cancelled)", field: "states")
        }
        guard olderThan.isFinite, olderThan >= 0 else {
            throw ProtocolError(.invalidParameter, "olderThan must be a non-negative number of seconds", field: "olderThan")
        }
        var removed: [String] = []
        var skipped = 0
        for job in list() where wanted.contains(job.state) {
            let finished = job.finishedAt ?? job.createdAt ?? 0
            guard now - finished >= olderThan else { continue }
            guard managePolicy.allows(uid ?? managePolicy.daemonUID, owner: job.owner) else { skipped += 1; continue }
            do { removed.append(try remove(job.id, by: uid)) } catch let e as ProtocolError where e.code == .notFound || e.code == .conflict {
                continue   // removed or restarted meanwhile
            }
        }
        if !removed.isEmpty {
            log.info("jobs pruned", ["count": removed.count, "jobs": removed.joined(separator: ","), "uid": uid.map { Int($0) }])
        }
        return PruneReply(removed: removed, skipped: skipped)
    }

    /// The job_retention sweep: remove every finished job older than the configured retention.
    @discardableResult
    func applyRetention(now: Double = Date().timeIntervalSince1970) -> [String] {
        guard config.jobRetention > 0 else { return [] }
        let reply = (try? prune(olderThan: config.jobRetention, by: nil, now: now)) ?? PruneReply(removed: [], skipped: 0)
        if !reply.removed.isEmpty {
            log.info("finished jobs past job_retention removed", ["retention": Durations.format(config.jobRetention), "count": reply.removed.count])
        }
        return reply.removed
    }
}

/// Runs the retention sweep periodically (every hour, or every tenth of the retention when that
/// is shorter, but at most once a minute).
final class RetentionSweeper: @unchecked Sendable {
    private let timer: DispatchSourceTimer

    init(manager: JobManager) {
        let interval = max(60, min(3600, manager.config.jobRetention / 10))
        timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "diffusiond.retention"))
        timer.schedule(deadline: .now() + interval, repeating: interval, leeway: .seconds(5))
        timer.setEventHandler { [weak manager] in
            guard let manager, !manager.isStopping else { return }
            manager.applyRetention()
        }
        timer.resume()   // applyRetention does nothing when job_retention is 0
    }
}
