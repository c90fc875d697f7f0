// Ownership.swift — who may manage a job. Every job records the uid of the client that submitted
// it (JobInfo.owner). Root and the daemon's own user may cancel, remove and prune any job; any
// other client (a socket_group member) only its own, unless group_may_manage_all = true. Jobs
// from before owners were recorded (owner nil) count as the daemon user's.
import DiffProtocol
import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct ManagePolicy: Sendable {
    /// the daemon's effective uid
    var daemonUID: uid_t
    var groupMayManageAll: Bool

    /// May `uid` manage a job owned by `owner`?
    func allows(_ uid: uid_t, owner: UInt32?) -> Bool {
        if uid == 0 || uid == daemonUID || groupMayManageAll { return true }
        return owner.map { uid_t($0) == uid } ?? false
    }

    /// Throws permission_denied naming the owner when `uid` may not `action` the job.
    func check(_ uid: uid_t?, job: JobInfo, action: String) throws {
        guard let uid, !allows(uid, owner: job.owner) else { return }
        let ownerUID = job.owner.map { uid_t($0) } ?? daemonUID
        throw ProtocolError(.permissionDenied,
                            "job \(job.id) belongs to \(userDescription(ownerUID)); \(userDescription(uid)) may \(action) only its own jobs (the daemon's group_may_manage_all setting is off)",
                            field: "job")
    }
}

/// "uid 1001 (alice)", or "uid 1001" when the user database does not know it.
func userDescription(_ uid: uid_t) -> String {
    var buf = [CChar](repeating: 0, count: 4096)
    let name: String? = buf.withUnsafeMutableBufferPointer { b in
        var pw = passwd(), result: UnsafeMutablePointer<passwd>? = nil
        guard let base = b.baseAddress, getpwuid_r(uid, &pw, base, b.count, &result) == 0, result != nil, let n = pw.pw_name else { return nil }
        return String(cString: n)
    }
    return name.map { "uid \(uid) (\($0))" } ?? "uid \(uid)"
}

extension JobManager {
    var managePolicy: ManagePolicy { ManagePolicy(daemonUID: geteuid(), groupMayManageAll: config.groupMayManageAll) }
}
