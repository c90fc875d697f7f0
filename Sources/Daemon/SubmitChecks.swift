// SubmitChecks.swift — what the daemon checks about a spec's files before it accepts a job, on
// top of the spec's own validation: every file the spec names came as an open descriptor unless
// the client is root or the daemon's own user (ClientFiles), and an `out` path the daemon writes
// itself never lands inside the daemon's state directory (whoever asks). (The permission-bit
// check that stood in for descriptor passing is gone: a client that is not the daemon's user can
// no longer make the daemon open a path at all.)
import DiffProtocol
import Foundation
#if canImport(Glibc)
import Glibc
#endif

enum SubmitChecks {
    static func check(_ spec: JSONValue, peer: PeerCredentials, stateDir: String, passed: PassedFiles, remote: Bool = false) throws {
        guard case .object(let o) = spec else { return }
        try ClientFiles.checkCoverage(o, passed: passed, peer: peer, remote: remote)
        if !passed.has("out"), let out = o["out"]?.stringValue, !out.isEmpty, isInside(out, stateDir) {
            throw ProtocolError(.invalidParameter, "invalid parameter 'out': '\(out)' is inside the daemon's state directory; write samples elsewhere (the job's own copy is in its job directory)", field: "out")
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
