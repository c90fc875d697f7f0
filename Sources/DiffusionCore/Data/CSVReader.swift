// CSVReader.swift — streams a CSV file's rows from a descriptor in 1 MiB reads, so loading a file
// costs the parsed numbers plus one read buffer, not copies of the whole text (no [String] of
// lines, no per-row field arrays). Each non-blank row is handed over as its bytes and the byte
// ranges of its fields (trimmed of spaces/tabs and one pair of surrounding double quotes), valid
// only during the call. Lines end in "\n" or "\r\n"; a UTF-8 byte order mark is skipped; blank
// lines are skipped but counted, so line numbers in messages are the file's.
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct CSVReader {
    static let chunk = 1 << 20
    /// a longer line is an error, not a reason to read the whole file into memory
    static let maxLineBytes = 16 << 20

    let fd: Int32
    let path: String

    /// Calls `body(lineNumber, lineBytes, fieldRanges)` for every non-blank line, in order.
    func forEachRow(_ body: (Int, UnsafeBufferPointer<UInt8>, [Range<Int>]) throws -> Void) throws {
        var buf = [UInt8](repeating: 0, count: CSVReader.chunk)
        var begin = 0, end = 0            // unconsumed bytes are buf[begin..<end]
        var eof = false, first = true
        var lineNumber = 0
        var fields: [Range<Int>] = []
        fields.reserveCapacity(64)
        while true {
            // find the next newline in what is buffered
            let newline: Int? = buf.withUnsafeBufferPointer { b in
                guard end > begin, let p = memchr(b.baseAddress! + begin, 0x0A, end - begin) else { return nil }
                return b.baseAddress!.distance(to: p.assumingMemoryBound(to: UInt8.self))
            }
            if newline == nil && !eof {
                if begin > 0 {   // move the partial line to the front
                    buf.withUnsafeMutableBufferPointer { b in _ = memmove(b.baseAddress!, b.baseAddress! + begin, end - begin) }
                    end -= begin; begin = 0
                }
                if end == buf.count {
                    guard buf.count < CSVReader.maxLineBytes else {
                        throw DataError("\(path):\(lineNumber + 1): line longer than \(CSVReader.maxLineBytes >> 20) MiB")
                    }
                    buf += [UInt8](repeating: 0, count: buf.count)
                }
                let n = buf.withUnsafeMutableBufferPointer { b in read(fd, b.baseAddress! + end, b.count - end) }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw DataError("\(path): read failed: \(String(cString: strerror(errno)))")
                }
                if n == 0 { eof = true } else { end += n }
                continue
            }
            let lineEnd = newline ?? end
            if newline == nil && lineEnd == begin { return }   // nothing after the last newline
            lineNumber += 1
            var lo = begin, hi = lineEnd
            begin = newline.map { $0 + 1 } ?? end
            if first {
                first = false
                if hi - lo >= 3 && buf[lo] == 0xEF && buf[lo + 1] == 0xBB && buf[lo + 2] == 0xBF { lo += 3 }
            }
            if hi > lo && buf[hi - 1] == 0x0D { hi -= 1 }
            try buf.withUnsafeBufferPointer { all in
                let line = UnsafeBufferPointer(rebasing: all[lo..<hi])
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return }
                if line.contains(where: { $0 >= 0x80 }) && String(validating: line, as: UTF8.self) == nil {
                    throw DataError("\(path):\(lineNumber): not UTF-8 text")
                }
                fields.removeAll(keepingCapacity: true)
                var f = 0
                for i in 0...line.count where i == line.count || line[i] == 0x2C {
                    fields.append(CSVReader.clean(line, f..<i))
                    f = i + 1
                }
                try body(lineNumber, line, fields)
            }
        }
    }

    /// The field without surrounding spaces/tabs and one pair of surrounding double quotes.
    static func clean(_ b: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> Range<Int> {
        var lo = r.lowerBound, hi = r.upperBound
        while lo < hi && (b[lo] == 0x20 || b[lo] == 0x09) { lo += 1 }
        while hi > lo && (b[hi - 1] == 0x20 || b[hi - 1] == 0x09) { hi -= 1 }
        if hi - lo >= 2 && b[lo] == 0x22 && b[hi - 1] == 0x22 { lo += 1; hi -= 1 }
        return lo..<hi
    }
}
