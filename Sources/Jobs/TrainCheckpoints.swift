// TrainCheckpoints.swift — a training job's resumable state in jobDir/checkpoints/:
// step-00001000.ckpt files (metadata: step, RNG position, settings fingerprint; tensors: params,
// Adam moments, EMA), written atomically, the newest `keep` retained. On resume the newest
// readable one wins, so a crash during a write falls back to the previous checkpoint.
import DiffusionCore
import Foundation

struct TrainCheckpointMeta: Codable {
    var step: Int
    var rng: PhiloxStream
    /// the resolved settings this run was started with; a checkpoint of other settings is refused
    var settings: TrainSettings
    var parameterCount: Int
}

enum TrainCheckpoints {
    static func directory(_ jobDir: URL) -> URL { jobDir.appendingPathComponent("checkpoints", isDirectory: true) }

    static func write(_ snap: TrainerSnapshot, settings: TrainSettings, jobDir: URL, keep: Int) throws -> URL {
        let dir = directory(jobDir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let meta = TrainCheckpointMeta(step: snap.step, rng: snap.rng, settings: settings, parameterCount: snap.params.count)
        let url = dir.appendingPathComponent(String(format: "step-%08d.ckpt", snap.step))
        try CheckpointFile.write(to: url, metadata: try JSONEncoder().encode(meta),
                                 tensors: [("params", snap.params), ("adam_m", snap.m), ("adam_v", snap.v), ("ema", snap.ema)])
        // retention: keep the newest `keep`
        let all = list(jobDir)
        for old in all.dropLast(max(keep, 1)) { try? FileManager.default.removeItem(at: old) }
        return url
    }

    /// Checkpoint files, oldest first.
    static func list(_ jobDir: URL) -> [URL] {
        let dir = directory(jobDir)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasPrefix("step-") && $0.hasSuffix(".ckpt") }.sorted().map { dir.appendingPathComponent($0) }
    }

    /// The newest checkpoint that reads back intact, with the reasons others were skipped.
    static func latest(_ jobDir: URL, settings: TrainSettings) -> (snapshot: TrainerSnapshot, url: URL, skipped: [String])? {
        var skipped: [String] = []
        for url in list(jobDir).reversed() {
            do {
                let (metaData, t) = try CheckpointFile.read(from: url)
                let meta = try JSONDecoder().decode(TrainCheckpointMeta.self, from: metaData)
                guard meta.settings == settings else {
                    skipped.append("\(url.lastPathComponent): written by a job with other settings"); continue
                }
                guard let p = t["params"], let m = t["adam_m"], let v = t["adam_v"], let e = t["ema"] else {
                    skipped.append("\(url.lastPathComponent): missing tensors"); continue
                }
                return (TrainerSnapshot(step: meta.step, rng: meta.rng, params: p, m: m, v: v, ema: e), url, skipped)
            } catch {
                skipped.append("\(url.lastPathComponent): \(error)")
            }
        }
        return nil
    }
}
