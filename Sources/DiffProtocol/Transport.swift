// Transport.swift — what carries the client's bytes to a daemon. ClientConnection does the
// framing over any of them: a Unix socket (local; open files can travel with a request), or the
// pipes of a child process such as `ssh user@box diffusiond dial-stdio` (remote; bytes only, so
// files a job names are uploaded instead — see Transfers.swift).
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public protocol ClientTransport: AnyObject {
    /// polled and read for the daemon's replies
    var readFD: Int32 { get }
    /// whether open descriptors can travel with a request (SCM_RIGHTS: a Unix socket only)
    var passesFiles: Bool { get }
    /// where this transport leads, for messages: a socket path or "ssh://box"
    var endpoint: String { get }
    /// write all of `data`
    func write(_ data: Data) throws
    /// write all of `data`, the descriptors with its first bytes (only when `passesFiles`)
    func write(_ data: Data, passing fds: [Int32]) throws
    /// why the far end went away, when the transport knows more than "closed" (a child's status)
    func endReason() -> String?
    func close()
}

private func errorText(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }

/// A connected Unix socket to the daemon.
public final class UnixSocketTransport: ClientTransport {
    public let path: String
    public let fd: Int32
    private var closed = false

    public init(path: String) throws {
        self.path = path
        guard var addr = unixAddress(path) else { throw ConnectError.pathTooLong(path: path) }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ConnectError.io("socket(): \(errorText())") }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        if rc != 0 {
            let err = errno
            Glibc.close(fd)
            switch err {
            case EACCES, EPERM: throw ConnectError.permissionDenied(path: path)
            case ENOENT: throw ConnectError.noDaemon(path: path, reason: "no socket file")
            case ECONNREFUSED: throw ConnectError.noDaemon(path: path, reason: "stale socket, nothing listening")
            default: throw ConnectError.noDaemon(path: path, reason: errorText(err))
            }
        }
        self.fd = fd
    }

    deinit { close() }

    public var readFD: Int32 { fd }
    public var passesFiles: Bool { true }
    public var endpoint: String { path }
    public func endReason() -> String? { nil }

    public func write(_ data: Data) throws {
        var offset = 0
        while offset < data.count {
            let n = data.withUnsafeBytes { raw in
                Glibc.send(fd, raw.baseAddress! + offset, data.count - offset, Int32(MSG_NOSIGNAL))
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw ConnectError.io("send: \(errorText())")
            }
            offset += n
        }
    }

    public func write(_ data: Data, passing fds: [Int32]) throws {
        guard !fds.isEmpty else { return try write(data) }
        guard fds.count <= FDPassing.maxFDs else { throw ConnectError.io("at most \(FDPassing.maxFDs) descriptors per request") }
        var n = -1
        while n < 0 {
            n = data.withUnsafeBytes { FDPassing.send(socket: fd, $0, fds: fds) }
            if n < 0 && errno != EINTR { throw ConnectError.io("sendmsg: \(errorText())") }
        }
        if n < data.count { try write(data.subdata(in: n..<data.count)) }
    }

    public func close() {
        guard !closed else { return }
        closed = true
        Glibc.close(fd)
    }
}

/// A child process whose stdin and stdout carry the protocol (e.g. ssh … diffusiond dial-stdio).
/// Its stderr is the client's, so the child's own complaints (ssh: Permission denied) show.
public final class ProcessTransport: ClientTransport {
    public let arguments: [String]
    public let endpoint: String
    public let pid: pid_t
    private let toChild: Int32
    private let fromChild: Int32
    private var closed = false
    private var exitStatus: Int32?

    /// Start `arguments[0]` (searched on PATH) with the rest as its arguments.
    public init(arguments: [String], endpoint: String) throws {
        precondition(!arguments.isEmpty)
        self.arguments = arguments
        self.endpoint = endpoint
        signal(SIGPIPE, SIG_IGN)   // a child that exits must be an error on write, not the end of the client
        var input: [Int32] = [0, 0], output: [Int32] = [0, 0]
        guard pipe(&input) == 0 else { throw ConnectError.io("pipe: \(errorText())") }
        guard pipe(&output) == 0 else {
            Glibc.close(input[0]); Glibc.close(input[1]); throw ConnectError.io("pipe: \(errorText())")
        }
        // close-on-exec everywhere: the child gets only its dup2'd stdin/stdout (dup2 clears the flag)
        for fd in input + output { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, input[0], 0)
        posix_spawn_file_actions_adddup2(&actions, output[1], 1)
        var child: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        let rc = posix_spawnp(&child, arguments[0], &actions, nil, argv, environ)
        Glibc.close(input[0]); Glibc.close(output[1])
        guard rc == 0 else {
            Glibc.close(input[1]); Glibc.close(output[0])
            throw ConnectError.noDaemon(path: endpoint, reason: "cannot run \(arguments[0]): \(errorText(rc))")
        }
        pid = child
        toChild = input[1]
        fromChild = output[0]
    }

    deinit { close() }

    public var readFD: Int32 { fromChild }
    public var passesFiles: Bool { false }

    public func write(_ data: Data) throws {
        var offset = 0
        while offset < data.count {
            let n = data.withUnsafeBytes { raw in Glibc.write(toChild, raw.baseAddress! + offset, data.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EPIPE { throw ConnectError.closed }
                throw ConnectError.io("write to \(arguments[0]): \(errorText())")
            }
            offset += n
        }
    }

    public func write(_ data: Data, passing fds: [Int32]) throws {
        guard fds.isEmpty else { throw ConnectError.io("open files cannot travel to \(endpoint); they are uploaded instead") }
        try write(data)
    }

    /// The child's exit status once it has exited (waits up to `wait` seconds).
    public func status(wait: Double = 2) -> Int32? {
        if let exitStatus { return exitStatus }
        let deadline = Date().addingTimeInterval(wait)
        while true {
            var st: Int32 = 0
            let r = waitpid(pid, &st, WNOHANG)
            if r == pid {
                let code = (st & 0x7f) == 0 ? (st >> 8) & 0xff : 128 + (st & 0x7f)
                exitStatus = code
                return code
            }
            if r < 0 { return nil }
            if Date() >= deadline { return nil }
            usleep(20_000)
        }
    }

    public func endReason() -> String? {
        guard let code = status() else { return nil }
        return "\(arguments[0]) exited with status \(code)"
    }

    public func close() {
        guard !closed else { return }
        closed = true
        Glibc.close(toChild)     // the relay sees end of input and closes its side
        Glibc.close(fromChild)
        if status(wait: 5) == nil {
            kill(pid, SIGTERM)
            _ = status(wait: 2)
        }
    }
}
