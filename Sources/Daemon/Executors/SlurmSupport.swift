// SlurmSupport.swift — the small pieces of the slurm executor: the batch script, the job name
// that identifies a job of this state directory in squeue, slurm.json, and the JobManager updates
// that only Slurm jobs need (node name, a stop for requeue or preemption).
import DiffProtocol
import DiffusionCore
import Foundation

extension SlurmExecutor {
    /// "dd-j12-1a2b3c4d": the job id and a hash of the state directory, unique per daemon.
    func jobName(_ id: String) -> String {
        var h: UInt32 = 2_166_136_261
        for b in store.root.utf8 { h = (h ^ UInt32(b)) &* 16_777_619 }
        return "dd-\(id)-" + String(format: "%08x", h)
    }

    /// The batch script: `diffusiond run-job` by absolute path with the daemon's job settings.
    /// `arrayTask`: one task of a job array (a sweep run), `--task $SLURM_ARRAY_TASK_ID`.
    func batchScript(_ id: String, arrayTask: Bool = false) -> String {
        let c = config
        var args = [binary, "run-job", "--config", "/dev/null", "--state-dir", store.root, "--job", id,
                    "--backend", c.backend.rawValue, "--cpu-threads", "\(c.cpuThreads)",
                    "--checkpoint-every", "\(c.checkpointEvery)", "--checkpoint-keep", "\(c.checkpointKeep)",
                    "--progress-every", "\(c.progressEvery)", "--log-level", c.logLevel.rawValue,
                    "--memory-budget", c.memoryBudget]
        if let d = c.device { args += ["--device", "\(d)"] }
        if !c.shaderDir.isEmpty { args += ["--shader-dir", c.shaderDir] }
        return """
        #!/bin/sh
        # written by diffusiond for job \(id) (executor = slurm); Slurm runs it on a compute node
        if [ ! -w \(shellQuote(store.jobDir(id))) ]; then
          echo "diffusiond: node $(hostname) cannot write \(store.jobDir(id).replacingOccurrences(of: "\"", with: "")): the state directory must be on a filesystem shared with the nodes" >&2
          exit 3
        fi
        exec \(args.map(shellQuote).joined(separator: " "))\(arrayTask ? " --task \"$SLURM_ARRAY_TASK_ID\"" : "")

        """
    }

    func loadRecord(_ id: String) -> SlurmRecord? {
        FileManager.default.contents(atPath: store.jobDir(id) + "/slurm.json").flatMap { try? JSONDecoder().decode(SlurmRecord.self, from: $0) }
    }

    func saveRecord(_ id: String, _ r: SlurmRecord) throws {
        try AtomicFile.write(try JSONEncoder().encode(r), to: store.jobDir(id) + "/slurm.json")
    }
}

func shellQuote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

extension JobEntry {
    var isCancelRequested: Bool { lock.lock(); defer { lock.unlock() }; return cancelRequested }
}

extension JobManager {
    /// The node Slurm runs the job on, as squeue reports it.
    func setNode(_ entry: JobEntry, _ node: String) {
        entry.lock.lock()
        guard entry.info.node != node else { entry.lock.unlock(); return }
        entry.info.node = node
        let info = entry.info
        entry.lock.unlock()
        persist(info)
    }

    /// The node stopped the job after a checkpoint (requeue, preemption, SIGTERM): it waits in
    /// Slurm's queue and resumes from that checkpoint when it starts again.
    func requeued(_ entry: JobEntry, _ m: JobEventMessage) {
        entry.lock.lock()
        entry.info.state = .queued
        if let s = entry.info.startedAt, let t = m.time { entry.info.runSeconds = (entry.info.runSeconds ?? 0) + max(0, t - s) }
        let info = entry.info
        broadcastLocked(entry, m)
        entry.lock.unlock()
        persist(info)
        log.info("job stopped in Slurm; it resumes from its checkpoint when Slurm starts it again", ["job": info.id, "checkpoint_step": info.lastCheckpointStep])
    }
}
