// OutputFile.swift — a job's `out` file never silently replaces something: an existing file is
// only replaced when the spec says `force: true` (diffctl sample --force), and never when it is
// not a regular file (a device, FIFO or directory). Whether `out` lies inside the daemon's state
// directory is checked by the daemon (it alone knows that directory).
import Foundation
#if canImport(Glibc)
import Glibc
#endif

enum OutputFile {
    static func checkReplaceable(_ path: String, force: Bool) throws {
        var st = stat()
        guard lstat(path, &st) == 0 else { return }   // nothing there: fine
        let type = st.st_mode & S_IFMT
        guard type == S_IFREG || type == S_IFLNK else {
            throw JobError.invalid(field: "out", message: "'\(path)' exists and is not a regular file; choose another path")
        }
        guard force else {
            throw JobError.invalid(field: "out", message: "'\(path)' already exists; pass --force (spec field force: true) to overwrite it")
        }
    }
}
