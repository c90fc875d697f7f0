// AtomicFile.swift — durable writes for the state directory: write a temp file in the same
// directory, fsync it, rename it over the target, fsync the directory. A crash at any moment
// leaves either the old file or the new one, never a torn one.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public enum AtomicFile {
    public static func write(_ data: Data, to path: String, mode: mode_t = 0o644) throws {
        let dir = (path as NSString).deletingLastPathComponent
        let tmp = "\(dir)/.\((path as NSString).lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw posixError("create \(tmp)") }
        var offset = 0
        while offset < data.count {
            let n = data.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, data.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                let e = posixError("write \(tmp)"); close(fd); unlink(tmp); throw e
            }
            offset += n
        }
        if fsync(fd) != 0 { let e = posixError("fsync \(tmp)"); close(fd); unlink(tmp); throw e }
        close(fd)
        if rename(tmp, path) != 0 { let e = posixError("rename \(tmp) → \(path)"); unlink(tmp); throw e }
        syncDirectory(dir)
    }

    public static func syncDirectory(_ dir: String) {
        let dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 { fsync(dfd); close(dfd) }
    }

    /// Create a directory (and parents) with `mode`; fine when it exists.
    public static func makeDirectory(_ path: String, mode: Int = 0o755) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: mode])
    }
}

struct POSIXFailure: Error, CustomStringConvertible {
    var description: String
}

func posixError(_ what: String, _ code: Int32 = errno) -> POSIXFailure {
    POSIXFailure(description: "\(what): \(String(cString: strerror(code)))")
}
