// JobTestSupport.swift — temporary state directories and a recording context for running jobs
// in tests exactly as the daemon runs them.
import Foundation
import Jobs

final class EventRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [JobEvent] = []
    func add(_ e: JobEvent) { lock.lock(); events.append(e); lock.unlock() }
    var all: [JobEvent] { lock.lock(); defer { lock.unlock() }; return events }
}

struct TestState {
    let root: URL
    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("diffusiond-jobs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }
    var models: URL { root.appendingPathComponent("models") }
    func jobDir(_ id: String) -> URL { root.appendingPathComponent("jobs/\(id)") }

    func context(_ id: String, recorder: EventRecorder = EventRecorder(), checkpointEvery: Int = 100,
                 stop: @escaping () -> Bool = { false }, cancel: @escaping () -> Bool = { false }) -> JobContext {
        JobContext(jobID: id, jobDir: jobDir(id), modelsDir: models, backend: .cpu, checkpointEvery: checkpointEvery,
                   checkpointKeep: 2, progressEvery: 25, emit: { recorder.add($0) }, isCancelled: cancel, shouldStop: stop)
    }

    func remove() { try? FileManager.default.removeItem(at: root) }
}

func trainSpec(name: String, steps: Int = 300, dataset: String = "ring8") -> JobSpec {
    var s = JobSpec(kind: .train)
    s.dataset = dataset; s.name = name; s.steps = steps
    s.width = 64; s.depth = 3; s.timeEmbedDim = 16; s.batchSize = 128; s.lr = 2e-3
    s.datasetSize = 2000; s.seed = 4
    return s
}

func sampleSpec(model: String, sampler: String, steps: Int, count: Int = 300) -> JobSpec {
    var s = JobSpec(kind: .sample)
    s.model = model; s.sampler = sampler; s.steps = steps; s.count = count; s.seed = 1
    return s
}

extension JobOutcome {
    var result: JobResult? { if case .succeeded(let r) = self { return r }; return nil }
}
