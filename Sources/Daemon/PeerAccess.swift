// PeerAccess.swift — the daemon may run as a more privileged user (root) than a socket_group
// member it serves, so before it opens a file named in a member's spec it checks, from the file
// system's permission bits, that the member could have opened that file itself: search
// permission on every directory on the way (of the path as given and of its resolved target),
// read permission on a data file, write permission on the directory of an output. Refusals say
// which directory or file is not accessible, never anything about a file's contents; whether a
// file exists is only reported when the member could have looked itself.
// (An interim measure until clients pass open descriptors; there is a window between check and use.)
import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct PeerAccess {
    var uid: uid_t
    var groups: Set<gid_t>

    enum Mode { case read, writeIn }

    /// nil when the peer may `mode` the file at `path`; otherwise why not.
    func problem(_ path: String, _ mode: Mode) -> String? {
        guard path.hasPrefix("/") else { return "\(path): must be an absolute path" }
        if let p = walk(path, mode) { return p }
        guard let resolved = realpath(path, nil).map({ p -> String in defer { free(p) }; return String(cString: p) }) else {
            if mode == .writeIn, let dir = realpath((path as NSString).deletingLastPathComponent, nil).map({ p -> String in defer { free(p) }; return String(cString: p) }) {
                return walk(dir + "/" + (path as NSString).lastPathComponent, mode)
            }
            return nil   // does not exist; the caller's own checks say so, which the peer could see itself
        }
        return resolved == path ? nil : walk(resolved, mode)
    }

    /// Check the directories leading to `path`, then the file (read) or its directory (writeIn).
    private func walk(_ path: String, _ mode: Mode) -> String? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        var dir = ""
        for part in parts.dropLast() + [""] {   // "/", then every directory down to the file's own
            let here = dir.isEmpty ? "/" : dir
            var st = stat()
            guard stat(here, &st) == 0 else { return nil }
            if !allowed(st, S_IXUSR, S_IXGRP, S_IXOTH) { return "\(userDescription(uid)) may not search the directory \(here)" }
            if part.isEmpty { break }
            dir += "/" + part
        }
        let parent = dir.isEmpty ? "/" : dir
        var st = stat()
        switch mode {
        case .read:
            guard stat(path, &st) == 0 else { return nil }
            if !allowed(st, S_IRUSR, S_IRGRP, S_IROTH) { return "\(userDescription(uid)) may not read \(path)" }
        case .writeIn:
            guard stat(parent, &st) == 0 else { return nil }
            if !allowed(st, S_IWUSR, S_IWGRP, S_IWOTH) {
                return "\(userDescription(uid)) may not create files in \(parent)"
            }
            if stat(path, &st) == 0, !allowed(st, S_IWUSR, S_IWGRP, S_IWOTH) { return "\(userDescription(uid)) may not write \(path)" }
        }
        return nil
    }

    private func allowed(_ st: stat, _ user: mode_t, _ group: mode_t, _ other: mode_t) -> Bool {
        if uid == 0 { return true }
        if st.st_uid == uid { return st.st_mode & user == user }
        if groups.contains(st.st_gid) { return st.st_mode & group == group }
        return st.st_mode & other == other
    }
}
