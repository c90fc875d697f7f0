// JobStore.swift — the state directory on disk:
//   <state>/jobs/<id>/spec.json      the accepted spec (written once, atomically), as the job runs it
//   <state>/jobs/<id>/client-spec.json  the spec as the client sent it, when they differ (files the
//                                    client passed: the job reads its copies in inputs/)
//   <state>/jobs/<id>/inputs/        copies of the files the client passed (ClientFiles)
//   <state>/jobs/<id>/status.json    the job's JobInfo without its spec (atomic rewrite per change)
//   <state>/jobs/<id>/events.jsonl   every event, one JSON line each (a torn last line is skipped)
//   <state>/jobs/<id>/...            the runner's checkpoints, loss.csv, samples, plots
//   <state>/models/<name>/           named models written by train jobs
//   <state>/next-id                  the job-id counter
import DiffProtocol
import Jobs
import DiffusionCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

final class JobStore: @unchecked Sendable {
    let root: String
    var jobsDir: String { root + "/jobs" }
    var modelsDir: String { root + "/models" }
    private let lock = NSLock()

    /// what the start-up sweep of interrupted atomic writes removed
    private(set) var staleTempFiles = (files: 0, bytes: 0)

    /// `group`: the socket_group, which may read (not write) jobs and models; see StateDirHygiene.
    init(root: String, group: gid_t? = nil) throws {
        self.root = root
        try AtomicFile.makeDirectory(root, mode: 0o700)
        try AtomicFile.makeDirectory(root + "/jobs", mode: 0o700)
        try AtomicFile.makeDirectory(root + "/models", mode: 0o700)
        // one daemon per state directory, whatever its socket
        let fd = open(root + "/daemon.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw posixError("open \(root)/daemon.lock") }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            close(fd)
            throw POSIXFailure(description: "another diffusiond is using this state directory (\(root)/daemon.lock is locked)")
        }
        lockFD = fd
        StateDirHygiene.tighten([root, root + "/jobs", root + "/models"], group: group)
        staleTempFiles = StateDirHygiene.removeStaleTempFiles(under: root)
    }
    private let lockFD: Int32

    func jobDir(_ id: String) -> String { jobsDir + "/" + id }

    /// A fresh id ("j1", "j2", ...), never reused even after removals.
    func nextID() throws -> String {
        lock.lock(); defer { lock.unlock() }
        let path = root + "/next-id"
        var n = FileManager.default.contents(atPath: path)
            .flatMap { Int(String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 1
        while FileManager.default.fileExists(atPath: jobDir("j\(n)")) { n += 1 }
        try AtomicFile.write(Data("\(n + 1)\n".utf8), to: path)
        return "j\(n)"
    }

    /// `inputs`: a staging directory (makeStaging) that becomes the job's inputs/, in place
    /// before spec.json names it; `clientSpec`: the spec as the client sent it, when it differs.
    func create(id: String, spec: Data, clientSpec: Data? = nil, inputs: String? = nil) throws {
        try AtomicFile.makeDirectory(jobDir(id), mode: 0o755)
        if let inputs {
            guard rename(inputs, jobDir(id) + "/inputs") == 0 else { throw posixError("rename \(inputs)") }
        }
        if let clientSpec { try AtomicFile.write(clientSpec, to: jobDir(id) + "/client-spec.json") }
        try AtomicFile.write(spec, to: jobDir(id) + "/spec.json")
    }

    /// A fresh private directory for files a client passes with a submit, until the job exists.
    func makeStaging() throws -> String {
        let path = jobsDir + "/.upload-\(getpid())-\(UUID().uuidString.prefix(8))"
        try AtomicFile.makeDirectory(path, mode: 0o700)
        return path
    }

    /// The spec as the client sent it, when it differs from spec.json.
    func clientSpec(_ id: String) -> Data? { FileManager.default.contents(atPath: jobDir(id) + "/client-spec.json") }

    func save(_ info: JobInfo) throws {
        var copy = info
        copy.spec = nil
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        try AtomicFile.write(try enc.encode(copy), to: jobDir(info.id) + "/status.json")
    }

    /// Every job on disk with its spec bytes; unreadable entries are reported, not fatal.
    func loadAll(onProblem: (String, String) -> Void) -> [(info: JobInfo, spec: Data)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: jobsDir)) ?? []
        var out: [(JobInfo, Data)] = []
        for id in names where !id.hasPrefix(".") {
            let dir = jobDir(id)
            guard let spec = FileManager.default.contents(atPath: dir + "/spec.json") else {
                onProblem(id, "no spec.json; skipped"); continue
            }
            guard let data = FileManager.default.contents(atPath: dir + "/status.json"),
                  let info = try? JSONDecoder().decode(JobInfo.self, from: data) else {
                onProblem(id, "status.json missing or unreadable; skipped"); continue
            }
            out.append((info, spec))
        }
        return out
    }

    func appendEvent(_ e: JobEventMessage) {
        let line = Wire.line(e)
        let fd = open(jobDir(e.job) + "/events.jsonl", O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        _ = line.withUnsafeBytes { Glibc.write(fd, $0.baseAddress!, line.count) }
        close(fd)
    }

    /// The last `count` readable events of a job, oldest first.
    func events(_ id: String, last count: Int) -> [JobEventMessage] {
        guard count > 0, let data = FileManager.default.contents(atPath: jobDir(id) + "/events.jsonl") else { return [] }
        let dec = JSONDecoder()
        var out: [JobEventMessage] = []
        for line in data.split(separator: 0x0A).reversed() {
            if let e = try? dec.decode(JobEventMessage.self, from: Data(line)) { out.append(e) }
            if out.count == count { break }
        }
        return out.reversed()
    }

    /// Remove a job's directory: renamed aside first so a crash never leaves half a job.
    func remove(_ id: String) throws {
        let trash = jobsDir + "/.removed-\(id)-\(getpid())"
        if rename(jobDir(id), trash) != 0 { throw posixError("remove \(jobDir(id))") }
        AtomicFile.syncDirectory(jobsDir)
        try? FileManager.default.removeItem(atPath: trash)
    }

    /// Left-overs of removals and submits interrupted by a crash.
    func sweep() {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: jobsDir)) ?? [] where name.hasPrefix(".removed-") || name.hasPrefix(".upload-") {
            try? FileManager.default.removeItem(atPath: jobsDir + "/" + name)
        }
    }

    /// Every version of every named model with its metadata (the layout is ModelStore's).
    func models() -> [ModelInfo] {
        ModelStore.versionFolders(modelsDir: URL(fileURLWithPath: modelsDir)).map { name, version, dir in
            let metaPath = dir.appendingPathComponent(ModelStore.metadataFile).path
            let meta = FileManager.default.contents(atPath: metaPath).flatMap { try? JSONDecoder().decode(JSONValue.self, from: $0) }
            let attrs = try? FileManager.default.attributesOfItem(atPath: FileManager.default.fileExists(atPath: metaPath) ? metaPath : dir.path)
            let mtime = (attrs?[.modificationDate] as? Date)?.timeIntervalSince1970
            return ModelInfo(name: name, version: version, path: dir.path, modifiedAt: mtime, metadata: meta)
        }
    }
}
