// OwnershipTests.swift — a socket_group member is a second user, created here with useradd (the
// tests run as root, as CI does): it may cancel and remove its own jobs but not the owner's,
// group_may_manage_all lifts that, jobs record who submitted them, the state directory becomes
// 0750 with the group. (Files a member names: ClientFilesTests.)
import DiffProtocol
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A throwaway user in a throwaway group; removed by `remove()`.
struct TestUser {
    let name: String, group: String
    let uid: uid_t, gid: gid_t

    static var canCreate: Bool { getuid() == 0 || ProcessInfo.processInfo.environment["CI"] != nil }

    init() throws {
        let tag = "\(getpid() % 100_000)\(Int.random(in: 100...999))"
        name = "ddtu\(tag)"; group = "ddtg\(tag)"
        try TestUser.sh("/usr/sbin/groupadd", [group])
        try TestUser.sh("/usr/sbin/useradd", ["-M", "-N", "-g", group, "-s", "/usr/sbin/nologin", name])
        guard let pw = getpwnam(name), let gr = getgrnam(group) else { throw HarnessError(description: "useradd did not create \(name)") }
        uid = pw.pointee.pw_uid; gid = gr.pointee.gr_gid
    }

    func remove() {
        try? TestUser.sh("/usr/sbin/userdel", [name])
        try? TestUser.sh("/usr/sbin/groupdel", [group])
    }

    static func sh(_ tool: String, _ args: [String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        try p.run(); p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw HarnessError(description: "\(tool) \(args.joined(separator: " ")) exited \(p.terminationStatus)") }
    }

    /// diffctl run as this user (setpriv), from a copy of the binary the user can execute.
    func diffctl(_ args: [String], socket: String, in dir: String) throws -> CLIResult {
        let exe = dir + "/diffctl"
        if !FileManager.default.fileExists(atPath: exe) {
            try FileManager.default.copyItem(atPath: try binary("diffctl"), toPath: exe)
            chmod(exe, 0o755)
        }
        return try DaemonTests.diffctl(["--reuid=\(uid)", "--regid=\(gid)", "--init-groups", exe, "--socket", socket] + args,
                                       socket: socket, executable: "/usr/bin/setpriv")
    }
}

@Suite(.serialized, .enabled(if: TestUser.canCreate, "needs root to create a second user with useradd (CI runs as root; skipped for non-root runs outside CI)"))
struct OwnershipTests {
    func longTrain(_ name: String) -> JSONValue { trainSpec(name: name, steps: 10_000_000, extra: smallModel) }

    @Test func membersManageOnlyTheirOwnJobs() throws {
        let user = try TestUser(); defer { user.remove() }
        let dir = try makeTempDir()
        // the member must reach the socket: the directory is group-searchable, never group-writable
        #expect(chown(dir, 0, user.gid) == 0 && chmod(dir, 0o750) == 0)
        let d = try DaemonProcess(extraArgs: ["--socket-group", user.group], dir: dir)
        defer { d.cleanup() }
        try d.start()
        let c = try d.connect()
        let ownerJob = try submit(c, longTrain("owned"))
        #expect(ownerJob.owner == 0)

        // the member's own job, submitted through diffctl as that user
        let sub = try user.diffctl(["train", "--dataset", "ring8", "--steps", "10000000", "--name", "mine", "--json"], socket: d.socket, in: dir)
        #expect(sub.status == 0, "\(sub.stderr)")
        let mine = try JSONDecoder().decode(JobInfo.self, from: Data(sub.stdout.utf8))
        #expect(mine.owner == UInt32(user.uid))
        #expect(try jobInfo(d, mine.id).owner == UInt32(user.uid))

        // not the owner's job: refused, naming the owner
        for verb in ["cancel", "rm"] {
            let r = try user.diffctl([verb, ownerJob.id], socket: d.socket, in: dir)
            #expect(r.status == 4, "\(verb): \(r.stdout) \(r.stderr)")
            #expect(r.stderr.contains("job \(ownerJob.id) belongs to uid 0 (root)"), "\(r.stderr)")
            #expect(r.stderr.contains("uid \(user.uid) (\(user.name)) may \(verb == "rm" ? "remove" : "cancel") only its own jobs"), "\(r.stderr)")
        }
        #expect(try jobInfo(d, ownerJob.id).state.isTerminal == false)
        // a prune by the member skips the owner's finished jobs
        _ = try c.call(.cancel(JobRequest(job: ownerJob.id)), timeout: 30)
        _ = try follow(d, ownerJob.id)
        // its own: fine
        let cancel = try user.diffctl(["cancel", mine.id], socket: d.socket, in: dir)
        #expect(cancel.status == 0, "\(cancel.stderr)")
        _ = try follow(d, mine.id)
        let prune = try user.diffctl(["prune", "--json"], socket: d.socket, in: dir)
        #expect(prune.status == 0, "\(prune.stderr)")
        #expect(try JSONDecoder().decode(PruneReply.self, from: Data(prune.stdout.utf8)) == PruneReply(removed: [mine.id], skipped: 1))
        #expect(!FileManager.default.fileExists(atPath: d.stateDir + "/jobs/\(mine.id)"))
        #expect(FileManager.default.fileExists(atPath: d.stateDir + "/jobs/\(ownerJob.id)"))
        // the daemon's user (root here) manages anyone's jobs
        guard case .removed = try c.call(.remove(JobRequest(job: ownerJob.id)), timeout: 30) else { Issue.record("root could not remove"); return }

        // with socket_group the state directory is the group's to read, nobody else's
        var st = stat()
        for sub in ["", "/jobs", "/models"] {
            #expect(stat(d.stateDir + sub, &st) == 0 && st.st_mode & 0o777 == 0o750 && st.st_gid == user.gid, "\(sub)")
        }

        // (files the member could not open itself: ClientFilesTests — the client opens them, never the daemon)
    }

    @Test func groupMayManageAllLetsMembersManageEveryJob() throws {
        let user = try TestUser(); defer { user.remove() }
        let dir = try makeTempDir()
        #expect(chown(dir, 0, user.gid) == 0 && chmod(dir, 0o750) == 0)
        let d = try DaemonProcess(extraArgs: ["--socket-group", user.group, "--group-may-manage-all", "true"], dir: dir)
        defer { d.cleanup() }
        try d.start()
        let job = try submit(try d.connect(), longTrain("owned"))
        let r = try user.diffctl(["cancel", job.id], socket: d.socket, in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try follow(d, job.id).events.last?.state == .cancelled)
    }
}
