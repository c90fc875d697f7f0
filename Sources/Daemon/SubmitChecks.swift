// SubmitChecks.swift — what the daemon checks about a spec's file paths before it accepts a job,
// on top of the spec's own validation: an `out` file never lands inside the daemon's state
// directory (whoever asks), and a client that is neither root nor the daemon's user may only name
// files it could open itself (see PeerAccess).
import DiffProtocol
import Foundation
#if canImport(Glibc)
import Glibc
#endif

enum SubmitChecks {
    /// spec keys holding files the job reads
    static let inputKeys = ["dataset", "conditionFile", "samples"]

    static func check(_ spec: JSONValue, peer: PeerCredentials, stateDir: String) throws {
        guard case .object(let o) = spec else { return }
        if let out = o["out"]?.stringValue, !out.isEmpty, isInside(out, stateDir) {
            throw ProtocolError(.invalidParameter, "invalid parameter 'out': '\(out)' is inside the daemon's state directory; write samples elsewhere (the job's own copy is in its job directory)", field: "out")
        }
        guard peer.uid != 0, peer.uid != geteuid() else { return }
        var groups = Set(PeerCredentials.supplementaryGroups(pid: peer.pid))
        groups.insert(peer.gid)
        let access = PeerAccess(uid: peer.uid, groups: groups)
        for key in inputKeys {
            // built-in dataset names have no '/' and no file extension
            guard let path = o[key]?.stringValue, path.contains("/") || path.hasSuffix(".csv") || path.hasSuffix(".npy") else { continue }
            if let problem = access.problem(path, .read) {
                throw ProtocolError(.permissionDenied, "invalid parameter '\(key)': \(problem)", field: key)
            }
        }
        if let out = o["out"]?.stringValue, !out.isEmpty, let problem = access.problem(out, .writeIn) {
            throw ProtocolError(.permissionDenied, "invalid parameter 'out': \(problem)", field: "out")
        }
    }

    /// Whether `path` (resolved through its existing directory) lies in `dir` (resolved).
    static func isInside(_ path: String, _ dir: String) -> Bool {
        guard let root = resolved(dir) else { return false }
        let parent = (path as NSString).deletingLastPathComponent
        guard let where_ = resolved(parent.isEmpty ? "." : parent) else { return false }
        return where_ == root || where_.hasPrefix(root.hasSuffix("/") ? root : root + "/")
    }

    private static func resolved(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }
}
