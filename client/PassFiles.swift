// PassFiles.swift — diffctl opens the files a spec names itself, with the user's own rights, and
// passes them open with the submit (SCM_RIGHTS, SubmitRequest.files names the field of each): the
// daemon, which may run as a more privileged user, never opens a path a client named. Inputs
// (dataset, conditionFile, samples) are opened read-only; `out` is created here (O_EXCL: an
// existing file is refused unless --force) so it belongs to the user, and the daemon writes the
// samples into it when the job succeeds.
import DiffProtocol
import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct OpenedFiles {
    var names: [String] = []
    var fds: [Int32] = []
    /// the out file this run created; removed again if the daemon refuses the job
    var createdOut: String?

    func close() { for fd in fds { Glibc.close(fd) } }

    /// Remove the out file this run created, if it is still empty (nothing was delivered).
    func discardCreated() {
        guard let path = createdOut else { return }
        var st = stat()
        if stat(path, &st) == 0, st.st_size == 0 { unlink(path) }
    }
}

/// Whether spec field `key` holding `value` names a file (a dataset may be a built-in name).
func namesFile(_ key: String, _ value: String) -> Bool {
    guard !value.isEmpty else { return false }
    if key == "model" { return modelNamesFile(value) }
    guard key == "dataset" else { return true }
    let v = value.lowercased()
    return value.contains("/") || v.hasSuffix(".csv") || v.hasSuffix(".npy")
}

/// `--model` names a checkpoint file (not a model name) when it has a '/', ends in .ckpt, or is
/// an existing regular file here (a model name has neither).
func modelNamesFile(_ value: String) -> Bool {
    if value.contains("/") || value.lowercased().hasSuffix(".ckpt") { return true }
    var st = stat()
    return stat(value, &st) == 0 && st.st_mode & S_IFMT == S_IFREG
}

private func errorText() -> String { String(cString: strerror(errno)) }

/// Open every file `spec` names, as this user. Throws (closing what it opened) with a message that
/// names the file when this user may not open it or it is not a regular file.
func openSpecFiles(_ spec: [String: JSONValue]) throws -> OpenedFiles {
    var files = OpenedFiles()
    func add(_ key: String, _ fd: Int32, _ path: String) throws {
        files.names.append(key); files.fds.append(fd)
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG else {
            throw fail(.rejected, "invalid parameter '\(key)': '\(path)' is not a regular file")
        }
    }
    do {
        for key in ["dataset", "conditionFile", "samples", "model"] {
            guard let path = spec[key]?.stringValue, namesFile(key, path) else { continue }
            // O_NONBLOCK: a FIFO must not hang the open; it is refused as not a regular file
            let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
            guard fd >= 0 else { throw fail(.rejected, "invalid parameter '\(key)': cannot open '\(path)': \(errorText())") }
            try add(key, fd, path)
        }
        if let out = spec["out"]?.stringValue, !out.isEmpty {
            let ext = (out as NSString).pathExtension.lowercased()
            guard ext == "csv" || ext == "npy" else { throw fail(.rejected, "invalid parameter 'out': '\(out)' must end in .csv or .npy") }
            let fd: Int32
            if spec["force"]?.boolValue == true {
                // replaced only when the job succeeds (the daemon truncates it then)
                fd = open(out, O_WRONLY | O_CREAT | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0o644)
                guard fd >= 0 else { throw fail(.rejected, "invalid parameter 'out': cannot open '\(out)' for writing: \(errorText())") }
            } else {
                fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0o644)
                guard fd >= 0 else {
                    if errno == EEXIST {
                        throw fail(.rejected, "invalid parameter 'out': '\(out)' already exists; pass --force (spec field force: true) to overwrite it")
                    }
                    throw fail(.rejected, "invalid parameter 'out': cannot create '\(out)': \(errorText())")
                }
                files.createdOut = out
            }
            try add("out", fd, out)
        }
    } catch {
        files.close()
        files.discardCreated()
        throw error
    }
    return files
}
