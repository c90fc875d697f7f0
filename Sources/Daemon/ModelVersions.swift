// ModelVersions.swift — the daemon's side of versioned models: at submit, a train (or gmm) job
// under a name that exists (on disk, or as the output of a queued or running job) is refused
// unless it asks for a new version, and gets the next version number; a job that uses a model
// is pinned to the exact version NAME (latest) or NAME@V means then, and checked against that
// version's metadata (ModelChecks). `models rm` refuses a version a live job uses or produces.
import DiffProtocol
import DiffusionCore
import Foundation
import Jobs

extension JobManager {
    var modelsURL: URL { URL(fileURLWithPath: store.modelsDir) }

    /// Versions of `name` that queued or running train/gmm jobs will write, with their job ids.
    func pendingVersions(_ name: String) -> [(version: Int, job: String)] {
        liveEntries().compactMap { e in
            guard e.spec.kind == .train || e.spec.kind == .gmm, e.spec.name == name else { return nil }
            return (e.spec.version ?? 1, e.info.id)
        }
    }

    /// Entries not yet finished (queued or running), with their state read under their lock.
    func liveEntries() -> [JobEntry] {
        lock.lock()
        let all = Array(jobs.values)
        lock.unlock()
        return all.filter { e in e.lock.lock(); defer { e.lock.unlock() }; return !e.info.state.isTerminal }
    }

    /// Resolves the model side of a spec at submit (the caller holds `submitLock`): assigns a
    /// train/gmm job its version, pins a sample/sweep/eval job's model to an exact version and
    /// checks the spec against that version. Returns what the job records (name@v, or the file).
    /// `clientModel`: the client's own name for a checkpoint file it passed.
    func resolveModel(_ spec: inout JobSpec, clientModel: String?) throws -> String? {
        switch spec.kind {
        case .train, .gmm:
            guard let name = spec.name else { return nil }
            let onDisk = ModelStore.versions(name, modelsDir: modelsURL)
            let pending = pendingVersions(name)
            let latest = max(onDisk.last ?? 0, pending.map(\.version).max() ?? 0)
            if latest > 0 && spec.newVersion != true {
                let by: String
                if let p = pending.first(where: { $0.version == latest }) {
                    by = "job \(p.job) (still \(entry(p.job)?.snapshot().state.rawValue ?? "queued")) will save \(name)@\(latest)"
                } else {
                    let job = ModelStore.metadata("\(name)@\(latest)", modelsDir: modelsURL)?.jobID ?? "?"
                    by = "\(name)@\(latest) was trained by job \(job)"
                }
                throw ProtocolError(.conflict, "a model named '\(name)' already exists: \(by). Pass --new-version to save this one as \(name)@\(latest + 1), or choose another --name (nothing is overwritten)", field: "name")
            }
            spec.version = latest + 1
            return "\(name)@\(latest + 1)"
        case .sample, .sweep, .eval:
            do { try ModelChecks.checkEval(spec) } catch JobError.invalid(let field, let message) {
                throw ProtocolError(.invalidParameter, message, field: field)
            }
            guard let ref = spec.model else { return nil }
            if ModelStore.isPath(ref) {
                let shown = clientModel ?? ref
                let model: StoredModel
                do { model = try ModelStore.loadFile(URL(fileURLWithPath: ref), describedAs: "--model '\(shown)'") } catch let e as JobError {
                    throw ProtocolError(.invalidParameter, e.description, field: "model")
                }
                try checkAgainst(spec, model.metadata, reference: "'\(shown)'")
                return shown
            }
            let (name, version): (String, Int?)
            do { (name, version) = try ModelStore.parse(ref) } catch let e as JobError { throw JobManager.protocolError(e) }
            let onDisk = ModelStore.versions(name, modelsDir: modelsURL)
            let pending = pendingVersions(name).map(\.version)
            let all = Set(onDisk + pending).sorted()
            let v: Int
            if let version {
                guard all.contains(version) else {
                    throw ProtocolError(.notFound, "no model '\(ref)'" + (all.isEmpty ? " (see diffctl models; train one with --name \(name))" : " (versions of \(name): \(all.map { "\(name)@\($0)" }.joined(separator: ", ")))"), field: "model")
                }
                v = version
            } else {
                guard let last = all.last else {
                    throw ProtocolError(.notFound, "no model '\(name)' (see diffctl models; train one with --name \(name))", field: "model")
                }
                v = last
            }
            spec.model = "\(name)@\(v)"
            // a version still being trained is checked when its job samples it
            if onDisk.contains(v), let meta = ModelStore.metadata("\(name)@\(v)", modelsDir: modelsURL) {
                try checkAgainst(spec, meta, reference: "\(name)@\(v)")
            }
            return "\(name)@\(v)"
        }
    }

    private func checkAgainst(_ spec: JobSpec, _ meta: ModelMetadata, reference: String) throws {
        var conditionDim: Int?
        if let file = spec.conditionFile {
            // the job's own copy (or the daemon user's path); an unreadable file is left to the job's message
            conditionDim = try? DataLoader.load(path: file).dim
        }
        do { try ModelChecks.check(spec, model: meta, reference: reference, conditionDim: conditionDim) } catch JobError.invalid(let field, let message) {
            throw ProtocolError(.invalidParameter, message, field: field)   // the message names the flag
        }
    }

    /// `diffctl models rm NAME[@V]`: refused while a queued or running job uses or produces it.
    func removeModel(_ ref: String) throws -> [String] {
        submitLock.lock()
        defer { submitLock.unlock() }
        let (name, version): (String, Int?)
        do { (name, version) = try ModelStore.parse(ref) } catch let e as JobError { throw JobManager.protocolError(e) }
        var blockers: [String] = []
        var firstID: String?
        for e in liveEntries() {
            let info = e.snapshot()
            guard let used = info.model, let at = used.lastIndex(of: "@"), String(used[..<at]) == name else { continue }
            if let version, Int(used[used.index(after: at)...]) != version { continue }
            let how = e.spec.kind == .train || e.spec.kind == .gmm ? "produces" : "uses"
            blockers.append("job \(info.id) (\(info.state.rawValue)) \(how) \(used)")
            if firstID == nil { firstID = info.id }
        }
        if let firstID {
            // every blocking job is named, so one refusal tells the whole story
            let cancel = blockers.count == 1 ? "diffctl cancel \(firstID)" : "diffctl cancel JOB"
            throw ProtocolError(.conflict, "model \(ref) is in use: \(blockers.joined(separator: ", ")); wait for them or cancel them (\(cancel)) first", field: "model")
        }
        do { return try ModelStore.remove(ref, modelsDir: modelsURL) } catch let e as JobError {
            throw JobManager.protocolError(e)
        } catch {
            throw ProtocolError(.internalError, "cannot remove model \(ref): \(error)")
        }
    }
}
