// PeerPolicy.swift — who may talk to the daemon: the daemon's own user, root, and optionally the
// members of one configured group. Checked on every accepted connection via SO_PEERCRED.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public struct PeerCredentials: Equatable, Sendable {
    public var pid: Int32
    public var uid: uid_t
    public var gid: gid_t
    public init(pid: Int32, uid: uid_t, gid: gid_t) { self.pid = pid; self.uid = uid; self.gid = gid }

    /// The credentials of the process at the other end of a connected Unix socket.
    public static func of(socket fd: Int32) -> PeerCredentials? {
        // struct ucred { pid_t pid; uid_t uid; gid_t gid; } (glibc hides the name behind _GNU_SOURCE)
        var cred: (pid: Int32, uid: uid_t, gid: gid_t) = (0, 0, 0)
        var len = socklen_t(MemoryLayout<(Int32, uid_t, gid_t)>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 else { return nil }
        guard len == 12 else { return nil }
        return PeerCredentials(pid: cred.pid, uid: cred.uid, gid: cred.gid)
    }

    /// Supplementary groups of a live process, from /proc/<pid>/status ("Groups:" line).
    public static func supplementaryGroups(pid: Int32) -> [gid_t] {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return [] }
        for line in text.split(separator: "\n") where line.hasPrefix("Groups:") {
            return line.dropFirst("Groups:".count).split(whereSeparator: { $0 == " " || $0 == "\t" }).compactMap { gid_t($0) }
        }
        return []
    }
}

public struct PeerPolicy: Equatable, Sendable {
    public var ownerUID: uid_t
    public var allowedGroup: gid_t?
    public init(ownerUID: uid_t, allowedGroup: gid_t? = nil) { self.ownerUID = ownerUID; self.allowedGroup = allowedGroup }

    /// Same user, root, or (when a group is configured) a member of it.
    public func allows(_ peer: PeerCredentials, supplementaryGroups: [gid_t] = []) -> Bool {
        if peer.uid == ownerUID || peer.uid == 0 { return true }
        if let g = allowedGroup, peer.gid == g || supplementaryGroups.contains(g) { return true }
        return false
    }

    /// Resolve a group name or number.
    public static func groupID(_ name: String) -> gid_t? {
        if let n = gid_t(name) { return n }
        guard let g = getgrnam(name) else { return nil }
        return g.pointee.gr_gid
    }
}
