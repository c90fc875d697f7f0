// JobHelpers.swift — small helpers for tests that run jobs through a real daemon: submit a spec,
// wait for events, follow a job to its end, read a job's files.
import DiffProtocol
import Foundation
import Testing

func trainSpec(name: String, steps: Int, checkpointEvery: Int? = nil, extra: [String: JSONValue] = [:]) -> JSONValue {
    var o: [String: JSONValue] = ["kind": .string("train"), "dataset": .string("ring8"), "steps": .int(Int64(steps)),
                                  "batchSize": .int(128), "width": .int(64), "name": .string(name), "seed": .int(1)]
    if let c = checkpointEvery { o["checkpointEvery"] = .int(Int64(c)) }
    for (k, v) in extra { o[k] = v }
    return .object(o)
}

func submit(_ c: ClientConnection, _ spec: JSONValue) throws -> JobInfo {
    guard case .submitted(let r) = try c.call(.submit(SubmitRequest(spec: spec)), timeout: 60) else {
        throw HarnessError(description: "submit did not answer 'submitted'")
    }
    return r.job
}

/// Follow `job` on a fresh connection until `stop` says so or the job ends; returns what was seen.
func follow(_ d: DaemonProcess, _ job: String, timeout: Double = 180,
            stop: (JobEventMessage) -> Bool = { _ in false }) throws -> (first: JobInfo, events: [JobEventMessage]) {
    let c = try d.connect()
    let id = try c.send(.follow(JobRequest(job: job)))
    var events: [JobEventMessage] = []
    let first = try c.response(to: id, timeout: 30) { events.append($0) }
    guard case .following(let f) = first else { throw HarnessError(description: "follow answered \(first.typeName)") }
    let deadline = Date().addingTimeInterval(timeout)
    if events.contains(where: { $0.state?.isTerminal == true || stop($0) }) { return (f.job, events) }
    while Date() < deadline {
        guard let r = try c.receive(timeout: max(0.1, deadline.timeIntervalSinceNow)) else { continue }
        guard let e = r.event, e.job == f.job.id else { continue }
        events.append(e)
        if e.state?.isTerminal == true || stop(e) { return (f.job, events) }
    }
    throw HarnessError(description: "job \(job) did not finish within \(timeout) s; log:\n\(d.log.suffix(3000))")
}

func jobInfo(_ d: DaemonProcess, _ job: String) throws -> JobInfo {
    guard case .job(let s) = try d.connect().call(.show(ShowRequest(job: job)), timeout: 30) else {
        throw HarnessError(description: "show failed")
    }
    return s.job
}

/// Steps in loss.csv (header step,loss,lr).
func lossSteps(_ path: String) throws -> [Int] {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    let lines = text.split(separator: "\n")
    #expect(lines.first == "step,loss,lr")
    return lines.dropFirst().compactMap { Int($0.split(separator: ",")[0]) }
}

/// Status as stored on disk (what survives a crash).
func storedStatus(_ d: DaemonProcess, _ job: String) throws -> JobInfo {
    try JSONDecoder().decode(JobInfo.self, from: Data(contentsOf: URL(fileURLWithPath: "\(d.stateDir)/jobs/\(job)/status.json")))
}
