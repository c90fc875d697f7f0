// JobSubmission.swift — accepting a job: decode and validate the client's spec, copy the files the
// client passed (ClientFiles) into the job's inputs/ so the job reads its own copies, write the job
// to the state directory and queue it; and, when a sample job succeeds, hand its samples to the
// `out` file the client passed open.
import DiffProtocol
import Foundation
import Jobs
#if canImport(Glibc)
import Glibc
#endif

extension JobManager {
    /// `files`: descriptors the client passed; an accepted job takes `out`, the caller closes the rest.
    /// `dryRun`: every check of a real submit, then the resolved spec instead of a queued job.
    func submit(specValue: JSONValue, owner: uid_t? = nil, files: PassedFiles = PassedFiles(), dryRun: Bool = false) throws -> SubmitResult {
        submitLock.lock()   // model versions are picked and the job queued as one step
        defer { submitLock.unlock() }
        guard case .object(var object) = specValue else {
            throw ProtocolError(.invalidParameter, "spec must be a JSON object with a \"kind\"", field: "spec")
        }
        if object["kind"] == nil {
            throw ProtocolError(.invalidParameter, "spec has no \"kind\" (train, sample or eval)", field: "kind")
        }
        object = object.filter { $0.value != .null }
        let passedCount = files.inputs.count + (files.out == nil ? 0 : 1)
        let clientSpec: JobSpec
        do { clientSpec = try JobSpec.decode(JSONValue.object(object).jsonData()) } catch let e as JobError {
            throw JobManager.protocolError(e)
        }

        // the passed files: inputs copied into a staging directory, `out` written there by the job
        var runObject = object
        var staging: String?
        var renames: [(from: String, to: String)] = []   // staging path → the client's name, for messages
        defer { if let staging { try? FileManager.default.removeItem(atPath: staging) } }
        if !files.isEmpty {
            let dir = try ioGuard { try store.makeStaging() }
            staging = dir
            for (key, copy) in try ClientFiles.copyInputs(files, spec: object, into: dir, limit: config.memoryBudgetBytes) {
                runObject[key] = .string(copy)
                renames.append((copy, object[key]?.stringValue ?? key))
            }
            if let fd = files.out, let name = clientSpec.out {
                let ext = (name as NSString).pathExtension.lowercased()
                guard ext == "csv" || ext == "npy" else { throw ProtocolError(.invalidParameter, "invalid parameter 'out': '\(name)' must end in .csv or .npy", field: "out") }
                try ClientFiles.checkOut(fd, name: name, stateDir: store.root)
                runObject["out"] = .string(dir + "/out." + ext)
                runObject["force"] = .bool(true)   // the client created (or, with force, opened) its own file
                renames.append((dir + "/out." + ext, name))
            } else if files.keepOut, let name = clientSpec.out {
                // remote use: written in the job directory (an output named "out"), downloaded by the client
                let ext = (name as NSString).pathExtension.lowercased()
                guard ext == "csv" || ext == "npy" else { throw ProtocolError(.invalidParameter, "invalid parameter '--out': '\(name)' must end in .csv or .npy", field: "out") }
                runObject["out"] = .string(dir + "/out." + ext)
                runObject["force"] = .bool(true)
                renames.append((dir + "/out." + ext, name))
            }
        }
        var spec: JobSpec
        do {
            spec = try JobSpec.decode(JSONValue.object(runObject).jsonData())
            try JobRunner.validate(spec)
        } catch let e as JobError {
            var p = JobManager.protocolError(e)
            for r in renames { p.message = p.message.replacingOccurrences(of: r.from, with: r.to) }
            throw p
        }
        var modelUsed: String?
        do { modelUsed = try resolveModel(&spec, clientModel: clientSpec.model) } catch var p as ProtocolError {
            for r in renames { p.message = p.message.replacingOccurrences(of: r.from, with: r.to) }
            throw p
        }
        try checkMemory(spec)
        if dryRun { return .resolved(resolvedSpec(spec, client: object) ?? .object(object)) }
        if isStopping { throw ProtocolError(.shuttingDown, "the daemon is shutting down and accepts no new jobs") }

        let id = try ioGuard { try store.nextID() }
        var clientData: Data?
        if let staging {
            // the job's own paths: inputs/<field>.<ext> and out.<ext> in its directory
            let dir = store.jobDir(id)
            func moved(_ p: String?) -> String? { p.map { $0.hasPrefix(staging + "/out.") ? dir + "/" + ($0 as NSString).lastPathComponent : $0.replacingOccurrences(of: staging, with: dir + "/inputs") } }
            spec.dataset = moved(spec.dataset); spec.conditionFile = moved(spec.conditionFile)
            spec.samples = moved(spec.samples); spec.out = moved(spec.out)
            if let m = spec.model, ModelStore.isPath(m) { spec.model = moved(m) }
            clientData = clientSpec.encoded()
        }
        let specData = spec.encoded()
        try ioGuard { try store.create(id: id, spec: specData, clientSpec: clientData, inputs: staging) }
        staging = nil   // it is the job's inputs/ now
        var info = JobInfo(id: id, kind: spec.kind.rawValue, state: .queued)
        info.spec = try? JSONDecoder().decode(JSONValue.self, from: clientData ?? specData)
        info.resolvedSpec = resolvedSpec(spec, client: object)
        info.createdAt = Date().timeIntervalSince1970
        info.attempts = 0
        info.runSeconds = 0
        info.jobDir = store.jobDir(id)
        info.total = spec.steps
        info.owner = owner.map { UInt32($0) }
        info.model = modelUsed
        try ioGuard { try store.save(info) }
        let entry = JobEntry(info: info, spec: spec)
        if files.out != nil {
            entry.deliverOut = clientSpec.out
            entry.outFD = files.takeOut()
        }
        var e = JobEventMessage(job: id, kind: "state", time: info.createdAt)
        e.state = .queued
        store.appendEvent(e)
        enqueueNew(entry)
        log.info("job submitted", ["job": id, "kind": spec.kind.rawValue, "name": spec.name, "model": spec.model,
                                   "dataset": clientSpec.dataset, "passed_files": passedCount == 0 ? nil : passedCount])
        return .queued(entry)
    }

    /// A succeeded sample job whose client passed `out`: write the samples into that descriptor.
    /// Returns why the job fails instead, or nil. Without the descriptor (the daemon restarted
    /// since the submit) the samples stay in the job directory and the job's events say so.
    func deliverOut(_ entry: JobEntry) -> String? {
        entry.lock.lock()
        let target = entry.deliverOut, fd = entry.outFD
        entry.lock.unlock()
        guard let target, let file = entry.spec.out else { return nil }
        guard let fd else {
            handle(JobEvent(kind: .log, message: "out not delivered: the daemon restarted (or the job was resumed) since the submit, so the file \(target) it was given is no longer open; copy the samples with diffctl get \(entry.info.id) DIR"), entry)
            return nil
        }
        do { try ClientFiles.deliver(file, to: fd) } catch { return "cannot write \(target): \(error)" }
        handle(JobEvent(kind: .log, message: "samples written to \(target) (the file the client passed)"), entry)
        return nil
    }
}
