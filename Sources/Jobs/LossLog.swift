// LossLog.swift — the loss curve of a training job, jobDir/loss.csv (step,loss,lr), kept
// append-only: rows are buffered and appended, fsync'd only at checkpoints, so a step costs the
// same at step 1,000,000 as at step 100. On resume the file is cut back to the checkpoint's step
// (rows written after it, and a line torn by a crash, are dropped), so the curve always matches
// the state training continues from.
import DiffusionCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

final class LossLog {
    let url: URL
    /// every row of the run so far (for the final loss and the plot): steps ascending
    private(set) var rows: [(step: Int, loss: Double, lr: Double)] = []
    private var fd: Int32 = -1
    private var pending = Data()
    /// pending bytes are written once they pass this size (and at every flush)
    static let bufferBytes = 1 << 16
    static let header = "step,loss,lr\n"

    /// The complete rows of jobDir/loss.csv, for readers that do not write (previews).
    static func read(jobDir: URL) -> [(step: Int, loss: Double, lr: Double)] {
        guard let text = try? String(contentsOf: jobDir.appendingPathComponent("loss.csv"), encoding: .utf8) else { return [] }
        var rows: [(step: Int, loss: Double, lr: Double)] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropFirst() {
            let f = line.split(separator: ",")
            if f.count == 3, let s = Int(f[0]), let l = Double(f[1]), let r = Double(f[2]) { rows.append((s, l, r)) }
        }
        return rows
    }

    /// Opens jobDir/loss.csv, keeping only complete rows with step ≤ `step` (0: a fresh run).
    init(jobDir: URL, keepingUpTo step: Int) throws {
        url = jobDir.appendingPathComponent("loss.csv")
        let existing = (try? Data(contentsOf: url)) ?? Data()
        var keepBytes = 0
        if existing.starts(with: Data(LossLog.header.utf8)) {
            keepBytes = LossLog.header.utf8.count
            var lineStart = keepBytes
            let bytes = [UInt8](existing)
            for i in lineStart..<bytes.count where bytes[i] == 0x0A {
                let line = String(decoding: bytes[lineStart..<i], as: UTF8.self)
                let f = line.split(separator: ",")
                guard f.count == 3, let s = Int(f[0]), let l = Double(f[1]), let r = Double(f[2]), s <= step else { break }
                rows.append((s, l, r))
                lineStart = i + 1
                keepBytes = lineStart
            }
        }
        let path = url.path
        fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw JobError.failed("\(path): cannot open the loss log: \(String(cString: strerror(errno)))") }
        guard ftruncate(fd, off_t(keepBytes)) == 0, lseek(fd, off_t(keepBytes), SEEK_SET) >= 0 else {
            let e = String(cString: strerror(errno))
            close(fd)
            throw JobError.failed("\(path): cannot cut the loss log back to step \(step): \(e)")
        }
        if keepBytes == 0 { pending.append(contentsOf: LossLog.header.utf8) }
    }

    deinit { if fd >= 0 { close(fd) } }

    func append(step: Int, loss: Double, lr: Double) throws {
        rows.append((step, loss, lr))
        pending.append(contentsOf: "\(step),\(loss),\(lr)\n".utf8)
        if pending.count >= LossLog.bufferBytes { try flush(sync: false) }
    }

    /// Writes the buffered rows; with `sync`, also makes them durable (at checkpoints and the end).
    func flush(sync: Bool) throws {
        if !pending.isEmpty {
            let n = pending.count
            try pending.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
                var done = 0
                while done < n {
                    let w = Glibc.write(fd, raw.baseAddress! + done, n - done)
                    if w < 0 {
                        if errno == EINTR { continue }
                        throw JobError.failed("\(url.path): cannot append to the loss log: \(String(cString: strerror(errno)))")
                    }
                    done += w
                }
            }
            pending.removeAll(keepingCapacity: true)
        }
        if sync && fsync(fd) != 0 {
            throw JobError.failed("\(url.path): fsync of the loss log failed: \(String(cString: strerror(errno)))")
        }
    }
}
