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
    /// the run's curve for plots, downsampled to at most `maxCurve` rows (every `stride`-th row,
    /// the stride doubling as the run grows), so memory stays constant however long the job runs
    private var curve: [(step: Int, loss: Double, lr: Double)] = []
    private var stride = 1
    private var recorded = 0
    private var last: (step: Int, loss: Double, lr: Double)?
    /// the last 50 losses (the model's final loss is their mean)
    private(set) var recentLosses: [Double] = []
    static let maxCurve = 20_000
    private var fd: Int32 = -1
    private var ownsDescriptor = true
    private var pending = Data()
    /// pending bytes are written once they pass this size (and at every flush)
    static let bufferBytes = 1 << 16
    static let header = "step,loss,lr\n"

    /// The curve of jobDir/loss.csv for readers that do not write (previews), read in chunks and
    /// downsampled like the writer's curve, so a long job's log costs constant memory to show.
    static func read(jobDir: URL) -> [(step: Int, loss: Double, lr: Double)] {
        let path = jobDir.appendingPathComponent("loss.csv").path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        let sampler = LossLog(reading: fd)
        _ = sampler.scanKeeping(upTo: Int.max)
        return sampler.rows
    }

    /// A reader over an open descriptor (no writes, no truncation).
    private init(reading fd: Int32) {
        url = URL(fileURLWithPath: "/dev/null")
        self.fd = fd
        ownsDescriptor = false
    }

    /// Opens jobDir/loss.csv, keeping only complete rows with step ≤ `step` (0: a fresh run).
    /// The file is read in chunks, so resuming a job with a long log takes constant memory.
    init(jobDir: URL, keepingUpTo step: Int) throws {
        url = jobDir.appendingPathComponent("loss.csv")
        let path = url.path
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw JobError.failed("\(path): cannot open the loss log: \(String(cString: strerror(errno)))") }
        let keepBytes = scanKeeping(upTo: step)
        guard ftruncate(fd, off_t(keepBytes)) == 0, lseek(fd, off_t(keepBytes), SEEK_SET) >= 0 else {
            let e = String(cString: strerror(errno))
            close(fd)
            throw JobError.failed("\(path): cannot cut the loss log back to step \(step): \(e)")
        }
        if keepBytes == 0 { pending.append(contentsOf: LossLog.header.utf8) }
    }

    /// Reads the file from the start, recording complete rows with step ≤ `step`; returns the
    /// byte length to keep (0 when the header is missing: the file starts anew).
    private func scanKeeping(upTo step: Int) -> Int {
        let header = Array(LossLog.header.utf8)
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var line: [UInt8] = []
        var offset = 0, keep = 0, sawHeader = false
        reading: while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            for i in 0..<n {
                let b = chunk[i]
                offset += 1
                if b != 0x0A { line.append(b); continue }
                defer { line.removeAll(keepingCapacity: true) }
                if !sawHeader {
                    guard line + [0x0A] == header else { return 0 }
                    sawHeader = true; keep = offset; continue
                }
                let f = String(decoding: line, as: UTF8.self).split(separator: ",")
                guard f.count == 3, let st = Int(f[0]), let l = Double(f[1]), let r = Double(f[2]), st <= step else { break reading }
                record((st, l, r))
                keep = offset
            }
        }
        return sawHeader ? keep : 0
    }

    deinit { if ownsDescriptor && fd >= 0 { close(fd) } }

    /// The downsampled curve, always ending with the newest row.
    var rows: [(step: Int, loss: Double, lr: Double)] {
        guard let last, curve.last?.step != last.step else { return curve }
        return curve + [last]
    }

    private func record(_ row: (step: Int, loss: Double, lr: Double)) {
        if recorded % stride == 0 {
            curve.append(row)
            if curve.count > LossLog.maxCurve {
                curve = curve.enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
                stride *= 2
            }
        }
        recorded += 1
        last = row
        recentLosses.append(row.loss)
        if recentLosses.count > 50 { recentLosses.removeFirst(recentLosses.count - 50) }
    }

    func append(step: Int, loss: Double, lr: Double) throws {
        record((step, loss, lr))
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
