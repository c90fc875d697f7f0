// Payloads.swift — the typed records carried by requests, responses and events: a job's summary,
// one progress event, what the daemon says about itself, models and noise schedules.
import Foundation

/// A job's lifecycle state. Open so a newer daemon's state decodes harmlessly.
public struct JobState: RawRepresentable, Codable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(from decoder: Decoder) throws {
        rawValue = (try? decoder.singleValueContainer().decode(String.self)) ?? "unknown"
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
    public var description: String { rawValue }

    public static let queued = JobState(rawValue: "queued")
    public static let running = JobState(rawValue: "running")
    public static let succeeded = JobState(rawValue: "succeeded")
    public static let failed = JobState(rawValue: "failed")
    public static let cancelled = JobState(rawValue: "cancelled")

    /// succeeded, failed or cancelled: nothing more will happen to the job
    public var isTerminal: Bool { self == .succeeded || self == .failed || self == .cancelled }
}

/// A job as the daemon sees it: what it is, where it stands, what it produced.
public struct JobInfo: Codable, Equatable, Sendable {
    public var id: String
    public var kind: String                  // train | sample | eval | ...
    public var state: JobState
    public var spec: JSONValue?              // the accepted spec
    public var resolvedSpec: JSONValue?      // the spec with every default filled (what the job runs with)
    public var createdAt: Double?            // seconds since 1970
    public var startedAt: Double?            // last (re)start
    public var finishedAt: Double?
    public var runSeconds: Double?           // time spent running, over all attempts
    public var attempts: Int?                // runs started (resumes count)
    public var uncleanStops: Int?            // times the daemon died (kill -9, crash) while it ran
    public var step: Int?
    public var total: Int?
    public var loss: Double?
    public var stepsPerSecond: Double?
    public var lastCheckpointStep: Int?
    public var backend: String?              // the runner's `started` message
    public var error: String?                // why it failed
    public var outputs: [String: String]?    // name → absolute path
    public var metrics: [String: Double]?
    public var warnings: [String]?           // plain-words warnings about what a succeeded job made
    public var jobDir: String?
    public var owner: UInt32?                // uid of the client that submitted it (nil: jobs from before owners)
    public var slurmJob: String?             // executor = slurm: the Slurm job id (sbatch --parsable)
    public var node: String?                 // executor = slurm: the compute node it runs (or last ran) on
    public var model: String?                // the exact model version it produces or uses (name@v), or the checkpoint file given

    public init(id: String, kind: String, state: JobState) {
        self.id = id; self.kind = kind; self.state = state
    }
}

/// One event of a job, streamed to followers and kept in the job's event log.
/// `kind`: started | progress | checkpoint | log | metrics | finished (from the runner) and
/// state (from the daemon: `state`, plus `error` when failed). Unknown kinds should be ignored.
public struct JobEventMessage: Codable, Equatable, Sendable {
    public var job: String
    public var kind: String
    public var time: Double?
    public var step: Int?
    public var total: Int?
    public var loss: Double?
    public var lr: Double?
    public var stepsPerSecond: Double?
    public var message: String?
    public var metrics: [String: Double]?
    public var outputs: [String: String]?
    public var state: JobState?
    public var error: String?

    public init(job: String, kind: String, time: Double? = nil) {
        self.job = job; self.kind = kind; self.time = time
    }
}

/// Which backend runs jobs and why (mirrors the engine's backend report).
public struct BackendInfo: Codable, Equatable, Sendable {
    public var requested: String
    public var selected: String
    public var deviceName: String
    public var deviceType: String
    public var detail: String
    public var reason: String
    public var vulkanDevices: [String]
    public init(requested: String, selected: String, deviceName: String, deviceType: String,
                detail: String, reason: String, vulkanDevices: [String]) {
        self.requested = requested; self.selected = selected; self.deviceName = deviceName
        self.deviceType = deviceType; self.detail = detail; self.reason = reason; self.vulkanDevices = vulkanDevices
    }
}

/// What `diffctl info` shows.
public struct DaemonInfo: Codable, Equatable, Sendable {
    public var version: String
    public var protocolVersion: Int
    public var pid: Int
    public var startedAt: Double
    public var socket: String
    public var stateDir: String
    public var configFile: String?
    public var maxJobs: Int
    public var cpuThreads: Int
    public var checkpointEvery: Int
    public var checkpointKeep: Int
    public var backend: BackendInfo
    public var jobCounts: [String: Int]     // state → count
    public init(version: String, protocolVersion: Int, pid: Int, startedAt: Double, socket: String,
                stateDir: String, configFile: String?, maxJobs: Int, cpuThreads: Int,
                checkpointEvery: Int, checkpointKeep: Int, backend: BackendInfo, jobCounts: [String: Int]) {
        self.version = version; self.protocolVersion = protocolVersion; self.pid = pid; self.startedAt = startedAt
        self.socket = socket; self.stateDir = stateDir; self.configFile = configFile; self.maxJobs = maxJobs
        self.cpuThreads = cpuThreads; self.checkpointEvery = checkpointEvery; self.checkpointKeep = checkpointKeep
        self.backend = backend; self.jobCounts = jobCounts
    }
}

/// A named model in the daemon's models directory.
public struct ModelInfo: Codable, Equatable, Sendable {
    public var name: String
    /// the version under `name` (nil: a daemon from before versions)
    public var version: Int?
    public var path: String
    public var modifiedAt: Double?
    /// the runner's model.json, as written
    public var metadata: JSONValue?
    public init(name: String, version: Int? = nil, path: String, modifiedAt: Double?, metadata: JSONValue?) {
        self.name = name; self.version = version; self.path = path; self.modifiedAt = modifiedAt; self.metadata = metadata
    }
}

/// A noise schedule inspected (mirrors the engine's schedule report).
public struct ScheduleInfo: Codable, Equatable, Sendable {
    public var schedule: String
    public var timesteps: Int
    public var alphaBarFirst: Double
    public var alphaBarLast: Double
    public var snrMax: Double
    public var snrMin: Double
    public var warnings: [String]
    /// rows: t, beta, ᾱ_t, √ᾱ_t, √(1−ᾱ_t), SNR
    public var rows: [[Double]]
    public init(schedule: String, timesteps: Int, alphaBarFirst: Double, alphaBarLast: Double,
                snrMax: Double, snrMin: Double, warnings: [String], rows: [[Double]]) {
        self.schedule = schedule; self.timesteps = timesteps; self.alphaBarFirst = alphaBarFirst
        self.alphaBarLast = alphaBarLast; self.snrMax = snrMax; self.snrMin = snrMin
        self.warnings = warnings; self.rows = rows
    }
}
