// ResolvedSpecs.swift — the spec a job runs with, every default filled (Jobs' withDefaults plus the
// daemon's own defaults: checkpoint interval and backend), with the client's file names in place
// of the job's private copies. Shown by `diffctl show` and returned by a dry-run submit.
import DiffProtocol
import Foundation
import Jobs

/// What a submit did: queued a job, or (dry run) only resolved the spec.
enum SubmitResult {
    case queued(JobEntry)
    case resolved(JSONValue)
}

extension JobManager {
    /// nil when the spec does not resolve (it would have been refused at submit).
    func resolvedSpec(_ spec: JobSpec, client: [String: JSONValue]) -> JSONValue? {
        guard var full = try? spec.withDefaults() else { return nil }
        if full.kind == .train { full.checkpointEvery = full.checkpointEvery ?? config.checkpointEvery }
        full.backend = full.backend ?? config.backend.rawValue
        guard case .object(var object)? = try? JSONDecoder().decode(JSONValue.self, from: full.encoded()) else { return nil }
        // the names the client gave, not the copies in the job's directory
        for key in ["dataset", "conditionFile", "samples", "out"] { object[key] = client[key] }
        if spec.kind == .sample { object["force"] = client["force"] ?? .bool(false) }
        return .object(object)
    }
}

extension JSONValue {
    /// An object without `keys` (anything else unchanged).
    func removingKeys(_ keys: [String]) -> JSONValue {
        guard case .object(var o) = self else { return self }
        for k in keys { o[k] = nil }
        return .object(o)
    }

    /// An object with `keys` taken from `other` where `other` has them.
    func merging(_ other: JSONValue, keys: [String]) -> JSONValue {
        guard case .object(var o) = self, case .object(let from) = other else { return self }
        for k in keys { if let v = from[k] { o[k] = v } }
        return .object(o)
    }
}
