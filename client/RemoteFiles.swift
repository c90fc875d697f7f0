// RemoteFiles.swift — files over a remote connection (--host ssh://…), where no open file can
// travel with a request. Inputs a spec names (dataset, conditionFile, samples) are read here, as
// this user, hashed (SHA-256), and uploaded in pieces unless the daemon already has that hash; the
// submit then names the blob per field (SubmitRequest.uploads) and the path stays only a name.
// Outputs come back through `download` in pieces, written to a temp file that is renamed into
// place once its SHA-256 matches the daemon's.
import DiffProtocol
import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct UploadSummary {
    /// spec field → SHA-256
    var uploads: [String: String] = [:]
    var sent = 0
    var alreadyThere = 0
    var bytesSent = 0
}

/// Upload every input file `spec` names that the daemon does not have yet.
func uploadSpecFiles(_ conn: ClientConnection, _ spec: [String: JSONValue], quiet: Bool = false) throws -> UploadSummary {
    var summary = UploadSummary()
    for key in ["dataset", "conditionFile", "samples"] {
        guard let path = spec[key]?.stringValue, namesFile(key, path) else { continue }
        let flag = flagName(key)
        var st = stat()
        guard stat(path, &st) == 0 else { throw fail(.rejected, "invalid parameter '\(flag)': cannot open '\(path)': \(String(cString: strerror(errno)))") }
        guard st.st_mode & S_IFMT == S_IFREG else { throw fail(.rejected, "invalid parameter '\(flag)': '\(path)' is not a regular file") }
        guard let data = FileManager.default.contents(atPath: path) else { throw fail(.rejected, "invalid parameter '\(flag)': cannot read '\(path)'") }
        let sha = SHA256.hex(data)
        summary.uploads[key] = sha
        guard case .blob(let have) = try call(conn, .hasBlob(BlobQuery(sha256: sha))) else { throw fail(.protocolError, "unexpected reply to hasBlob") }
        let name = (path as NSString).lastPathComponent
        if have.present {
            summary.alreadyThere += 1
            if !quiet { printNote("\(flag) \(name): already on the daemon (sha256 \(sha.prefix(12))…), not uploaded") }
            continue
        }
        if let limit = have.limit, data.count > limit {
            throw fail(.rejected, "invalid parameter '\(flag)': '\(path)' is \(byteText(data.count)), more than the daemon's upload_limit of \(byteText(limit))")
        }
        var offset = 0
        repeat {
            let end = min(offset + Transfers.pieceBytes, data.count)
            let piece = data.subdata(in: offset..<end).base64EncodedString()
            guard case .uploaded(let r) = try call(conn, .upload(UploadChunk(sha256: sha, size: data.count, offset: offset, data: piece)), timeout: 300) else {
                throw fail(.protocolError, "unexpected reply to upload")
            }
            offset = end
            if offset == data.count && !r.complete { throw fail(.protocolError, "the daemon did not store the upload of \(path)") }
        } while offset < data.count
        summary.sent += 1
        summary.bytesSent += data.count
        if !quiet { printNote("\(flag) \(name): uploaded \(byteText(data.count)) (sha256 \(sha.prefix(12))…)") }
    }
    if !quiet && !summary.uploads.isEmpty {
        printNote("uploads: \(summary.sent) sent (\(byteText(summary.bytesSent))), \(summary.alreadyThere) already on the daemon")
    }
    return summary
}

/// Download output `output` of `job` to `target` (replaced). Returns the bytes written.
@discardableResult
func downloadOutput(_ conn: ClientConnection, job: String, output: String, to target: String) throws -> Int {
    let dir = (target as NSString).deletingLastPathComponent
    let tmp = "\(dir)/.\((target as NSString).lastPathComponent).download-\(getpid())"
    guard FileManager.default.createFile(atPath: tmp, contents: nil) else { throw fail(.rejected, "cannot create \(tmp)") }
    var keep = false
    defer { if !keep { unlink(tmp) } }
    guard let handle = FileHandle(forWritingAtPath: tmp) else { throw fail(.rejected, "cannot write \(tmp)") }
    defer { try? handle.close() }
    var hasher = SHA256()
    var offset = 0
    while true {
        guard case .downloaded(let piece) = try call(conn, .download(DownloadRequest(job: job, output: output, offset: offset)), timeout: 300) else {
            throw fail(.protocolError, "unexpected reply to download")
        }
        guard piece.offset == offset, let bytes = Data(base64Encoded: piece.data) else { throw fail(.protocolError, "bad download piece of \(output) at \(offset)") }
        hasher.update(bytes)
        handle.write(bytes)
        offset += bytes.count
        if offset >= piece.size {
            let mine = hasher.finalizeHex()
            if let theirs = piece.sha256, theirs != mine {
                throw fail(.protocolError, "\(output) of \(job) changed while it was downloaded (sha256 mismatch); run the command again")
            }
            break
        }
        if bytes.isEmpty { throw fail(.protocolError, "the daemon sent an empty piece of \(output) at \(offset) of \(piece.size)") }
    }
    try? handle.synchronize()
    guard rename(tmp, target) == 0 else { throw fail(.rejected, "cannot move the download to \(target): \(String(cString: strerror(errno)))") }
    keep = true
    return offset
}

/// The client's flag for a spec file field.
func flagName(_ key: String) -> String {
    switch key {
    case "conditionFile": return "--condition-file"
    default: return "--" + key
    }
}

func byteText(_ n: Int) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var v = Double(n), u = 0
    while v >= 1024 && u < units.count - 1 { v /= 1024; u += 1 }
    return u == 0 ? "\(n) B" : String(format: "%.1f %@", v, units[u])
}
