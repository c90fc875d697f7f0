// EventLogTail.swift — follows a job's events.jsonl from a byte offset: each call returns the
// complete lines appended since the last one (a line still being written waits for its newline;
// a line that does not decode is skipped). Also the append-only writer `run-job` uses on a node,
// the same single O_APPEND write per event that the daemon uses locally.
import DiffProtocol
import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct EventLogTail {
    let path: String
    /// bytes of the log already consumed (only whole lines)
    private(set) var offset: UInt64

    init(path: String, offset: UInt64) { self.path = path; self.offset = offset }

    /// The log's size now (0 when it does not exist): where a fresh tail starts.
    static func size(_ path: String) -> UInt64 {
        var st = stat()
        return stat(path, &st) == 0 ? UInt64(st.st_size) : 0
    }

    /// The events appended since the last call, oldest first.
    mutating func read() -> [JobEventMessage] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        var data = Data()
        var buf = [UInt8](repeating: 0, count: 64 << 10)
        var at = off_t(offset)
        while true {
            let n = buf.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, $0.count, at) }
            if n <= 0 { break }
            data.append(contentsOf: buf[0..<n])
            at += off_t(n)
        }
        guard let lastNewline = data.lastIndex(of: 0x0A) else { return [] }
        let complete = data[data.startIndex...lastNewline]
        offset += UInt64(complete.count)
        let dec = JSONDecoder()
        return complete.split(separator: 0x0A).compactMap { try? dec.decode(JobEventMessage.self, from: Data($0)) }
    }
}

enum EventLogWriter {
    /// Append one event as one line with a single write (O_APPEND): readers never see half of it
    /// unless the writer dies mid-write, and then the torn line is skipped.
    static func append(_ e: JobEventMessage, to path: String) {
        let line = Wire.line(e)
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        _ = line.withUnsafeBytes { Glibc.write(fd, $0.baseAddress!, line.count) }
        close(fd)
    }
}
