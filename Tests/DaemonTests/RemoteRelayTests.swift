// RemoteRelayTests.swift — remote use without an sshd (these always run): `diffusiond dial-stdio`
// relays the protocol and marks the connection remote, so a spec naming a path without an upload
// is refused; uploads are content-addressed, verified and bounded by upload_limit; downloads give
// back the exact bytes; and diffctl --host ssh://… end to end through a stand-in ssh that runs the
// remote command here (the real sshd is RemoteSSHTests).
import DiffProtocol
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized) struct RemoteRelayTests {
    func dial(_ d: DaemonProcess) throws -> ClientConnection {
        try relayedConnection([try binary("diffusiond"), "dial-stdio", "--socket", d.socket])
    }

    @Test func dialStdioRelaysAndAPathWithoutUploadIsRefused() throws {
        let d = try DaemonProcess().start()
        defer { d.cleanup() }
        let c = try dial(d)
        guard case .info(let i) = try c.call(.info, timeout: 30) else { throw HarnessError(description: "info") }
        #expect(!i.info.version.isEmpty)
        let data = d.dir + "/points.csv"
        try ringCSV().write(toFile: data, atomically: true, encoding: .utf8)
        // the daemon could open this path (same machine, same user) but must not: the client is remote
        let id = try c.send(.submit(SubmitRequest(spec: trainSpec(name: "r", steps: 5, extra: ["dataset": .string(data)]))))
        guard case .error(let e) = try c.response(to: id, timeout: 30) else { throw HarnessError(description: "the submit was accepted") }
        #expect(e.error.code == .permissionDenied)
        #expect(e.error.message.contains("'--dataset'") && e.error.message.contains("uploaded"), "\(e.error.message)")
        // `out` likewise: a remote client's path is never written
        let id2 = try c.send(.submit(SubmitRequest(spec: .object(["kind": .string("sample"), "model": .string("none"), "out": .string(d.dir + "/s.csv")]))))
        guard case .error(let e2) = try c.response(to: id2, timeout: 30) else { throw HarnessError(description: "the sample was accepted") }
        #expect(e2.error.message.contains("'--out'"), "\(e2.error.message)")
        #expect(!FileManager.default.fileExists(atPath: d.dir + "/s.csv"))
        guard case .jobs(let jobs) = try c.call(.jobs, timeout: 30) else { throw HarnessError(description: "jobs") }
        #expect(jobs.jobs.isEmpty)
        // a local connection may still name the path (it is the daemon's own user)
        let local = try submit(d.connect(), trainSpec(name: "l", steps: 5, extra: ["dataset": .string(data), "width": .int(16), "batchSize": .int(32)]))
        #expect(local.state == .queued)
        #expect(d.isRunning)
    }

    @Test func uploadsAreVerifiedOrderedAndBounded() throws {
        let d = try DaemonProcess(extraArgs: ["--upload-limit", "64K"]).start()
        defer { d.cleanup() }
        let c = try dial(d)
        let bytes = Data(ringCSV(600).utf8)   // ~25 KB, sent below as three pieces
        let sha = SHA256.hex(bytes)
        guard case .blob(let before) = try c.call(.hasBlob(BlobQuery(sha256: sha)), timeout: 30) else { throw HarnessError(description: "hasBlob") }
        #expect(!before.present && before.limit == 64 << 10)
        // a piece that does not continue where the upload is refused
        let third = bytes.count / 3
        let p0 = bytes.prefix(third), p1 = bytes.dropFirst(third).prefix(third), p2 = bytes.dropFirst(2 * third)
        func piece(_ data: Data, at offset: Int, sha s: String = sha) -> RequestBody {
            .upload(UploadChunk(sha256: s, size: bytes.count, offset: offset, data: data.base64EncodedString()))
        }
        guard case .uploaded(let r0) = try c.call(piece(Data(p0), at: 0), timeout: 30) else { throw HarnessError(description: "upload") }
        #expect(r0.received == third && !r0.complete)
        #expect(throws: ProtocolError.self) { try c.call(piece(Data(p2), at: 2 * third), timeout: 30) }
        _ = try c.call(piece(Data(p1), at: third), timeout: 30)
        guard case .uploaded(let r2) = try c.call(piece(Data(p2), at: 2 * third), timeout: 30) else { throw HarnessError(description: "upload") }
        #expect(r2.complete && r2.received == bytes.count)
        #expect(FileManager.default.contents(atPath: d.stateDir + "/uploads/" + sha) == bytes)
        guard case .blob(let after) = try c.call(.hasBlob(BlobQuery(sha256: sha)), timeout: 30) else { throw HarnessError(description: "hasBlob") }
        #expect(after.present && after.size == bytes.count)

        // bytes that do not hash to the name they were sent under are not kept
        let other = Data("x,y\n1,2\n3,4\n".utf8)
        let wrong = SHA256.hex(Data("something else".utf8))
        do {
            _ = try c.call(.upload(UploadChunk(sha256: wrong, size: other.count, offset: 0, data: other.base64EncodedString())), timeout: 30)
            Issue.record("an upload with the wrong hash was accepted")
        } catch let e as ProtocolError { #expect(e.message.contains("do not have SHA-256"), "\(e.message)") }
        #expect(!FileManager.default.fileExists(atPath: d.stateDir + "/uploads/" + wrong))
        // over upload_limit
        do {
            _ = try c.call(.upload(UploadChunk(sha256: wrong, size: 65 << 10, offset: 0, data: "")), timeout: 30)
            Issue.record("an upload over upload_limit was accepted")
        } catch let e as ProtocolError { #expect(e.code == .tooLarge && e.message.contains("upload_limit"), "\(e.message)") }
        // not a hash at all
        #expect(throws: ProtocolError.self) { try c.call(.hasBlob(BlobQuery(sha256: "../../etc/passwd")), timeout: 30) }
        let names = try FileManager.default.contentsOfDirectory(atPath: d.stateDir + "/uploads")
        #expect(names == [sha], "only the verified blob is stored, no partial files: \(names)")

        // the blob trains a model; its outputs come back byte for byte
        let spec = trainSpec(name: "up", steps: 20, extra: ["dataset": .string("/laptop/home/points.csv"), "width": .int(16), "batchSize": .int(32), "depth": .int(1), "timeEmbedDim": .int(16)])
        guard case .submitted(let s) = try c.call(.submit(SubmitRequest(spec: spec, uploads: ["dataset": sha])), timeout: 60) else { throw HarnessError(description: "submit") }
        #expect(FileManager.default.contents(atPath: d.stateDir + "/jobs/\(s.job.id)/inputs/dataset.csv") == bytes)
        let (_, events) = try follow(d, s.job.id)
        #expect(events.last?.state == .succeeded, "\(d.log.suffix(2000))")
        let info = try jobInfo(d, s.job.id)
        let samples = try #require(info.outputs?["samples"])
        var got = Data(), offset = 0, digest: String?
        repeat {
            guard case .downloaded(let p) = try c.call(.download(DownloadRequest(job: s.job.id, output: "samples", offset: offset, length: 1000)), timeout: 30) else {
                throw HarnessError(description: "download")
            }
            got.append(Data(base64Encoded: p.data)!)
            offset = got.count
            digest = p.sha256
            if offset >= p.size { break }
        } while true
        #expect(got == FileManager.default.contents(atPath: samples))
        #expect(digest == SHA256.hex(got))
        #expect(throws: ProtocolError.self) { try c.call(.download(DownloadRequest(job: s.job.id, output: "nope")), timeout: 30) }
        #expect(d.isRunning)
    }

    @Test func diffctlOverSSHUploadsOnceAndDownloads() throws {
        let d = try DaemonProcess().start()
        defer { d.cleanup() }
        let work = try makeTempDir("ddlaptop")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let ssh = try fakeSSH(in: work)
        let env = ["DIFFUSIOND_SSH": ssh, "DIFFUSIOND_REMOTE_BIN": try binary("diffusiond"), "DIFFUSIOND_HOST": "ssh://me@gpubox:2200"]
        try ringCSV().write(toFile: work + "/points.csv", atomically: true, encoding: .utf8)

        let info = try diffctl(["--socket", d.socket, "--ssh-option", "ConnectTimeout=9", "info"], env: env, cwd: work)
        #expect(info.status == 0, "\(info.stderr)")
        let sshArgs = (try? String(contentsOfFile: work + "/ssh-args", encoding: .utf8)) ?? ""
        #expect(sshArgs.contains("-o ConnectTimeout=9") && sshArgs.contains("-p 2200") && sshArgs.contains("me@gpubox"), "\(sshArgs)")
        #expect(sshArgs.contains("dial-stdio --socket \(d.socket)"), "\(sshArgs)")

        let train = ["--socket", d.socket, "train", "--dataset", "points.csv", "--steps", "20", "--follow", "--json"] + remoteSmallModel
        let first = try diffctl(train + ["--name", "a"], env: env, cwd: work)
        #expect(first.status == 0, "\(first.stderr)\n\(d.log.suffix(2000))")
        #expect(first.stderr.contains("uploads: 1 sent"), "\(first.stderr)")
        #expect(uploadsStored(d) == 1)
        let second = try diffctl(train + ["--name", "b"], env: env, cwd: work)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("uploads: 0 sent") && second.stderr.contains("already on the daemon"), "\(second.stderr)")
        #expect(uploadsStored(d) == 1, "the second run uploaded nothing")

        let sample = try diffctl(["--socket", d.socket, "sample", "--model", "a", "-n", "64", "--sampler", "ddim", "--steps", "5",
                                  "--out", "s.csv", "--follow", "--json"], env: env, cwd: work)
        #expect(sample.status == 0, "\(sample.stderr)")
        let job = try #require(sample.stdout.split(separator: "\n").first.flatMap { try? JSONDecoder().decode(JobInfo.self, from: Data($0.utf8)) })
        let outOnBox = try #require(try jobInfo(d, job.id).outputs?["out"])
        #expect(outOnBox.hasPrefix(d.stateDir), "the out file was written on the box, in the job's directory")
        #expect(FileManager.default.contents(atPath: work + "/s.csv") == FileManager.default.contents(atPath: outOnBox))
        let again = try diffctl(["--socket", d.socket, "sample", "--model", "a", "-n", "8", "--out", "s.csv"], env: env, cwd: work)
        #expect(again.status == 4 && again.stderr.contains("already exists"), "\(again.stderr)")

        let get = try diffctl(["--socket", d.socket, "get", job.id, "got", "--json"], env: env, cwd: work)
        #expect(get.status == 0, "\(get.stderr)")
        for (name, path) in try jobInfo(d, job.id).outputs ?? [:] where path.hasPrefix(d.stateDir) {
            let local = work + "/got/" + (path as NSString).lastPathComponent
            #expect(FileManager.default.contents(atPath: local) == FileManager.default.contents(atPath: path), "output \(name)")
        }
        #expect(FileManager.default.fileExists(atPath: work + "/got/samples.csv"))
    }

    @Test func badHostsAreUsageErrorsAndAFailedSSHSaysSo() throws {
        for bad in ["ftp://box", "ssh://", "ssh://box:99999", "ssh://box/path", "unix://relative"] {
            let r = try diffctl(["--host", bad, "info"], env: [:])
            #expect(r.status == 2, "\(bad): \(r.status) \(r.stderr)")
        }
        let work = try makeTempDir("ddlaptop")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let ssh = try fakeSSH(in: work)
        // the box has no daemon at that socket: the relay says so, diffctl exits 3
        let r = try diffctl(["--host", "ssh://box", "--socket", work + "/none.sock", "info"],
                            env: ["DIFFUSIOND_SSH": ssh, "DIFFUSIOND_REMOTE_BIN": try binary("diffusiond")])
        #expect(r.status == 3, "\(r.stderr)")
        #expect(r.stderr.contains("dial-stdio") && r.stderr.contains("no daemon reached through ssh://box"), "\(r.stderr)")
    }

    @Test func unixHostIsTheLocalSocket() throws {
        let d = try DaemonProcess().start()
        defer { d.cleanup() }
        let r = try diffctl(["--host", "unix://" + d.socket, "info", "--json"], env: [:])
        #expect(r.status == 0 && r.stdout.contains(d.stateDir), "\(r.stderr)")
        let viaEnv = try diffctl(["jobs"], env: ["DIFFUSIOND_HOST": "unix://" + d.socket])
        #expect(viaEnv.status == 0, "\(viaEnv.stderr)")
        let none = try diffctl(["--host", "unix://" + d.dir + "/nothing.sock", "info"], env: [:])
        #expect(none.status == 3, "\(none.stderr)")
    }
}
