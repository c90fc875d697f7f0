// LongRun.swift — `diffbench --only longrun [--seconds N]`: one training job run as the daemon runs
// it (JobRunner, loss log, checkpoints every 500 steps) for N seconds, with steps/s reported per
// tenth of the run. A per-step cost that grows with the run (a log rewritten in full, say) shows
// as a falling rate; an append-only job keeps it flat.
import DiffusionCore
import Foundation
import Jobs

enum LongRun {
    /// wall seconds from the start, steps, and the process's CPU seconds spent in the window
    /// (steps per CPU second does not move when other processes load the machine)
    struct Window { var start: Double; var end: Double; var steps: Int; var cpuSeconds: Double }

    static func processCPUSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// Returns the windows and the loss log's final size in bytes.
    static func measure(seconds: Double, log: (String) -> Void) throws -> (windows: [Window], logBytes: Int) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("diffbench-longrun-\(getpid())")
        defer { try? FileManager.default.removeItem(at: root) }
        var spec = JobSpec(kind: .train)
        spec.dataset = "ring8"; spec.name = "longrun"; spec.steps = 10_000_000
        spec.width = 64; spec.depth = 3; spec.timeEmbedDim = 16; spec.batchSize = 64; spec.datasetSize = 2000
        spec.checkpointEvery = 500
        let lock = NSLock()
        var progress: [(t: Double, step: Int, cpu: Double)] = []
        let t0 = Date()
        let ctx = JobContext(jobID: "longrun", jobDir: root.appendingPathComponent("job"), modelsDir: root.appendingPathComponent("models"),
                             backend: .cpu, cpuThreads: 1, checkpointEvery: 500, checkpointKeep: 2, progressEvery: 25,
                             emit: { e in
                                 guard e.kind == .progress, let s = e.step else { return }
                                 lock.lock(); progress.append((Date().timeIntervalSince(t0), s, processCPUSeconds())); lock.unlock()
                             },
                             isCancelled: { Date().timeIntervalSince(t0) >= seconds })
        log(String(format: "longrun: training for %.0f s (width 64, depth 3, batch 64, 1 thread, checkpoint every 500 steps)", seconds))
        _ = try JobRunner.run(spec, context: ctx)
        let bytes = (try? FileManager.default.attributesOfItem(atPath: root.appendingPathComponent("job/loss.csv").path)[.size] as? Int) ?? 0
        lock.lock(); let p = progress; lock.unlock()
        var windows: [Window] = []
        let parts = 10
        for w in 0..<parts {
            let a = seconds * Double(w) / Double(parts), b = seconds * Double(w + 1) / Double(parts)
            let inside = p.filter { $0.t >= a && $0.t < b }
            guard let first = inside.first, let last = inside.last, last.t > first.t else { continue }
            windows.append(Window(start: first.t, end: last.t, steps: last.step - first.step, cpuSeconds: last.cpu - first.cpu))
        }
        return (windows, bytes)
    }
}
