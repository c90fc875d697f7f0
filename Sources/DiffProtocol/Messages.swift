// Messages.swift — the typed messages of the wire. A client sends `Request`s (an optional integer
// `id` plus a `type` and its fields, all in one flat JSON object); the daemon answers each with a
// `Response` echoing the id, and streams `event` responses (no id) for followed jobs.
//
//   → {"id":1,"type":"hello","version":1,"client":"diffctl 0.1"}
//   ← {"id":1,"type":"hello","version":1,"daemon":"diffusiond 0.1.0","pid":42}
//   → {"id":2,"type":"submit","spec":{"kind":"train","dataset":"ring8","steps":300},"follow":true}
//   ← {"id":2,"type":"submitted","job":{"id":"j1","kind":"train","state":"queued",...}}
//   ← {"type":"event","event":{"job":"j1","kind":"progress","step":25,"total":300,"loss":0.61}}
import Foundation

// MARK: requests

public struct Hello: Codable, Equatable, Sendable {
    public var version: Int
    public var client: String?
    public init(version: Int = Wire.protocolVersion, client: String? = nil) { self.version = version; self.client = client }
}

public struct SubmitRequest: Codable, Equatable, Sendable {
    /// a job spec: {"kind": "train" | "sample" | "eval", ...}
    public var spec: JSONValue
    /// stream the job's events on this connection after `submitted`
    public var follow: Bool?
    /// which spec field each descriptor passed with this request (SCM_RIGHTS) belongs to, in the
    /// order of the descriptors: "dataset", "conditionFile", "samples" (opened for reading by the
    /// client) or "out" (opened for writing); the daemon reads and writes those, never the paths
    public var files: [String]?
    /// remote use: spec field → SHA-256 of a blob uploaded before ("dataset", "conditionFile",
    /// "samples"); the daemon reads that blob, and the field's path is only the client's name for it
    public var uploads: [String: String]?
    /// remote use: write the spec's `out` in the job's directory (an output named "out") for the
    /// client to download, instead of at that path
    public var keepOut: Bool?
    /// resolve and check the spec, reply `resolved` with every default filled, queue nothing
    public var dryRun: Bool?
    public init(spec: JSONValue, follow: Bool? = nil, files: [String]? = nil, uploads: [String: String]? = nil, keepOut: Bool? = nil,
                dryRun: Bool? = nil) {
        self.spec = spec; self.follow = follow; self.files = files; self.uploads = uploads; self.keepOut = keepOut; self.dryRun = dryRun
    }
}

public struct JobRequest: Codable, Equatable, Sendable {
    public var job: String
    public init(job: String) { self.job = job }
}

public struct ShowRequest: Codable, Equatable, Sendable {
    public var job: String
    /// terminal preview size in characters; no preview when absent
    public var previewWidth: Int?
    public var previewHeight: Int?
    /// how many recent events to include
    public var events: Int?
    public init(job: String, previewWidth: Int? = nil, previewHeight: Int? = nil, events: Int? = nil) {
        self.job = job; self.previewWidth = previewWidth; self.previewHeight = previewHeight; self.events = events
    }
}

public struct ScheduleRequest: Codable, Equatable, Sendable {
    /// schedule fields of a spec: schedule, timesteps, betaStart, betaEnd, zeroTerminalSNR
    public var spec: JSONValue
    /// also draw √ᾱ_t, √(1−ᾱ_t) and the SNR of this schedule beside the default linear and cosine ones (SVG)
    public var plot: Bool?
    public init(spec: JSONValue, plot: Bool? = nil) { self.spec = spec; self.plot = plot }
}

public enum RequestBody: Equatable, Sendable {
    case hello(Hello)
    case submit(SubmitRequest)
    case jobs
    case show(ShowRequest)
    case follow(JobRequest)
    case cancel(JobRequest)
    case remove(JobRequest)
    /// requeue a failed or cancelled job; training continues from its newest intact checkpoint
    case resume(JobRequest)
    case models
    case info
    case schedule(ScheduleRequest)
    case act(ActRequest)
    case prune(PruneRequest)
    /// a model's weights and sidecar into two passed files (ExportPayloads.swift)
    case export(ExportRequest)
    /// the raw network output for given rows (ExportPayloads.swift)
    case forward(ForwardRequest)
    /// remove a model version, or every version of a name (ModelPayloads.swift)
    case removeModel(RemoveModelRequest)

    /// remote use (TransferPayloads.swift)
    case relayed(RelayedNotice)
    case hasBlob(BlobQuery)
    case upload(UploadChunk)
    case download(DownloadRequest)

    public static let typeNames = ["hello", "submit", "jobs", "show", "follow", "cancel", "remove", "resume", "models", "info", "schedule", "act", "prune",
                                   "export", "forward", "relayed", "hasBlob", "upload", "download", "remove-model"]

    public var typeName: String {
        switch self {
        case .hello: return "hello"
        case .submit: return "submit"
        case .jobs: return "jobs"
        case .show: return "show"
        case .follow: return "follow"
        case .cancel: return "cancel"
        case .remove: return "remove"
        case .resume: return "resume"
        case .models: return "models"
        case .info: return "info"
        case .schedule: return "schedule"
        case .act: return "act"
        case .prune: return "prune"
        case .export: return "export"
        case .forward: return "forward"
        case .relayed: return "relayed"
        case .hasBlob: return "hasBlob"
        case .upload: return "upload"
        case .download: return "download"
        case .removeModel: return "remove-model"
        }
    }
}

public struct Request: Encodable, Equatable, Sendable {
    public var id: Int?
    public var body: RequestBody
    public init(id: Int?, _ body: RequestBody) { self.id = id; self.body = body }

    private struct Header: Encodable { var id: Int?; var type: String }

    public func encode(to encoder: Encoder) throws {
        try Header(id: id, type: body.typeName).encode(to: encoder)
        switch body {
        case .hello(let p): try p.encode(to: encoder)
        case .submit(let p): try p.encode(to: encoder)
        case .show(let p): try p.encode(to: encoder)
        case .follow(let p), .cancel(let p), .remove(let p), .resume(let p): try p.encode(to: encoder)
        case .schedule(let p): try p.encode(to: encoder)
        case .act(let p): try p.encode(to: encoder)
        case .prune(let p): try p.encode(to: encoder)
        case .export(let p): try p.encode(to: encoder)
        case .forward(let p): try p.encode(to: encoder)
        case .relayed(let p): try p.encode(to: encoder)
        case .hasBlob(let p): try p.encode(to: encoder)
        case .upload(let p): try p.encode(to: encoder)
        case .download(let p): try p.encode(to: encoder)
        case .removeModel(let p): try p.encode(to: encoder)
        case .jobs, .models, .info: break
        }
    }

    /// Parse one line. Errors say what is wrong; `idOf(line:)` recovers the id for the reply.
    public static func decode(line: Data) throws -> Request {
        let value: JSONValue
        do { value = try JSONDecoder().decode(JSONValue.self, from: line) } catch {
            if String(data: line, encoding: .utf8) == nil {
                throw ProtocolError(.badJSON, "message is not UTF-8 text (\(line.count) bytes)")
            }
            throw ProtocolError(.badJSON, "message is not valid JSON: \(snippet(line))")
        }
        guard case .object(let object) = value else {
            throw ProtocolError(.invalidRequest, "message must be a JSON object with a \"type\" field")
        }
        var id: Int?
        if let rawID = object["id"], rawID != .null {
            guard let i = rawID.intValue else { throw ProtocolError(.invalidRequest, "field 'id' must be an integer", field: "id") }
            id = i
        }
        guard let typeValue = object["type"] else {
            throw ProtocolError(.invalidRequest, "message has no \"type\" field (known types: \(RequestBody.typeNames.joined(separator: ", ")))", field: "type")
        }
        guard let type = typeValue.stringValue else { throw ProtocolError(.invalidRequest, "field 'type' must be a string", field: "type") }
        func payload<T: Decodable>(_: T.Type) throws -> T {
            do { return try JSONDecoder().decode(T.self, from: line) } catch let e as DecodingError {
                throw ProtocolError(.invalidRequest, "\(type): \(describe(e))", field: field(of: e))
            }
        }
        let body: RequestBody
        switch type {
        case "hello": body = .hello(try payload(Hello.self))
        case "submit": body = .submit(try payload(SubmitRequest.self))
        case "jobs": body = .jobs
        case "show": body = .show(try payload(ShowRequest.self))
        case "follow": body = .follow(try payload(JobRequest.self))
        case "cancel": body = .cancel(try payload(JobRequest.self))
        case "remove": body = .remove(try payload(JobRequest.self))
        case "resume": body = .resume(try payload(JobRequest.self))
        case "models": body = .models
        case "info": body = .info
        case "schedule": body = .schedule(try payload(ScheduleRequest.self))
        case "act": body = .act(try payload(ActRequest.self))
        case "prune": body = .prune(try payload(PruneRequest.self))
        case "export": body = .export(try payload(ExportRequest.self))
        case "forward": body = .forward(try payload(ForwardRequest.self))
        case "relayed": body = .relayed(try payload(RelayedNotice.self))
        case "hasBlob": body = .hasBlob(try payload(BlobQuery.self))
        case "upload": body = .upload(try payload(UploadChunk.self))
        case "download": body = .download(try payload(DownloadRequest.self))
        case "remove-model": body = .removeModel(try payload(RemoveModelRequest.self))
        default:
            throw ProtocolError(.unknownType, "unknown message type '\(type.prefix(64))' (known types: \(RequestBody.typeNames.joined(separator: ", ")))", field: "type")
        }
        return Request(id: id, body)
    }

    /// The integer id of a line, if it has one, even when the rest is invalid.
    public static func idOf(line: Data) -> Int? {
        guard let v = try? JSONDecoder().decode(JSONValue.self, from: line) else { return nil }
        return v["id"]?.intValue
    }
}

// MARK: responses

public struct HelloReply: Codable, Equatable, Sendable {
    public var version: Int
    public var daemon: String
    public var pid: Int
    public init(version: Int, daemon: String, pid: Int) { self.version = version; self.daemon = daemon; self.pid = pid }
}

public struct JobReply: Codable, Equatable, Sendable {
    public var job: JobInfo
    public init(job: JobInfo) { self.job = job }
}

public struct JobListReply: Codable, Equatable, Sendable {
    public var jobs: [JobInfo]
    public init(jobs: [JobInfo]) { self.jobs = jobs }
}

public struct ShowReply: Codable, Equatable, Sendable {
    public var job: JobInfo
    /// text preview (braille scatter of samples and/or the loss curve), rendered by the daemon
    public var preview: String?
    /// the most recent events, oldest first
    public var events: [JobEventMessage]?
    public init(job: JobInfo, preview: String? = nil, events: [JobEventMessage]? = nil) {
        self.job = job; self.preview = preview; self.events = events
    }
}

public struct FollowReply: Codable, Equatable, Sendable {
    /// the job's state now; events after this one follow on the connection
    public var job: JobInfo
    /// recent training losses, oldest first (for a late joiner's sparkline)
    public var recentLosses: [Double]?
    public init(job: JobInfo, recentLosses: [Double]? = nil) { self.job = job; self.recentLosses = recentLosses }
}

public struct RemovedReply: Codable, Equatable, Sendable {
    public var job: String
    public init(job: String) { self.job = job }
}

public struct ModelsReply: Codable, Equatable, Sendable {
    public var models: [ModelInfo]
    public init(models: [ModelInfo]) { self.models = models }
}

public struct InfoReply: Codable, Equatable, Sendable {
    public var info: DaemonInfo
    public init(info: DaemonInfo) { self.info = info }
}

public struct ScheduleReply: Codable, Equatable, Sendable {
    public var schedule: ScheduleInfo
    /// the plot, when requested
    public var svg: String?
    public init(schedule: ScheduleInfo, svg: String? = nil) { self.schedule = schedule; self.svg = svg }
}

public struct ErrorReply: Codable, Equatable, Sendable {
    public var error: ProtocolError
    public init(error: ProtocolError) { self.error = error }
}

public struct EventReply: Codable, Equatable, Sendable {
    public var event: JobEventMessage
    public init(event: JobEventMessage) { self.event = event }
}

public enum ResponseBody: Equatable, Sendable {
    case hello(HelloReply)
    case submitted(JobReply)
    case jobs(JobListReply)
    case job(ShowReply)
    case following(FollowReply)
    case cancelled(JobReply)
    case removed(RemovedReply)
    case resumed(JobReply)
    case models(ModelsReply)
    case info(InfoReply)
    case schedule(ScheduleReply)
    case action(ActReply)
    case pruned(PruneReply)
    case exported(ExportReply)
    case forwarded(ForwardReply)
    case blob(BlobReply)
    case uploaded(UploadReply)
    case downloaded(DownloadReply)
    case resolved(ResolvedReply)
    case modelRemoved(RemoveModelReply)
    case error(ErrorReply)
    case event(EventReply)
    /// a type this client does not know (a newer daemon): ignore it
    case unknown(String)

    public var typeName: String {
        switch self {
        case .hello: return "hello"
        case .submitted: return "submitted"
        case .jobs: return "jobs"
        case .job: return "job"
        case .following: return "following"
        case .cancelled: return "cancelled"
        case .removed: return "removed"
        case .resumed: return "resumed"
        case .models: return "models"
        case .info: return "info"
        case .schedule: return "schedule"
        case .action: return "action"
        case .pruned: return "pruned"
        case .exported: return "exported"
        case .forwarded: return "forwarded"
        case .blob: return "blob"
        case .uploaded: return "uploaded"
        case .downloaded: return "downloaded"
        case .resolved: return "resolved"
        case .modelRemoved: return "model-removed"
        case .error: return "error"
        case .event: return "event"
        case .unknown(let t): return t
        }
    }
}

public struct Response: Codable, Equatable, Sendable {
    /// the id of the request answered; nil for events and for errors about unreadable lines
    public var id: Int?
    public var body: ResponseBody
    public init(id: Int?, _ body: ResponseBody) { self.id = id; self.body = body }

    public static func error(id: Int?, _ e: ProtocolError) -> Response { Response(id: id, .error(ErrorReply(error: e))) }
    public static func event(_ e: JobEventMessage) -> Response { Response(id: nil, .event(EventReply(event: e))) }

    private struct Header: Codable { var id: Int?; var type: String }

    public func encode(to encoder: Encoder) throws {
        try Header(id: id, type: body.typeName).encode(to: encoder)
        switch body {
        case .hello(let p): try p.encode(to: encoder)
        case .submitted(let p), .cancelled(let p), .resumed(let p): try p.encode(to: encoder)
        case .jobs(let p): try p.encode(to: encoder)
        case .job(let p): try p.encode(to: encoder)
        case .following(let p): try p.encode(to: encoder)
        case .removed(let p): try p.encode(to: encoder)
        case .models(let p): try p.encode(to: encoder)
        case .info(let p): try p.encode(to: encoder)
        case .schedule(let p): try p.encode(to: encoder)
        case .action(let p): try p.encode(to: encoder)
        case .pruned(let p): try p.encode(to: encoder)
        case .exported(let p): try p.encode(to: encoder)
        case .forwarded(let p): try p.encode(to: encoder)
        case .blob(let p): try p.encode(to: encoder)
        case .uploaded(let p): try p.encode(to: encoder)
        case .downloaded(let p): try p.encode(to: encoder)
        case .resolved(let p): try p.encode(to: encoder)
        case .modelRemoved(let p): try p.encode(to: encoder)
        case .error(let p): try p.encode(to: encoder)
        case .event(let p): try p.encode(to: encoder)
        case .unknown: break
        }
    }

    public init(from decoder: Decoder) throws {
        let header = try Header(from: decoder)
        id = header.id
        switch header.type {
        case "hello": body = .hello(try HelloReply(from: decoder))
        case "submitted": body = .submitted(try JobReply(from: decoder))
        case "jobs": body = .jobs(try JobListReply(from: decoder))
        case "job": body = .job(try ShowReply(from: decoder))
        case "following": body = .following(try FollowReply(from: decoder))
        case "cancelled": body = .cancelled(try JobReply(from: decoder))
        case "removed": body = .removed(try RemovedReply(from: decoder))
        case "resumed": body = .resumed(try JobReply(from: decoder))
        case "models": body = .models(try ModelsReply(from: decoder))
        case "info": body = .info(try InfoReply(from: decoder))
        case "schedule": body = .schedule(try ScheduleReply(from: decoder))
        case "action": body = .action(try ActReply(from: decoder))
        case "pruned": body = .pruned(try PruneReply(from: decoder))
        case "exported": body = .exported(try ExportReply(from: decoder))
        case "forwarded": body = .forwarded(try ForwardReply(from: decoder))
        case "blob": body = .blob(try BlobReply(from: decoder))
        case "uploaded": body = .uploaded(try UploadReply(from: decoder))
        case "downloaded": body = .downloaded(try DownloadReply(from: decoder))
        case "resolved": body = .resolved(try ResolvedReply(from: decoder))
        case "model-removed": body = .modelRemoved(try RemoveModelReply(from: decoder))
        case "error": body = .error(try ErrorReply(from: decoder))
        case "event": body = .event(try EventReply(from: decoder))
        default: body = .unknown(header.type)
        }
    }
}

// MARK: helpers

func snippet(_ data: Data) -> String {
    let text = String(decoding: data.prefix(60), as: UTF8.self)
    return "'" + text + (data.count > 60 ? "…" : "") + "'"
}

func field(of e: DecodingError) -> String? {
    switch e {
    case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c):
        let f = c.codingPath.map(\.stringValue).joined(separator: ".")
        return f.isEmpty ? nil : f
    case .keyNotFound(let k, _): return k.stringValue
    @unknown default: return nil
    }
}

func describe(_ e: DecodingError) -> String {
    switch e {
    case .typeMismatch(let type, let c):
        return "field '\(c.codingPath.map(\.stringValue).joined(separator: "."))' must be \(typeWord(type))"
    case .valueNotFound(let type, let c):
        return "field '\(c.codingPath.map(\.stringValue).joined(separator: "."))' must be \(typeWord(type)), not null"
    case .keyNotFound(let k, _):
        return "missing field '\(k.stringValue)'"
    case .dataCorrupted(let c):
        let f = c.codingPath.map(\.stringValue).joined(separator: ".")
        return f.isEmpty ? c.debugDescription : "field '\(f)': \(c.debugDescription)"
    @unknown default:
        return "undecodable message"
    }
}

private func typeWord(_ t: Any.Type) -> String {
    let name = String(describing: t)
    if name.hasPrefix("Int") || name.hasPrefix("UInt") { return "an integer" }
    if name == "Double" || name == "Float" { return "a number" }
    if name == "String" { return "a string" }
    if name == "Bool" { return "true or false" }
    if name.hasPrefix("Dictionary") { return "an object" }
    if name.hasPrefix("Array") { return "an array" }
    return "a \(name)"
}
