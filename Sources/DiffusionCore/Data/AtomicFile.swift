// AtomicFile.swift — write a file so that readers see either the old or the complete new
// contents, never a torn write: temp file in the same directory, write, fsync the file,
// rename over the target, fsync the directory. The one AtomicFile of the project: the daemon's
// state directory (job status, specs, Slurm records) and the engine's checkpoints and outputs use it.
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public enum AtomicFile {
    /// Writes `data` to `url` atomically and durably. Errors name the file and the failing call.
    public static func write(_ data: Data, to url: URL, mode: mode_t = 0o644) throws {
        try write(data, to: url.path, mode: mode)
    }

    /// Writes `data` to the file at `path` atomically and durably, created with `mode`.
    public static func write(_ data: Data, to path: String, mode: mode_t = 0o644) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        let tempPath = dir + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(tempPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw DataError("\(path): cannot create temp file in \(dir): \(errnoText())") }
        var closed = false
        defer { if !closed { close(fd) } }
        do {
            try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
                var done = 0
                while done < raw.count {
                    let n = systemWrite(fd, raw.baseAddress! + done, raw.count - done)
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw DataError("\(path): write failed: \(errnoText())")
                    }
                    done += n
                }
            }
            guard fsync(fd) == 0 else { throw DataError("\(path): fsync failed: \(errnoText())") }
            closed = true
            guard close(fd) == 0 else { throw DataError("\(path): close failed: \(errnoText())") }
            guard rename(tempPath, path) == 0 else { throw DataError("\(path): rename from temp file failed: \(errnoText())") }
        } catch {
            unlink(tempPath)
            throw error
        }
        syncDirectory(dir)
    }

    /// fsync a directory so a rename or unlink in it is durable; best effort, since some file
    /// systems refuse fsync on directories.
    public static func syncDirectory(_ dir: String) {
        let dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 {
            _ = fsync(dfd)
            close(dfd)
        }
    }

    /// Create a directory (and parents) with `mode`; fine when it exists.
    public static func makeDirectory(_ path: String, mode: Int = 0o755) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: mode])
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}

/// write(2), named apart from `AtomicFile.write`.
@inline(__always)
func systemWrite(_ fd: Int32, _ buf: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(fd, buf, count)
    #else
    return Darwin.write(fd, buf, count)
    #endif
}
