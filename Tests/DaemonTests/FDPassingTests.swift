// FDPassingTests.swift — descriptors passed with SCM_RIGHTS: through a socketpair they arrive
// close-on-exec and usable (a pipe's bytes read back through the received copy); through the
// daemon they arrive with the request whose bytes carried them, and the daemon closes them.
import DiffProtocol
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite struct FDPassingTests {
    @Test func aPipePassedOverASocketpairArrivesCloseOnExecAndWorks() throws {
        var sv: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &sv) == 0)
        defer { close(sv[0]); close(sv[1]) }
        var p: [Int32] = [0, 0]
        #expect(pipe(&p) == 0)
        defer { close(p[1]) }

        let msg = Data(#"{"id":1,"type":"jobs"}"#.utf8 + [0x0A])
        let sent = msg.withUnsafeBytes { FDPassing.send(socket: sv[0], $0, fds: [p[0]]) }
        #expect(sent == msg.count)
        close(p[0])   // our copy; the one in flight keeps the pipe's read end alive

        var buf = [UInt8](repeating: 0, count: 4096)
        let r = buf.withUnsafeMutableBytes { FDPassing.receive(socket: sv[1], into: $0) }
        #expect(r.count == msg.count && !r.truncated)
        #expect(Data(buf[0..<max(0, r.count)]) == msg)
        let received = try #require(r.fds.first)
        #expect(r.fds.count == 1)
        defer { close(received) }
        #expect(fcntl(received, F_GETFD) & FD_CLOEXEC != 0, "received descriptors are close-on-exec")

        let text = Array("through the pipe".utf8)
        #expect(write(p[1], text, text.count) == text.count)
        var back = [UInt8](repeating: 0, count: 64)
        let n = read(received, &back, back.count)
        #expect(n == text.count && Array(back[0..<max(0, n)]) == text)

        // plain bytes afterwards carry no descriptors
        let plain = Data("x\n".utf8)
        _ = plain.withUnsafeBytes { FDPassing.send(socket: sv[0], $0, fds: []) }
        let r2 = buf.withUnsafeMutableBytes { FDPassing.receive(socket: sv[1], into: $0) }
        #expect(r2.count == 2 && r2.fds.isEmpty)
    }

    @Test func theDaemonGetsDescriptorsWithTheirRequestAndClosesThem() throws {
        let d = try DaemonProcess()
        defer { d.cleanup() }
        try d.start()
        let c = try d.connect()
        var p: [Int32] = [0, 0]
        #expect(pipe(&p) == 0)
        defer { close(p[1]) }
        var q: [Int32] = [0, 0]
        #expect(pipe(&q) == 0)
        defer { close(q[0]); close(q[1]) }

        // three requests back to back; only the middle one carries descriptors
        let first = try c.send(.jobs)
        let second = try c.send(.info, passing: [p[0], q[0]])
        let third = try c.send(.models)
        close(p[0])
        for id in [first, second, third] {
            let r = try c.response(to: id, timeout: 30)
            if case .error(let e) = r { Issue.record("request \(id) failed: \(e.error.message)") }
        }
        #expect(second == first + 1 && third == second + 1)
        let lines = d.log.split(separator: "\n").filter { $0.contains("request carried file descriptors") }
        #expect(lines.count == 1, "\(lines)")
        #expect(lines.first?.contains("id=\(second) count=2") == true, "\(lines)")

        // the daemon closed its copy: with ours closed too, the pipe has no reader left
        signal(SIGPIPE, SIG_IGN)
        try waitUntil(10, "the daemon to close the passed read end") {
            let byte: [UInt8] = [0x41]
            return write(p[1], byte, 1) < 0 && errno == EPIPE
        }
    }
}
