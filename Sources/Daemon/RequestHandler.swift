// RequestHandler.swift — turns one framed line from a client into replies. Every malformed,
// unknown, oversized or invalid message gets an error reply saying what is wrong; nothing a
// client sends can stop the daemon or touch another client's jobs.
import DiffProtocol
import Foundation
import Jobs

final class RequestHandler: @unchecked Sendable {
    let manager: JobManager
    let log: Logger
    let info: () -> DaemonInfo
    /// policy requests run here, on the requesting connection's thread, on a one-thread CPU backend
    let policies: PolicyServer
    /// export and forward (ExportRequests.swift)
    let exports: ExportRequests
    /// uploads of remote clients (Uploads.swift); nil when uploads/ cannot be made
    let blobs: BlobStore?

    init(manager: JobManager, log: Logger, info: @escaping () -> DaemonInfo) {
        self.manager = manager; self.log = log; self.info = info
        policies = PolicyServer(backend: JobReports.policyBackend(), modelsDir: URL(fileURLWithPath: manager.store.modelsDir))
        exports = ExportRequests(modelsDir: URL(fileURLWithPath: manager.store.modelsDir), stateDir: manager.store.root)
        blobs = try? BlobStore(root: manager.store.root, limit: manager.config.uploadLimitBytes)
    }

    /// One frame from `conn`. `files`: descriptors the client passed (SCM_RIGHTS) with the bytes
    /// of this frame; the handler owns them.
    func handle(_ frame: Frame, files: [Int32], from conn: Connection) {
        // only a submit (ClientFiles) and an export take descriptors; whatever nobody claims is closed here
        var unclaimed = files
        defer {
            if !unclaimed.isEmpty {
                var id: Int?
                if case .line(let l) = frame { id = Request.idOf(line: l) }
                log.debug("request carried file descriptors it does not use; closed", ["conn": conn.number, "id": id, "count": unclaimed.count])
                for f in unclaimed { close(f) }
            }
        }
        switch frame {
        case .oversized(let bytes):
            reject(conn, id: nil, ProtocolError(.messageTooLarge, "message of \(bytes) bytes exceeds the limit of \(Wire.maxMessageBytes) bytes; it was discarded"))
        case .line(let line):
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return }   // blank lines are keep-alives
            let request: Request
            do { request = try Request.decode(line: line) } catch let e as ProtocolError {
                reject(conn, id: Request.idOf(line: line), e); return
            } catch {
                reject(conn, id: nil, ProtocolError(.badJSON, "unreadable message")); return
            }
            do { try dispatch(request, conn, files: &unclaimed) } catch let e as ProtocolError {
                reject(conn, id: request.id, e)
            } catch {
                reject(conn, id: request.id, ProtocolError(.internalError, "\(error)"))
            }
        }
    }

    private func uploadStore() throws -> BlobStore {
        guard let blobs else { throw ProtocolError(.internalError, "this daemon cannot store uploads (\(manager.store.root)/uploads cannot be made)") }
        return blobs
    }

    private func reject(_ conn: Connection, id: Int?, _ e: ProtocolError) {
        log.info("request refused", ["conn": conn.number, "code": e.code.rawValue, "error": e.message])
        conn.send(.error(id: id, e))
    }

    private func dispatch(_ request: Request, _ conn: Connection, files: inout [Int32]) throws {
        let id = request.id
        if case .hello(let h) = request.body {
            guard h.version == Wire.protocolVersion else {
                throw ProtocolError(.versionMismatch, "client speaks protocol \(h.version), this daemon speaks \(Wire.protocolVersion); upgrade the older side")
            }
            conn.greeted = true
            log.debug("client hello", ["conn": conn.number, "client": h.client, "uid": conn.peer.uid, "pid": conn.peer.pid])
            conn.send(Response(id: id, .hello(HelloReply(version: Wire.protocolVersion, daemon: DaemonVersion.string, pid: Int(getpid())))))
            return
        }
        if case .relayed(let r) = request.body {
            // the relay's first line, before the client's hello (diffusiond dial-stdio); no reply
            guard !conn.greeted else { throw ProtocolError(.invalidRequest, "'relayed' comes from the relay, before hello") }
            conn.relayed = r
            log.info("remote client", ["conn": conn.number, "via": r.via, "from": r.from, "uid": conn.peer.uid])
            return
        }
        guard conn.greeted else {
            throw ProtocolError(.helloRequired, "send {\"type\":\"hello\",\"version\":\(Wire.protocolVersion)} before '\(request.body.typeName)'")
        }
        switch request.body {
        case .hello, .relayed: break
        case .submit(let s):
            let fds = files
            files = []
            let passed = try PassedFiles(names: s.files ?? [], fds: fds)
            defer { passed.close() }   // inputs are copied by now; an accepted job has taken `out`
            if let uploads = s.uploads, !uploads.isEmpty { try uploadStore().open(uploads, into: passed) }
            passed.keepOut = s.keepOut == true && s.dryRun != true
            // a dry run writes nothing: its `out` is only named (the client did not create it)
            let spec = s.dryRun == true ? s.spec.removingKeys(["out", "force"]) : s.spec
            try SubmitChecks.check(spec, peer: conn.peer, stateDir: manager.store.root, passed: passed, remote: conn.isRemote)
            let result = try manager.submit(specValue: spec, owner: conn.peer.uid, files: passed, dryRun: s.dryRun == true)
            guard case .queued(let entry) = result else {
                if case .resolved(let r) = result {
                    conn.send(Response(id: id, .resolved(ResolvedReply(kind: s.spec["kind"]?.stringValue ?? "?", spec: r.merging(s.spec, keys: ["out", "force"]), given: s.spec))))
                }
                return
            }
            conn.send(Response(id: id, .submitted(JobReply(job: entry.snapshot()))))
            if s.follow == true { try manager.follow(entry.info.id, conn: conn, requestID: nil) }
            manager.pump()
        case .jobs:
            conn.send(Response(id: id, .jobs(JobListReply(jobs: manager.list()))))
        case .show(let s):
            let entry = try manager.find(s.job)
            let job = entry.snapshot()
            var preview: String?
            if let w = s.previewWidth {
                let width = min(max(w, 10), 400), height = min(max(s.previewHeight ?? 16, 4), 200)
                preview = JobReports.preview(jobDir: URL(fileURLWithPath: manager.store.jobDir(job.id)), width: width, height: height)
            }
            let events = manager.store.events(job.id, last: min(max(s.events ?? 0, 0), 10_000))
            conn.send(Response(id: id, .job(ShowReply(job: job, preview: preview, events: events.isEmpty ? nil : events))))
        case .follow(let f):
            try manager.follow(f.job, conn: conn, requestID: id)
        case .cancel(let c):
            conn.send(Response(id: id, .cancelled(JobReply(job: try manager.cancel(c.job, by: conn.peer.uid)))))
        case .remove(let r):
            conn.send(Response(id: id, .removed(RemovedReply(job: try manager.remove(r.job, by: conn.peer.uid)))))
        case .resume(let r):
            conn.send(Response(id: id, .resumed(JobReply(job: try manager.resume(r.job, by: conn.peer.uid)))))
            manager.pump()
        case .models:
            conn.send(Response(id: id, .models(ModelsReply(models: manager.store.models()))))
        case .info:
            conn.send(Response(id: id, .info(InfoReply(info: info()))))
        case .schedule(let s):
            guard case .object(var object) = s.spec else {
                throw ProtocolError(.invalidParameter, "schedule spec must be a JSON object", field: "spec")
            }
            if object["kind"] == nil { object["kind"] = .string("train") }
            do {
                let spec = try JobSpec.decode(JSONValue.object(object).jsonData())
                let report = try JobReports.schedule(spec)
                let svg = s.plot == true ? try JobReports.schedulePlot(spec) : nil
                conn.send(Response(id: id, .schedule(ScheduleReply(schedule: ScheduleInfo(report), svg: svg))))
            } catch let e as JobError { throw JobManager.protocolError(e) }
        case .prune(let p):
            let states = p.states.map { $0.map { JobState(rawValue: $0) } }
            conn.send(Response(id: id, .pruned(try manager.prune(olderThan: p.olderThan ?? 0, states: states, by: conn.peer.uid))))
        case .hasBlob(let q):
            conn.send(Response(id: id, .blob(try uploadStore().query(q))))
        case .upload(let u):
            let r = try uploadStore().receive(u, conn: conn.number)
            if r.complete { log.info("upload stored", ["conn": conn.number, "sha256": u.sha256, "bytes": u.size]) }
            conn.send(Response(id: id, .uploaded(r)))
        case .download(let d):
            let job = try manager.find(d.job).snapshot()
            conn.send(Response(id: id, .downloaded(try Downloads.piece(d, outputs: job.outputs ?? [:], stateDir: manager.store.root))))
        case .act(let a):
            do {
                let r = try policies.act(model: a.model, observation: a.observation.map { Float($0) }, sampler: a.sampler,
                                         steps: a.steps ?? 10, seed: a.seed ?? 0)
                let check = r.check.map { ActCheck(side: $0.side, collides: $0.collides, reachesGoal: $0.reachesGoal) }
                conn.send(Response(id: id, .action(ActReply(action: r.action.map { Double($0) }, sampler: r.sampler,
                                                            steps: r.steps, microseconds: r.microseconds, check: check))))
            } catch let e as JobError { throw JobManager.protocolError(e) }
        case .export(let e):
            let fds = files
            files = []
            conn.send(Response(id: id, .exported(try exports.export(e, fds: fds))))
        case .forward(let f):
            conn.send(Response(id: id, .forwarded(try exports.forward(f))))
        case .removeModel(let r):
            conn.send(Response(id: id, .modelRemoved(RemoveModelReply(removed: try manager.removeModel(r.model)))))
        }
    }
}

extension ScheduleInfo {
    init(_ r: ScheduleReport) {
        self.init(schedule: r.schedule, timesteps: r.timesteps, alphaBarFirst: r.alphaBarFirst, alphaBarLast: r.alphaBarLast,
                  snrMax: r.snrMax, snrMin: r.snrMin, warnings: r.warnings, rows: r.rows)
    }
}

extension BackendInfo {
    init(_ r: BackendReport) {
        self.init(requested: r.requested, selected: r.selected, deviceName: r.deviceName, deviceType: r.deviceType,
                  detail: r.detail, reason: r.reason, vulkanDevices: r.vulkanDevices)
    }
}
