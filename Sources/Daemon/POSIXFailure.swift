// POSIXFailure.swift — the daemon's error for a failed system call: what was attempted, and
// strerror of errno, e.g. "rename /state/jobs/j3: Permission denied".
import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct POSIXFailure: Error, CustomStringConvertible {
    var description: String
}

func posixError(_ what: String, _ code: Int32 = errno) -> POSIXFailure {
    POSIXFailure(description: "\(what): \(String(cString: strerror(code)))")
}
