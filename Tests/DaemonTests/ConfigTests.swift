// ConfigTests.swift — daemon.conf parsing: the top-level file documents the built-in defaults;
// environment beats file, flags beat environment; bad input names the line, variable or flag.
import Daemon
import Foundation
import Jobs
import Testing

@Suite struct ConfigTests {
    static let repoConf = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("daemon.conf").path

    @Test func topLevelDaemonConfIsTheDefaults() throws {
        let text = try String(contentsOfFile: ConfigTests.repoConf, encoding: .utf8)
        var c = DaemonConfig()
        try c.apply(fileText: text, name: "daemon.conf")
        #expect(c == DaemonConfig())
        // every key is present (documented) in the file
        for key in DaemonConfig.keys {
            #expect(text.contains("\n\(key) ="), "daemon.conf does not document '\(key)'")
        }
    }

    @Test func fileValuesCommentsAndQuotes() throws {
        var c = DaemonConfig()
        try c.apply(fileText: """
            # comment
            max_jobs = 3   # trailing comment
            socket = "/tmp/with space/s.sock"
            backend=vulkan
            device = 1
            log_level = warn
            """, name: "x.conf")
        #expect(c.maxJobs == 3 && c.socket == "/tmp/with space/s.sock" && c.backend == .vulkan && c.device == .index(1) && c.logLevel == .warn)
    }

    @Test func deviceTakesAnIndexAUUIDOrAPCIBusID() throws {
        var c = DaemonConfig()
        try c.apply(fileText: "device = 3\n", name: "x.conf")
        #expect(c.device == .index(3))
        try c.apply(fileText: "device = 6D657361-3232-2e33-2e36-000000000000\n", name: "x.conf")
        #expect(c.device == .uuid("6d657361-3232-2e33-2e36-000000000000"))
        try c.apply(fileText: "device = 6d65736132322e332e36000000000000\n", name: "x.conf")
        #expect(c.device == .uuid("6d65736132322e332e36000000000000"))
        try c.apply(fileText: "device = 0000:65:00.0\n", name: "x.conf")
        #expect(c.device == .pciBusID("0000:65:00.0"))
        try c.apply(fileText: "device = 65:00.1\n", name: "x.conf")
        #expect(c.device == .pciBusID("0000:65:00.1"))
        try c.apply(fileText: "device = auto\n", name: "x.conf")
        #expect(c.device == nil)
        // what the config writes back reads back the same
        for d in [DeviceSelector.index(2), .uuid("6d657361-3232-2e33-2e36-000000000000"), .pciBusID("0000:65:00.0")] {
            #expect(DeviceSelector(parsing: d.description) == d)
        }
        for bad in ["65", "gpu0", "6d657361-3232-2e33-2e36", "0000:65:00", "zz:00.0", "0000:65:00.0.1"] {
            var c2 = DaemonConfig()
            #expect(throws: ConfigError.self) { try c2.apply(fileText: "device = \(bad)\n", name: "x.conf") }
        }
    }

    @Test func unknownKeyNamesTheLine() {
        var c = DaemonConfig()
        #expect(throws: ConfigError("x.conf:3", "unknown key 'max_job' (known: \(DaemonConfig.keys.joined(separator: ", ")))")) {
            try c.apply(fileText: "# a\nbackend = cpu\nmax_job = 2\n", name: "x.conf")
        }
    }

    @Test func badValuesNameTheLine() {
        for (text, message) in [("max_jobs = 0", "max_jobs must be an integer in 1…64, got '0'"),
                                ("backend = gpu", "backend must be auto, cpu or vulkan, got 'gpu'"),
                                ("checkpoint_every = ten", "checkpoint_every must be an integer in 1…100000000, got 'ten'"),
                                ("just words", "expected 'key = value', got 'just words'")] {
            var c = DaemonConfig()
            #expect(throws: ConfigError("f:2", message)) { try c.apply(fileText: "\n" + text, name: "f") }
        }
    }

    @Test func precedenceFileThenEnvironmentThenFlags() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "max_jobs = 2\ncheckpoint_keep = 5\nsocket = /tmp/file.sock\n".write(toFile: dir + "/d.conf", atomically: true, encoding: .utf8)
        let cmd = try DaemonConfig.load(arguments: ["--config", dir + "/d.conf", "--max-jobs", "4", "--state-dir=/tmp/st"],
                                        environment: ["DIFFUSIOND_MAX_JOBS": "3", "DIFFUSIOND_CHECKPOINT_KEEP": "7"])
        guard case .run(let c) = cmd else { Issue.record("expected run, got \(cmd)"); return }
        #expect(c.maxJobs == 4)          // flag beats env beats file
        #expect(c.checkpointKeep == 7)   // env beats file
        #expect(c.socket == "/tmp/file.sock")
        #expect(c.stateDir == "/tmp/st")
        #expect(c.configFile == dir + "/d.conf")
    }

    @Test func badFlagsAndVariablesAreNamed() {
        #expect(throws: ConfigError("--max-jobs", "max_jobs must be an integer in 1…64, got 'lots'")) {
            try DaemonConfig.load(arguments: ["--max-jobs", "lots"], environment: ["DIFFUSIOND_CONFIG": "/dev/null"])
        }
        #expect(throws: ConfigError("DIFFUSIOND_BACKEND", "backend must be auto, cpu or vulkan, got 'tpu'")) {
            try DaemonConfig.load(arguments: [], environment: ["DIFFUSIOND_CONFIG": "/dev/null", "DIFFUSIOND_BACKEND": "tpu"])
        }
        #expect(throws: ConfigError.self) { try DaemonConfig.load(arguments: ["--frobnicate", "1"], environment: [:]) }
        #expect(throws: ConfigError.self) { try DaemonConfig.load(arguments: ["--config", "/nonexistent/d.conf"], environment: [:]) }
    }

    @Test func defaultPathsFollowXDG() {
        let c = DaemonConfig()
        #expect(c.socketPath(environment: ["XDG_RUNTIME_DIR": "/run/user/7"]) == "/run/user/7/diffusiond.sock")
        #expect(c.stateDirectory(environment: ["XDG_STATE_HOME": "/s"]) == "/s/diffusiond")
        #expect(c.stateDirectory(environment: ["HOME": "/home/u"]) == "/home/u/.local/state/diffusiond")
    }
}

@Suite struct PeerPolicyTests {
    @Test func ownerAndRootAreAllowedOthersAreNot() {
        let p = PeerPolicy(ownerUID: 1000)
        #expect(p.allows(PeerCredentials(pid: 1, uid: 1000, gid: 1000)))
        #expect(p.allows(PeerCredentials(pid: 1, uid: 0, gid: 0)))
        #expect(!p.allows(PeerCredentials(pid: 1, uid: 1001, gid: 1000)))
    }

    @Test func configuredGroupAdmitsItsMembers() {
        let p = PeerPolicy(ownerUID: 1000, allowedGroup: 50)
        #expect(p.allows(PeerCredentials(pid: 1, uid: 1001, gid: 50)))
        #expect(p.allows(PeerCredentials(pid: 1, uid: 1001, gid: 1001), supplementaryGroups: [27, 50]))
        #expect(!p.allows(PeerCredentials(pid: 1, uid: 1001, gid: 1001), supplementaryGroups: [27]))
    }

    @Test func peerCredentialsOfAConnectedSocket() throws {
        var fds: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        let peer = try #require(PeerCredentials.of(socket: fds[0]))
        #expect(peer == PeerCredentials(pid: getpid(), uid: getuid(), gid: getgid()))
        #expect(PeerPolicy(ownerUID: geteuid()).allows(peer))
        #expect(PeerPolicy.groupID("0") == 0)
        #expect(PeerPolicy.groupID("no-such-group-xyz") == nil)
    }
}
