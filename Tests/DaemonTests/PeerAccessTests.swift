// PeerAccessTests.swift — socket_group works out of the box (the socket directory the daemon
// creates is 0750 and group-owned, so members reach the socket through it), and a user the
// daemon refuses reads the daemon's reason instead of a broken pipe. Both act as other users,
// so they need root and setpriv.
import DiffProtocol
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized) struct PeerAccessTests {
    static let canSwitchUsers = geteuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")

    @Test(.enabled(if: canSwitchUsers, "needs root and setpriv to act as another user"))
    func aCreatedSocketDirectoryLetsTheGroupIn() throws {
        let base = try makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: base) }
        chmod(base, 0o755)
        let d = try DaemonProcess(dir: base)
        let socket = base + "/run/diffusiond/sock"
        d.extraArgs = ["--socket", socket, "--socket-group", "65534"]
        defer { d.cleanup() }
        try d.start(expectFailure: true)
        try waitUntil(60, "daemon in a new group directory") {
            guard d.isRunning else { throw HarnessError(description: "daemon exited: \(d.log)") }
            return (try? ClientConnection(path: socket)) != nil
        }
        for dir in [base + "/run", base + "/run/diffusiond"] {
            var st = stat()
            #expect(stat(dir, &st) == 0)
            #expect(st.st_mode & 0o777 == 0o750 && st.st_gid == 65534, "\(dir): mode \(String(st.st_mode & 0o777, radix: 8)) gid \(st.st_gid)")
        }
        let ctl = try binary("diffctl")
        let member = try runAs(["--reuid=65533", "--regid=65534", "--clear-groups"], ctl, ["--socket", socket, "--json", "info"])
        #expect(member.status == 0, "\(member.stderr)")
        #expect(member.stdout.contains("\"protocolVersion\":1"))
        #expect(!d.log.contains("cannot reach the socket"))
    }

    @Test(.enabled(if: canSwitchUsers, "needs root and setpriv to act as another user"))
    func aRefusedUserReadsTheDaemonsReason() throws {
        let d = try DaemonProcess()
        defer { d.cleanup() }
        chmod(d.dir, 0o755)
        try d.start()
        chmod(d.socket, 0o666)   // let anyone reach the socket: the daemon's own check must refuse them
        let ctl = try binary("diffctl")
        for _ in 0..<3 {
            let refused = try runAs(["--reuid=65534", "--regid=65534", "--clear-groups"], ctl, ["--socket", d.socket, "info"])
            #expect(refused.status == 4, "\(refused.stderr)")
            #expect(refused.stderr.contains("uid 65534 may not use this daemon"), "\(refused.stderr)")
            #expect(!refused.stderr.contains("Broken pipe"), "\(refused.stderr)")
        }
        #expect(d.log.contains("connection refused"))
        _ = try d.connect()
    }
}
