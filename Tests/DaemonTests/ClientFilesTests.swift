// ClientFilesTests.swift — files are opened with the client's rights: diffctl opens datasets and
// creates --out itself and passes them open with the submit; the daemon (root here) copies inputs
// into the job directory and reads its copy (also after a kill -9), writes samples into the passed
// out file, and refuses a path that came without a descriptor from anyone but root or its own user.
// The member tests create a second user (root, as CI runs); the restart test runs as root alone.
import DiffProtocol
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A CSV of `n` points on a ring (enough for a short training run).
func ringCSV(_ n: Int = 256) -> String {
    "x,y\n" + (0..<n).map { i in let a = Double(i) * 0.37; return "\(cos(a) * 2),\(sin(a) * 2)" }.joined(separator: "\n") + "\n"
}

/// Send `lines` on a fresh connection made by a forked child running as uid/gid, and return what
/// the daemon answered, once `replies` lines have come (or the connection closed).
func rawExchange(socket: String, uid: uid_t, gid: gid_t, lines: Data, replies: Int) throws -> String {
    guard var addr = unixAddress(socket) else { throw HarnessError(description: "socket path too long") }
    var p: [Int32] = [0, 0]
    guard pipe(&p) == 0 else { throw HarnessError(description: "pipe failed") }
    let request = [UInt8](lines)
    let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: 1 << 16)
    defer { buffer.deallocate() }
    let child = fork()
    if child == 0 {
        // the child: only system calls from here on
        close(p[0])
        guard setgroups(0, nil) == 0, setgid(gid) == 0, setuid(uid) == 0 else { _exit(2) }
        let fd = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        guard rc == 0 else { _exit(3) }
        _ = request.withUnsafeBytes { write(fd, $0.baseAddress!, request.count) }
        var got = 0, newlines = 0
        while newlines < replies && got < (1 << 16) {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, 60_000) > 0 else { break }
            let n = read(fd, buffer + got, (1 << 16) - got)
            if n <= 0 { break }
            for i in got..<(got + n) where buffer[i] == 0x0A { newlines += 1 }
            got += n
        }
        _ = write(p[1], buffer, got)
        _exit(0)
    }
    close(p[1])
    defer { close(p[0]) }
    guard child > 0 else { throw HarnessError(description: "fork failed") }
    var out = Data()
    while true {
        let n = read(p[0], buffer, 1 << 16)
        if n <= 0 { break }
        out.append(buffer, count: n)
    }
    var status: Int32 = 0
    waitpid(child, &status, 0)
    guard status == 0 else { throw HarnessError(description: "raw client exited with status \(status)") }
    return String(decoding: out, as: UTF8.self)
}

func lines(_ requests: [Request]) -> Data { requests.reduce(into: Data()) { $0.append(Wire.line($1)) } }

@Suite(.serialized, .enabled(if: TestUser.canCreate, "needs root to create a second user with useradd (CI runs as root; skipped for non-root runs outside CI)"))
struct MemberFileTests {
    /// A daemon serving `user`'s group, and a home directory only `user` may enter.
    func setUp(_ user: TestUser) throws -> (DaemonProcess, dir: String, home: String) {
        let dir = try makeTempDir()
        #expect(chown(dir, 0, user.gid) == 0 && chmod(dir, 0o750) == 0)
        let home = dir + "/home"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: false)
        #expect(chown(home, user.uid, user.gid) == 0 && chmod(home, 0o700) == 0)
        let d = try DaemonProcess(extraArgs: ["--socket-group", user.group], dir: dir)
        try d.start()
        return (d, dir, home)
    }

    @Test func aMembersPrivateDatasetTravelsOpenAndTheJobReadsItsCopy() throws {
        let user = try TestUser(); defer { user.remove() }
        let (d, dir, home) = try setUp(user)
        defer { d.cleanup() }
        let data = home + "/points.csv"
        try ringCSV().write(toFile: data, atomically: false, encoding: .utf8)
        #expect(chown(data, user.uid, user.gid) == 0 && chmod(data, 0o600) == 0)
        // a job ahead of it (max_jobs = 1) keeps the member's job queued
        let ahead = try submit(try d.connect(), trainSpec(name: "ahead", steps: 10_000_000, extra: smallModel))
        let sub = try user.diffctl(["train", "--dataset", data, "--steps", "20", "--name", "mine", "--width", "16",
                                    "--batch-size", "32", "--set", "depth=1", "--set", "timeEmbedDim=16", "--json"], socket: d.socket, in: dir)
        #expect(sub.status == 0, "\(sub.stderr)")
        let job = try JSONDecoder().decode(JobInfo.self, from: Data(sub.stdout.utf8))
        // gone before the job ever runs: the daemon cannot have read the path after the submit
        #expect(unlink(data) == 0)
        let copy = d.stateDir + "/jobs/\(job.id)/inputs/dataset.csv"
        #expect((try? String(contentsOfFile: copy, encoding: .utf8)) == ringCSV())
        var st = stat()
        #expect(stat(copy, &st) == 0 && st.st_mode & 0o777 == 0o600, "the copy is the daemon's alone")
        #expect(stat(d.stateDir + "/jobs/\(job.id)/inputs", &st) == 0 && st.st_mode & 0o777 == 0o700)
        let runSpec = try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: URL(fileURLWithPath: d.stateDir + "/jobs/\(job.id)/spec.json")))
        #expect(runSpec.objectValue?["dataset"]?.stringValue == copy, "the job reads its copy")
        #expect(try jobInfo(d, job.id).spec?.objectValue?["dataset"]?.stringValue == data, "show displays what the user typed")
        #expect(d.log.contains("passed_files=1"))

        _ = try d.connect().call(.cancel(JobRequest(job: ahead.id)), timeout: 30)
        let (_, events) = try follow(d, job.id)
        #expect(events.last?.state == .succeeded, "\(events.last?.error ?? "") \(d.log.suffix(2000))")

        // files this user may not open never reach the daemon: the client says why
        let link = home + "/shadow.csv"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "/etc/shadow")
        let secret = dir + "/secret.csv"
        try "x,y\n1,2\n".write(toFile: secret, atomically: false, encoding: .utf8)
        chmod(secret, 0o600)
        for path in [link, secret] {
            let r = try user.diffctl(["train", "--dataset", path, "--steps", "10", "--name", "x"], socket: d.socket, in: dir)
            #expect(r.status == 4 && r.stderr.contains("cannot open '\(path)': Permission denied"), "\(path): \(r.stderr)")
            #expect(!r.stderr.contains("root:"), "\(r.stderr)")
        }
        guard case .jobs(let list) = try d.connect().call(.jobs, timeout: 30) else { Issue.record("jobs failed"); return }
        #expect(list.jobs.count == 2, "nothing was submitted for the refused files")

        // a raw submit from the member that names a path without passing it is refused
        var spec = trainSpec(name: "raw", steps: 10).objectValue!
        spec["dataset"] = .string(secret)
        let answer = try rawExchange(socket: d.socket, uid: user.uid, gid: user.gid, lines: lines([
            Request(id: 1, .hello(Hello(version: Wire.protocolVersion, client: "raw"))),
            Request(id: 2, .submit(SubmitRequest(spec: .object(spec)))),
        ]), replies: 2)
        #expect(answer.contains("permission_denied") && answer.contains("the client must pass the open file"), "\(answer)")
        #expect(!answer.contains("submitted"), "\(answer)")
    }

    @Test func outIsTheMembersOwnFileAndIsNotReplacedWithoutForce() throws {
        let user = try TestUser(); defer { user.remove() }
        let (d, dir, home) = try setUp(user)
        defer { d.cleanup() }
        let model = try submit(try d.connect(), trainSpec(name: "m", steps: 5, extra: smallModel))
        #expect(try follow(d, model.id).events.last?.state == .succeeded)

        let out = home + "/s.csv"
        let sample = ["sample", "--model", "m", "--sampler", "ddim", "--steps", "3", "-n", "40", "--out", out, "--follow"]
        let first = try user.diffctl(sample + ["--seed", "1"], socket: d.socket, in: dir)
        #expect(first.status == 0, "\(first.stdout) \(first.stderr)")
        var st = stat()
        #expect(stat(out, &st) == 0 && st.st_uid == user.uid && st.st_gid == user.gid, "owned by the member, not root")
        let written = try String(contentsOfFile: out, encoding: .utf8)
        #expect(written.split(separator: "\n").count == 41, "header and 40 samples: \(written.prefix(200))")

        let again = try user.diffctl(sample + ["--seed", "2"], socket: d.socket, in: dir)
        #expect(again.status == 4 && again.stderr.contains("'\(out)' already exists; pass --force"), "\(again.stderr)")
        #expect(try String(contentsOfFile: out, encoding: .utf8) == written)
        let forced = try user.diffctl(sample + ["--seed", "2", "--force"], socket: d.socket, in: dir)
        #expect(forced.status == 0, "\(forced.stderr)")
        let replaced = try String(contentsOfFile: out, encoding: .utf8)
        #expect(replaced != written && replaced.split(separator: "\n").count == 41)
        #expect(stat(out, &st) == 0 && st.st_uid == user.uid)

        // a directory the member may not write into: the client cannot create the file, nothing is submitted
        let rootOnly = dir + "/rootonly"
        try FileManager.default.createDirectory(atPath: rootOnly, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        let denied = try user.diffctl(["sample", "--model", "m", "--out", rootOnly + "/s.csv"], socket: d.socket, in: dir)
        #expect(denied.status == 4 && denied.stderr.contains("cannot create '\(rootOnly)/s.csv': Permission denied"), "\(denied.stderr)")
        #expect(!FileManager.default.fileExists(atPath: rootOnly + "/s.csv"))
        // a refused job leaves no empty file behind
        let refused = try user.diffctl(["sample", "--model", "no-such-model", "--out", home + "/t.csv"], socket: d.socket, in: dir)
        #expect(refused.status == 4 && refused.stderr.contains("no model"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: home + "/t.csv"))
        // a job refused at submit (guidance on a model without classes: checked against the model) leaves none either
        let failed = try user.diffctl(["sample", "--model", "m", "--class", "3", "--guidance", "2", "-n", "10",
                                       "--out", home + "/f.csv", "--follow"], socket: d.socket, in: dir)
        #expect(failed.status == 4 && failed.stderr.contains("--class"), "\(failed.stdout) \(failed.stderr)")
        #expect(!FileManager.default.fileExists(atPath: home + "/f.csv"))

        // the daemon's own user (root here) may still name paths without passing them
        let rootOut = dir + "/root-out.csv"
        let job = try submit(try d.connect(), .object(["kind": .string("sample"), "model": .string("m"), "sampler": .string("ddim"),
                                                       "steps": .int(3), "count": .int(10), "out": .string(rootOut)]))
        #expect(try follow(d, job.id).events.last?.state == .succeeded)
        #expect(try String(contentsOfFile: rootOut, encoding: .utf8).split(separator: "\n").count == 11)
    }
}

@Suite(.serialized) struct PassedFileRestartTests {
    @Test func passedFilesSurviveAKillNineBeforeTheJobRuns() throws {
        let d = try DaemonProcess()
        defer { d.cleanup() }
        try d.start()
        let c = try d.connect()
        let model = try submit(c, trainSpec(name: "m", steps: 5, extra: smallModel))
        #expect(try follow(d, model.id).events.last?.state == .succeeded)
        let ahead = try submit(c, trainSpec(name: "ahead", steps: 10_000_000, extra: smallModel))

        let data = d.dir + "/points.csv", out = d.dir + "/s.csv"
        try ringCSV().write(toFile: data, atomically: false, encoding: .utf8)
        let input = open(data, O_RDONLY | O_CLOEXEC)
        let output = open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        #expect(input >= 0 && output >= 0)
        var train = trainSpec(name: "copied", steps: 20, extra: ["width": .int(16), "depth": .int(1), "timeEmbedDim": .int(16), "batchSize": .int(32)]).objectValue!
        train["dataset"] = .string(data)
        let t = try c.send(.submit(SubmitRequest(spec: .object(train), files: ["dataset"])), passing: [input])
        let sampleSpec: JSONValue = .object(["kind": .string("sample"), "model": .string("m"), "sampler": .string("ddim"), "steps": .int(3),
                                             "count": .int(10), "out": .string(out)])
        let s = try c.send(.submit(SubmitRequest(spec: sampleSpec, files: ["out"])), passing: [output])
        // a count that does not match the descriptors is refused, and nothing leaks
        let bad = try c.send(.submit(SubmitRequest(spec: sampleSpec, files: ["out", "dataset"])), passing: [input])
        close(input); close(output)
        guard case .submitted(let trainJob) = try c.response(to: t, timeout: 60),
              case .submitted(let sampleJob) = try c.response(to: s, timeout: 60) else { Issue.record("a submit with files was refused"); return }
        guard case .error(let e) = try c.response(to: bad, timeout: 60) else { Issue.record("a mismatched files list was accepted"); return }
        #expect(e.error.message.contains("passed 1 open file(s) but 'files' names 2"), "\(e.error.message)")

        try d.kill9()
        #expect(unlink(data) == 0)
        try d.start()
        _ = try d.connect().call(.cancel(JobRequest(job: ahead.id)), timeout: 30)
        #expect(try follow(d, trainJob.job.id).events.last?.state == .succeeded, "\(d.log.suffix(2000))")
        let sampled = try follow(d, sampleJob.job.id).events
        #expect(sampled.last?.state == .succeeded, "\(sampled.last?.error ?? "")")
        // the descriptor died with the daemon: the samples are in the job directory, and the job says so
        let jobDir = d.stateDir + "/jobs/\(sampleJob.job.id)"
        let events = try String(contentsOfFile: jobDir + "/events.jsonl", encoding: .utf8)
        #expect(events.contains("out not delivered: the daemon restarted") && events.contains("diffctl get \(sampleJob.job.id)"), "\(events.suffix(1500))")
        #expect(try String(contentsOfFile: out, encoding: .utf8).isEmpty)
        #expect(try String(contentsOfFile: jobDir + "/out.csv", encoding: .utf8).split(separator: "\n").count == 11)
        let info = try jobInfo(d, sampleJob.job.id)
        #expect(info.spec?.objectValue?["out"]?.stringValue == out)
        #expect(info.outputs?["out"] == jobDir + "/out.csv")
    }
}
