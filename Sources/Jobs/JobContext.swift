// JobContext.swift — what a running job gets from whoever runs it (daemon, test, benchmark):
// where to write, how to report progress, and how to learn it should stop.
import Foundation

/// One progress/log event of a job. Flat so it maps 1:1 onto the wire.
public struct JobEvent: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable {
        case started     // message: backend/device in use
        case progress    // step, total, loss, lr, stepsPerSecond (train); step, total (sample)
        case checkpoint  // step
        case log         // message
        case metrics     // metrics
        case finished    // outputs, metrics
    }
    public var kind: Kind
    public var step: Int?
    public var total: Int?
    public var loss: Double?
    public var lr: Double?
    public var stepsPerSecond: Double?
    public var message: String?
    public var metrics: [String: Double]?
    public var outputs: [String: String]?

    public init(kind: Kind, step: Int? = nil, total: Int? = nil, loss: Double? = nil, lr: Double? = nil,
                stepsPerSecond: Double? = nil, message: String? = nil,
                metrics: [String: Double]? = nil, outputs: [String: String]? = nil) {
        self.kind = kind; self.step = step; self.total = total; self.loss = loss; self.lr = lr
        self.stepsPerSecond = stepsPerSecond; self.message = message; self.metrics = metrics; self.outputs = outputs
    }
}

/// What a job produced.
public struct JobResult: Codable, Equatable, Sendable {
    /// output name → absolute path (e.g. "model", "samples", "plot_samples", "loss_csv")
    public var outputs: [String: String]
    /// metric name → value, all computed from this job's own samples/data
    public var metrics: [String: Double]
    /// plain-words warnings about what the job made (e.g. samples no better than noise)
    public var warnings: [String]?
    public init(outputs: [String: String] = [:], metrics: [String: Double] = [:], warnings: [String]? = nil) {
        self.warnings = warnings
        self.outputs = outputs; self.metrics = metrics
    }
}

public enum JobOutcome: Equatable, Sendable {
    case succeeded(JobResult)
    case cancelled
    /// stopped on request (daemon shutdown) after writing a checkpoint; run again to resume
    case interrupted
}

public enum BackendChoice: String, Codable, Sendable, CaseIterable {
    case auto, cpu, vulkan
}

public struct JobContext {
    public var jobID: String
    /// the job's own directory: checkpoints, outputs, plots
    public var jobDir: URL
    /// named models live at modelsDir/<name>/ (model.ckpt + model.json)
    public var modelsDir: URL
    public var backend: BackendChoice
    public var device: DeviceSelector?
    public var shaderDir: URL?
    public var cpuThreads: Int?
    /// default checkpoint interval in steps when the spec does not set one
    public var checkpointEvery: Int
    /// how many checkpoints to keep in jobDir
    public var checkpointKeep: Int
    /// emit a progress event every this many steps
    public var progressEvery: Int
    public var emit: (JobEvent) -> Void
    /// polled between steps: true → stop and return .cancelled
    public var isCancelled: () -> Bool
    /// polled between steps: true → write a checkpoint and return .interrupted
    public var shouldStop: () -> Bool

    public init(jobID: String, jobDir: URL, modelsDir: URL, backend: BackendChoice = .auto,
                device: DeviceSelector? = nil, shaderDir: URL? = nil, cpuThreads: Int? = nil,
                checkpointEvery: Int = 500, checkpointKeep: Int = 2, progressEvery: Int = 25,
                emit: @escaping (JobEvent) -> Void = { _ in },
                isCancelled: @escaping () -> Bool = { false },
                shouldStop: @escaping () -> Bool = { false }) {
        self.jobID = jobID; self.jobDir = jobDir; self.modelsDir = modelsDir; self.backend = backend
        self.device = device; self.shaderDir = shaderDir; self.cpuThreads = cpuThreads
        self.checkpointEvery = checkpointEvery; self.checkpointKeep = checkpointKeep
        self.progressEvery = progressEvery; self.emit = emit
        self.isCancelled = isCancelled; self.shouldStop = shouldStop
    }
}
