// RemoteSSHTests.swift — remote use through a real OpenSSH server (scripts/sshd-local.sh: a
// throwaway sshd on 127.0.0.1 with its own host and client keys): a real daemon, and diffctl
// --host ssh://user@127.0.0.1:PORT with the test key passed as --ssh-option. info; train on a local
// CSV (uploaded); train again with the same file (nothing uploaded, asserted in the daemon's log);
// sample with --out (downloaded); `get` downloads the outputs byte for byte; and the refused cases
// (a relayed submit naming a path without upload, export over --host). Under CI=true the suite
// runs and fails when the sshd does not answer; elsewhere it is skipped without one.
import DiffProtocol
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized, .enabled(if: LocalSSHD.enabled, "no local sshd answers (start one with scripts/sshd-local.sh start, or make sshd-up); under CI=true this suite runs"))
struct RemoteSSHTests {
    /// ssh://user@127.0.0.1:port and the options that let the test key in (no ssh_config used)
    func target() throws -> (host: String, options: [String]) {
        try #require(LocalSSHD.up, "the local sshd does not answer: `ssh -F \(LocalSSHD.config) diffusiond-test true` failed; start it with scripts/sshd-local.sh start")
        let s = LocalSSHD.settings
        let port = try #require(s["port"]), user = try #require(s["user"]), key = try #require(s["key"])
        let options = ["IdentityFile=\(key)", "IdentitiesOnly=yes", "StrictHostKeyChecking=no", "UserKnownHostsFile=/dev/null",
                       "BatchMode=yes", "LogLevel=ERROR", "ConnectTimeout=10"]
        return ("ssh://\(user)@127.0.0.1:\(port)", options.flatMap { ["--ssh-option", $0] })
    }

    /// diffctl through the sshd against daemon `d` (its socket is named for dial-stdio on the box)
    func remote(_ d: DaemonProcess, _ args: [String], cwd: String) throws -> CLIResult {
        let (host, options) = try target()
        return try diffctl(["--host", host, "--socket", d.socket] + options + args,
                           env: ["DIFFUSIOND_REMOTE_BIN": try binary("diffusiond"), "DIFFUSIOND_SSH": ""], cwd: cwd)
    }

    @Test func trainUploadsOnceSampleAndGetDownload() throws {
        let d = try DaemonProcess().start()
        defer { d.cleanup() }
        let work = try makeTempDir("ddssh")
        defer { try? FileManager.default.removeItem(atPath: work) }
        try ringCSV().write(toFile: work + "/points.csv", atomically: true, encoding: .utf8)

        let info = try remote(d, ["info", "--json"], cwd: work)
        #expect(info.status == 0, "\(info.stderr)")
        #expect(info.stdout.contains("\"version\""), "\(info.stdout)")
        #expect(d.log.contains("remote client") && d.log.contains("via=ssh"), "the daemon saw a relayed ssh client: \(d.log.suffix(1500))")

        let train = ["train", "--dataset", "points.csv", "--steps", "30", "--follow", "--json"] + remoteSmallModel
        let first = try remote(d, train + ["--name", "a"], cwd: work)
        #expect(first.status == 0, "\(first.stderr)\n\(d.log.suffix(2000))")
        #expect(first.stderr.contains("uploads: 1 sent"), "\(first.stderr)")
        #expect(uploadsStored(d) == 1)
        let sha = try sha256sum(work + "/points.csv")
        #expect(FileManager.default.contents(atPath: d.stateDir + "/uploads/" + sha) == FileManager.default.contents(atPath: work + "/points.csv"),
                "the upload is stored under its SHA-256, byte for byte")

        let second = try remote(d, train + ["--name", "b"], cwd: work)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("uploads: 0 sent") && second.stderr.contains("already on the daemon"), "\(second.stderr)")
        #expect(uploadsStored(d) == 1, "the second run uploaded nothing")
        #expect(try FileManager.default.contentsOfDirectory(atPath: d.stateDir + "/uploads") == [sha])

        let sample = try remote(d, ["sample", "--model", "a", "-n", "64", "--sampler", "ddim", "--steps", "5", "--out", "s.csv", "--follow", "--json"], cwd: work)
        #expect(sample.status == 0, "\(sample.stderr)")
        let job = try #require(sample.stdout.split(separator: "\n").first.flatMap { try? JSONDecoder().decode(JobInfo.self, from: Data($0.utf8)) })
        let outOnBox = try #require(try jobInfo(d, job.id).outputs?["out"])
        #expect(outOnBox.hasPrefix(d.stateDir))
        let here = FileManager.default.contents(atPath: work + "/s.csv")
        #expect(here != nil && here == FileManager.default.contents(atPath: outOnBox), "--out was downloaded")

        let get = try remote(d, ["get", job.id, "got"], cwd: work)
        #expect(get.status == 0, "\(get.stderr)")
        var compared = 0
        for (name, path) in try jobInfo(d, job.id).outputs ?? [:] where path.hasPrefix(d.stateDir) {
            let local = work + "/got/" + (path as NSString).lastPathComponent
            #expect(FileManager.default.contents(atPath: local) == FileManager.default.contents(atPath: path), "output \(name)")
            compared += 1
        }
        #expect(compared >= 2, "the sample job has outputs to download")
        #expect(d.isRunning)
    }

    @Test func pathsWithoutUploadAndExportAreRefused() throws {
        let d = try DaemonProcess().start()
        defer { d.cleanup() }
        let work = try makeTempDir("ddssh")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let data = work + "/points.csv"
        try ringCSV().write(toFile: data, atomically: true, encoding: .utf8)
        _ = try target()

        // a raw client through the real sshd: the path exists on the box and the daemon's user could
        // read it, but the client is remote, so only an upload is accepted
        let command = ["ssh", "-F", LocalSSHD.config, "diffusiond-test", "\(try binary("diffusiond")) dial-stdio --socket \(d.socket)"]
        let c = try relayedConnection(command, endpoint: "ssh://diffusiond-test")
        let id = try c.send(.submit(SubmitRequest(spec: trainSpec(name: "r", steps: 5, extra: ["dataset": .string(data)]))))
        guard case .error(let e) = try c.response(to: id, timeout: 30) else { throw HarnessError(description: "a remote submit naming a path was accepted") }
        #expect(e.error.code == .permissionDenied)
        #expect(e.error.message.contains("'--dataset'") && e.error.message.contains("uploaded"), "\(e.error.message)")
        // a blob that was never uploaded is refused too
        let id2 = try c.send(.submit(SubmitRequest(spec: trainSpec(name: "r2", steps: 5, extra: ["dataset": .string(data)]),
                                                   uploads: ["dataset": SHA256.hex(Data("never sent".utf8))])))
        guard case .error(let e2) = try c.response(to: id2, timeout: 30) else { throw HarnessError(description: "a submit naming a missing blob was accepted") }
        #expect(e2.error.message.contains("no upload"), "\(e2.error.message)")
        guard case .jobs(let jobs) = try c.call(.jobs, timeout: 30) else { throw HarnessError(description: "jobs") }
        #expect(jobs.jobs.isEmpty)

        // diffctl export passes open files, which cannot travel over ssh: refused clearly, no file made
        let export = try remote(d, ["export", "some-model", "--out", "m.safetensors"], cwd: work)
        #expect(export.status == 4, "\(export.status) \(export.stderr)")
        #expect(export.stderr.contains("export over --host is not supported yet"), "\(export.stderr)")
        #expect(!FileManager.default.fileExists(atPath: work + "/m.safetensors"))
        // a dataset that does not exist here is the client's error, named by its flag
        let missing = try remote(d, ["train", "--dataset", "nope.csv", "--steps", "5"], cwd: work)
        #expect(missing.status == 4 && missing.stderr.contains("--dataset"), "\(missing.status) \(missing.stderr)")
        #expect(d.isRunning)
    }

    @Test func hostFromTheEnvironmentWithAnSSHConfigFile() throws {
        _ = try target()
        let d = try DaemonProcess().start()
        defer { d.cleanup() }
        // DIFFUSIOND_HOST names a Host entry of the config that DIFFUSIOND_SSH passes with -F
        let env = ["DIFFUSIOND_HOST": "ssh://diffusiond-test", "DIFFUSIOND_SSH": "ssh -F \(LocalSSHD.config)",
                   "DIFFUSIOND_REMOTE_BIN": try binary("diffusiond")]
        let info = try diffctl(["--socket", d.socket, "info", "--json"], env: env)
        #expect(info.status == 0, "\(info.stderr)")
        #expect(info.stdout.contains(d.stateDir), "the daemon behind ssh answered: \(info.stdout)")
    }
}
