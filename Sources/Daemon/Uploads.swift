// Uploads.swift — the daemon's side of remote use (TransferPayloads.swift): files a remote client
// uploads are kept in <state>/uploads/<sha256>, content-addressed. Pieces arrive in order into
// uploads/.partial-<sha256>-<connection>; with the last one the daemon recomputes the SHA-256 over
// the bytes it holds and, when it matches, renames the file into place (atomic: a blob that exists
// is always whole). A submit names a blob per file field (SubmitRequest.uploads); the blob is then
// opened here and handled exactly like a file passed open (ClientFiles). Downloads read a job's
// outputs back in pieces, only files inside the state directory.
import DiffProtocol
import DiffusionCore
import Foundation
import Jobs
#if canImport(Glibc)
import Glibc
#endif

final class BlobStore: @unchecked Sendable {
    let dir: String
    let limit: Int
    private let lock = NSLock()

    init(root: String, limit: Double) throws {
        dir = root + "/uploads"
        self.limit = Int(min(limit, Double(Int.max / 2)))
        try AtomicFile.makeDirectory(dir, mode: 0o700)
        // partial uploads of an earlier run (the daemon holds the state directory's lock by now)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] where name.hasPrefix(".partial-") {
            unlink(dir + "/" + name)
        }
    }

    func path(_ sha: String) -> String { dir + "/" + sha }

    private func checkHash(_ sha: String, field: String = "sha256") throws {
        guard SHA256.isHex(sha) else {
            throw ProtocolError(.invalidParameter, "'\(sha.prefix(80))' is not a SHA-256 (64 lowercase hex digits)", field: field)
        }
    }

    /// The size of the stored blob, or nil.
    func size(_ sha: String) throws -> Int? {
        try checkHash(sha)
        var st = stat()
        guard stat(path(sha), &st) == 0, st.st_mode & S_IFMT == S_IFREG else { return nil }
        return Int(st.st_size)
    }

    func query(_ q: BlobQuery) throws -> BlobReply {
        let size = try size(q.sha256)
        return BlobReply(sha256: q.sha256, present: size != nil, size: size, limit: limit)
    }

    /// One piece of an upload on connection `conn`.
    func receive(_ c: UploadChunk, conn: Int) throws -> UploadReply {
        try checkHash(c.sha256)
        guard c.size >= 0, c.offset >= 0 else { throw ProtocolError(.invalidParameter, "upload: size and offset must not be negative", field: "offset") }
        guard c.size <= limit else {
            throw ProtocolError(.tooLarge, "upload of \(MemoryBudget.text(Double(c.size))) refused: this daemon's upload_limit is \(MemoryBudget.text(Double(limit)))", field: "size")
        }
        if let have = try size(c.sha256), have == c.size { return UploadReply(sha256: c.sha256, received: have, complete: true) }
        guard let bytes = Data(base64Encoded: c.data) else { throw ProtocolError(.invalidParameter, "upload: 'data' is not base64", field: "data") }
        let partial = dir + "/.partial-\(c.sha256)-\(conn)"
        lock.lock(); defer { lock.unlock() }
        var st = stat()
        let have = stat(partial, &st) == 0 ? Int(st.st_size) : 0
        if c.offset == 0 && have > 0 { unlink(partial) }   // starting over
        else if c.offset != have {
            throw ProtocolError(.invalidParameter, "upload: piece at offset \(c.offset), but \(have) bytes have arrived; send pieces in order", field: "offset")
        }
        guard c.offset + bytes.count <= c.size else {
            unlink(partial)
            throw ProtocolError(.invalidParameter, "upload: more bytes than the announced size \(c.size)", field: "data")
        }
        let fd = Glibc.open(partial, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ProtocolError(.internalError, "cannot store the upload: \(String(cString: strerror(errno)))") }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, bytes.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                let e = String(cString: strerror(errno)); close(fd); unlink(partial)
                throw ProtocolError(.internalError, "cannot store the upload: \(e)")
            }
            written += n
        }
        let received = c.offset + bytes.count
        guard received == c.size else { close(fd); return UploadReply(sha256: c.sha256, received: received, complete: false) }
        let synced = fsync(fd) == 0
        close(fd)
        guard synced else { unlink(partial); throw ProtocolError(.internalError, "cannot store the upload: fsync failed") }
        guard let actual = SHA256.hex(fileAt: partial), actual == c.sha256 else {
            unlink(partial)
            throw ProtocolError(.invalidParameter, "upload: the bytes that arrived do not have SHA-256 \(c.sha256); nothing was stored", field: "sha256")
        }
        guard rename(partial, path(c.sha256)) == 0 else {
            let e = String(cString: strerror(errno)); unlink(partial)
            throw ProtocolError(.internalError, "cannot store the upload: \(e)")
        }
        AtomicFile.syncDirectory(dir)
        return UploadReply(sha256: c.sha256, received: received, complete: true)
    }

    /// Open the blobs a submit names (field → hash) into `passed`, as if their descriptors had been
    /// passed with it.
    func open(_ uploads: [String: String], into passed: PassedFiles) throws {
        for (key, sha) in uploads.sorted(by: { $0.key < $1.key }) {
            guard PassedFiles.inputKeys.contains(key) else {
                throw ProtocolError(.invalidParameter, "'uploads' names '\(key)', which is not an input file field (dataset, conditionFile, samples)", field: "uploads")
            }
            try checkHash(sha, field: "uploads")
            guard passed.inputs[key] == nil else { throw ProtocolError(.invalidParameter, "'\(key)' came both as an open file and as an upload", field: "uploads") }
            let fd = Glibc.open(path(sha), O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                throw ProtocolError(.invalidParameter, "invalid parameter '\(ClientFlags.name(key))': no upload \(sha.prefix(12))… on this daemon; upload it first (diffctl does)", field: key)
            }
            try passed.adopt(key, fd)
        }
    }
}

/// The client's flag for a spec's file field, for messages.
enum ClientFlags {
    static func name(_ key: String) -> String {
        switch key {
        case "dataset": return "--dataset"
        case "conditionFile": return "--condition-file"
        case "samples": return "--samples"
        case "out": return "--out"
        default: return key
        }
    }
}

/// Downloads of a job's outputs.
enum Downloads {
    static func piece(_ r: DownloadRequest, outputs: [String: String], stateDir: String) throws -> DownloadReply {
        guard let file = outputs[r.output] else {
            let names = outputs.keys.sorted().joined(separator: ", ")
            throw ProtocolError(.notFound, "job \(r.job) has no output '\(r.output)'" + (names.isEmpty ? " (no outputs yet)" : " (outputs: \(names))"), field: "output")
        }
        guard SubmitChecks.isInside(file, stateDir) else {
            throw ProtocolError(.permissionDenied, "output '\(r.output)' of job \(r.job) is not in the daemon's state directory; it is not downloaded", field: "output")
        }
        let fd = Glibc.open(file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { throw ProtocolError(.notFound, "output '\(r.output)' of job \(r.job) (\(file)) cannot be read: \(String(cString: strerror(errno)))", field: "output") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG else {
            throw ProtocolError(.invalidParameter, "output '\(r.output)' of job \(r.job) is not a regular file", field: "output")
        }
        let size = Int(st.st_size), offset = max(0, r.offset ?? 0)
        guard offset <= size else { throw ProtocolError(.invalidParameter, "offset \(offset) is past the end (\(size) bytes)", field: "offset") }
        let want = min(max(1, r.length ?? Transfers.pieceBytes), Transfers.pieceBytes, size - offset)
        var buf = [UInt8](repeating: 0, count: want)
        var got = 0
        while got < want {
            let n = buf.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + got, want - got, off_t(offset + got)) }
            if n < 0 { if errno == EINTR { continue }; throw ProtocolError(.internalError, "read \(file): \(String(cString: strerror(errno)))") }
            if n == 0 { break }
            got += n
        }
        let data = Data(buf[0..<got])
        let ends = offset + got >= size
        return DownloadReply(job: r.job, output: r.output, name: (file as NSString).lastPathComponent, size: size, offset: offset,
                             data: data.base64EncodedString(), sha256: ends ? SHA256.hex(fileAt: file) : nil)
    }
}
