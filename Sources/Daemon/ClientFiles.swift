// ClientFiles.swift — files a client passed as open descriptors with a submit (SCM_RIGHTS), so the
// daemon never opens a client-named path with its own rights. Inputs (dataset, conditionFile,
// samples) are copied into the job's directory at submit (the job reads its own copy, also after a
// daemon restart); an `out` descriptor stays open with the job and receives the samples when it
// succeeds. A spec that names a file with no descriptor is only accepted from root or the daemon's
// own user (who could open the path anyway); anyone else must pass the file.
import DiffProtocol
import Foundation
import Jobs
#if canImport(Glibc)
import Glibc
#endif

/// The descriptors of one submit by spec field. Whoever holds it calls `close()`; the job takes
/// `out` with `takeOut()` once it is accepted.
final class PassedFiles {
    static let inputKeys = ["dataset", "conditionFile", "samples", "model"]
    private(set) var inputs: [String: Int32] = [:]
    private(set) var out: Int32?

    init() {}

    /// `names[i]` is the spec field of `fds[i]`. On a mismatch every descriptor is closed.
    init(names: [String], fds: [Int32]) throws {
        func refuse(_ message: String) -> ProtocolError {
            for fd in fds { Glibc.close(fd) }
            return ProtocolError(.invalidParameter, message, field: "files")
        }
        guard names.count == fds.count else {
            throw refuse("the request passed \(fds.count) open file(s) but 'files' names \(names.count); name the spec field of each, in order")
        }
        for (name, fd) in zip(names, fds) {
            if name == "out" {
                guard out == nil else { throw refuse("'files' names 'out' twice") }
                out = fd
            } else if PassedFiles.inputKeys.contains(name) {
                guard inputs[name] == nil else { throw refuse("'files' names '\(name)' twice") }
                inputs[name] = fd
            } else {
                throw refuse("'files' names '\(name)', which is not a file field (dataset, conditionFile, samples, model, out)")
            }
        }
    }

    /// remote use (SubmitRequest.keepOut): `out` is written in the job's directory for the client
    /// to download; no descriptor
    var keepOut = false

    var isEmpty: Bool { inputs.isEmpty && out == nil && !keepOut }
    func has(_ key: String) -> Bool { key == "out" ? out != nil || keepOut : inputs[key] != nil }

    /// Take `fd` as the file of input field `key` (an uploaded blob opened by the daemon).
    func adopt(_ key: String, _ fd: Int32) throws {
        guard PassedFiles.inputKeys.contains(key), inputs[key] == nil else {
            Glibc.close(fd)
            throw ProtocolError(.invalidParameter, "'\(key)' came twice (open file and upload)", field: key)
        }
        inputs[key] = fd
    }

    func takeOut() -> Int32? { defer { out = nil }; return out }

    func close() {
        for fd in inputs.values { Glibc.close(fd) }
        inputs = [:]
        if let o = out { Glibc.close(o) }
        out = nil
    }
}

enum ClientFiles {
    /// Whether spec field `key` with `value` names a file (a dataset can also be a built-in name).
    static func namesFile(_ key: String, _ value: String) -> Bool {
        guard !value.isEmpty else { return false }
        if key == "model" { return value.contains("/") || value.lowercased().hasSuffix(".ckpt") }   // else a model name
        guard key == "dataset" else { return true }
        let v = value.lowercased()
        return value.contains("/") || v.hasSuffix(".csv") || v.hasSuffix(".npy")
    }

    /// Every passed descriptor belongs to a file the spec names; every file the spec names came
    /// as a descriptor, unless the client is root or the daemon's own user.
    /// `remote`: the client is on another machine (relayed): a path it names is never opened here,
    /// whoever it is; its files must come as uploads.
    static func checkCoverage(_ o: [String: JSONValue], passed: PassedFiles, peer: PeerCredentials, remote: Bool = false) throws {
        for key in PassedFiles.inputKeys + ["out"] {
            let value = o[key]?.stringValue
            let named = value.map { namesFile(key, $0) } ?? false
            if passed.has(key) && !named {
                throw ProtocolError(.invalidParameter, "an open file was passed for '\(key)' but the spec names no file there", field: key)
            }
            if remote, !passed.has(key), named, let value {
                let how = key == "out"
                    ? "the samples are written in the job's directory and downloaded (diffctl --host does this; or leave out \(ClientFlags.name(key)) and use diffctl get)"
                    : "the file must be uploaded first (diffctl --host does this)"
                throw ProtocolError(.permissionDenied, "invalid parameter '\(ClientFlags.name(key))': '\(value)' is a path on the client's machine, and this daemon is reached remotely, so it opens no path a client names; \(how)", field: key)
            }
            if !passed.has(key), named, let value, peer.uid != 0, peer.uid != geteuid() {
                throw ProtocolError(.permissionDenied, "invalid parameter '\(key)': '\(value)' is a path, and this daemon opens no files for \(userDescription(peer.uid)); the client must pass the open file with the submit (diffctl does; upgrade diffctl)", field: key)
            }
        }
    }

    /// The extension a copy of the client's `name` gets (what the loaders go by).
    static func fileExtension(_ name: String) -> String {
        let ext = (name as NSString).pathExtension.lowercased()
        return ext.allSatisfy({ $0.isLetter || $0.isNumber }) && !ext.isEmpty && ext.count <= 8 ? ext : "dat"
    }

    /// Copy each passed input into `dir` as <field>.<ext>; returns field → copy. At most `limit`
    /// bytes each (the memory budget: a job could never load more).
    static func copyInputs(_ passed: PassedFiles, spec o: [String: JSONValue], into dir: String, limit: Double) throws -> [String: String] {
        var copies: [String: String] = [:]
        for key in passed.inputs.keys.sorted() {
            let fd = passed.inputs[key]!
            let name = o[key]?.stringValue ?? key
            var st = stat()
            guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG else {
                throw ProtocolError(.invalidParameter, "invalid parameter '\(key)': '\(name)' is not a regular file", field: key)
            }
            guard Double(st.st_size) <= limit else {
                throw ProtocolError(.tooLarge, "invalid parameter '\(key)': '\(name)' is \(MemoryBudget.text(Double(st.st_size))), more than the memory budget of \(MemoryBudget.text(limit))", field: key)
            }
            let copy = dir + "/\(key).\(fileExtension(name))"
            try copyContents(of: fd, to: copy, limit: Int(limit), field: key, name: name)
            copies[key] = copy
        }
        return copies
    }

    /// The passed `out` must be a regular file open for writing, outside the state directory.
    static func checkOut(_ fd: Int32, name: String, stateDir: String) throws {
        try checkWritable(fd, parameter: "out", described: "'\(name)'", stateDir: stateDir, elsewhere: "write samples elsewhere")
    }

    /// A file a client passed for the daemon to write: a regular file, open for writing, outside
    /// the state directory. `parameter` is the flag or field the error names; `described` the file.
    static func checkWritable(_ fd: Int32, parameter: String, described: String, stateDir: String, elsewhere: String) throws {
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG else {
            throw ProtocolError(.invalidParameter, "invalid parameter '\(parameter)': \(described) is not a regular file", field: "out")
        }
        let mode = fcntl(fd, F_GETFL) & O_ACCMODE
        guard mode == O_WRONLY || mode == O_RDWR else {
            throw ProtocolError(.invalidParameter, "invalid parameter '\(parameter)': \(described) is not open for writing", field: "out")
        }
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/fd/\(fd)", &buf, buf.count - 1)
        if n > 0, SubmitChecks.isInside(String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self), stateDir) {
            throw ProtocolError(.invalidParameter, "invalid parameter '\(parameter)': \(described) is inside the daemon's state directory; \(elsewhere)", field: "out")
        }
    }

    /// Replace the contents of the client's `out` descriptor with the file at `path`.
    static func deliver(_ path: String, to fd: Int32) throws {
        try replaceContents(of: fd, with: try Data(contentsOf: URL(fileURLWithPath: path)), what: "the output")
    }

    /// Truncate the passed descriptor and write `data` from offset 0, then fsync; errors say which
    /// file (`what`) and which call failed.
    static func replaceContents(of fd: Int32, with data: Data, what: String) throws {
        func failure(_ op: String) -> ProtocolError {
            ProtocolError(.internalError, "writing \(what) failed: \(op): \(String(cString: strerror(errno)))")
        }
        guard ftruncate(fd, 0) == 0 else { throw failure("ftruncate") }
        var offset = 0
        while offset < data.count {
            let n = data.withUnsafeBytes { pwrite(fd, $0.baseAddress! + offset, data.count - offset, off_t(offset)) }
            if n < 0 { if errno == EINTR { continue }; throw failure("write") }
            offset += n
        }
        guard fsync(fd) == 0 else { throw failure("fsync") }
    }

    private static func copyContents(of fd: Int32, to path: String, limit: Int, field: String, name: String) throws {
        let dst = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard dst >= 0 else { throw posixError("create \(path)") }
        defer { Glibc.close(dst) }
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        var offset = 0
        while true {
            let n = pread(fd, &buf, buf.count, off_t(offset))   // from the start, whatever the client read
            if n < 0 {
                if errno == EINTR { continue }
                throw ProtocolError(.invalidParameter, "invalid parameter '\(field)': cannot read '\(name)': \(String(cString: strerror(errno)))", field: field)
            }
            if n == 0 { break }
            offset += n
            if offset > limit { throw ProtocolError(.tooLarge, "invalid parameter '\(field)': '\(name)' grew past the memory budget while it was copied", field: field) }
            var done = 0
            while done < n {
                let w = buf.withUnsafeBytes { write(dst, $0.baseAddress! + done, n - done) }
                if w < 0 { if errno == EINTR { continue }; throw posixError("write \(path)") }
                done += w
            }
        }
        guard fsync(dst) == 0 else { throw posixError("fsync \(path)") }
    }
}
