// ClientConnection.swift — the client end of the wire: connect to a daemon's Unix socket, say
// hello, send requests and read responses and events line by line. Shared by diffctl and tests.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public enum ConnectError: Error, CustomStringConvertible, Equatable {
    /// nothing listens at the path (no file, or a stale socket)
    case noDaemon(path: String, reason: String)
    /// the socket exists but this user may not use it
    case permissionDenied(path: String)
    case pathTooLong(path: String)
    case closed
    case io(String)

    public var description: String {
        switch self {
        case .noDaemon(let p, let r): return "no daemon at \(p) (\(r))"
        case .permissionDenied(let p): return "permission denied connecting to \(p): the socket belongs to another user"
        case .pathTooLong(let p): return "socket path is too long (\(p.utf8.count) bytes; a Unix socket path has at most 107): \(p)"
        case .closed: return "the daemon closed the connection"
        case .io(let m): return m
        }
    }
}

/// Fill a sockaddr_un for `path`, or nil when the path does not fit.
public func unixAddress(_ path: String) -> sockaddr_un? {
    var addr = sockaddr_un()
    addr.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(path.utf8)
    let capacity = MemoryLayout.size(ofValue: addr.sun_path)
    guard bytes.count < capacity else { return nil }
    withUnsafeMutableBytes(of: &addr.sun_path) { raw in
        for (i, b) in bytes.enumerated() { raw[i] = b }
        raw[bytes.count] = 0
    }
    return addr
}

public final class ClientConnection {
    /// where the connection leads: the socket path, or e.g. "ssh://box" (the transport's endpoint)
    public let path: String
    public let transport: ClientTransport
    private var framer = LineFramer(limit: 64 << 20)  // the daemon's replies may be large (show, jobs)
    private var pending: [Frame] = []
    private var nextID = 1

    /// Connect to the daemon's socket at `path`.
    public convenience init(path: String) throws {
        try self.init(transport: UnixSocketTransport(path: path))
    }

    /// Speak the protocol over `transport` (a Unix socket, or a child process's pipes).
    public init(transport: ClientTransport) {
        self.transport = transport
        self.path = transport.endpoint
    }

    deinit { transport.close() }

    /// The descriptor replies are read from (the socket itself for a Unix socket).
    public var fd: Int32 { transport.readFD }
    /// Whether open files can travel with a request; otherwise they are uploaded (Transfers.swift).
    public var passesFiles: Bool { transport.passesFiles }

    /// Send raw bytes (tests use this for malformed input).
    public func sendRaw(_ data: Data) throws { try transport.write(data) }

    /// Send a request; returns the id it was given.
    @discardableResult
    public func send(_ body: RequestBody) throws -> Int {
        let id = nextID
        nextID += 1
        try sendRaw(Wire.line(Request(id: id, body)))
        return id
    }

    /// Send a request together with open descriptors (SCM_RIGHTS); the daemon receives its own
    /// copies with the request (the caller keeps and may close these). Returns the request's id.
    @discardableResult
    public func send(_ body: RequestBody, passing fds: [Int32]) throws -> Int {
        let id = nextID
        nextID += 1
        try sendRaw(Wire.line(Request(id: id, body)), passing: fds)
        return id
    }

    /// Send raw bytes with descriptors: the descriptors travel with the first bytes.
    public func sendRaw(_ data: Data, passing fds: [Int32]) throws { try transport.write(data, passing: fds) }

    /// Next message from the daemon; nil when `timeout` (seconds) passes first.
    /// Throws `ConnectError.closed` at end of stream.
    public func receive(timeout: Double? = nil) throws -> Response? {
        let deadline = timeout.map { Date().addingTimeInterval($0) }
        while true {
            if !pending.isEmpty {
                let frame = pending.removeFirst()
                switch frame {
                case .line(let data):
                    if data.isEmpty { continue }
                    do { return try JSONDecoder().decode(Response.self, from: data) } catch {
                        throw ConnectError.io("unreadable message from daemon: \(snippet(data))")
                    }
                case .oversized(let n):
                    throw ConnectError.io("daemon sent a message of \(n) bytes, over the client limit")
                }
            }
            var waitMs: Int32 = -1
            if let deadline {
                let left = deadline.timeIntervalSinceNow
                if left <= 0 { return nil }
                waitMs = Int32(min(left * 1000, 60_000).rounded(.up))
            }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let r = poll(&p, 1, waitMs)
            if r < 0 {
                if errno == EINTR { continue }
                throw ConnectError.io("poll: \(String(cString: strerror(errno)))")
            }
            if r == 0 { continue }
            var buf = [UInt8](repeating: 0, count: 65536)
            let n = read(fd, &buf, buf.count)
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw ConnectError.io("read: \(String(cString: strerror(errno)))")
            }
            if n == 0 { throw ConnectError.closed }
            pending.append(contentsOf: framer.append(Data(buf[0..<n])))
        }
    }

    /// Wait for the response to request `id`; events that arrive first go to `onEvent`.
    public func response(to id: Int, timeout: Double? = nil, onEvent: (JobEventMessage) -> Void = { _ in }) throws -> ResponseBody {
        let deadline = timeout.map { Date().addingTimeInterval($0) }
        while true {
            let left = deadline.map { $0.timeIntervalSinceNow }
            if let left, left <= 0 { throw ConnectError.io("no reply from the daemon in \(Int(timeout!)) s") }
            guard let msg = try receive(timeout: left) else { continue }
            if case .event(let e) = msg.body { onEvent(e.event); continue }
            if msg.id == id { return msg.body }
            if msg.id == nil, case .error = msg.body { return msg.body }
        }
    }

    /// Send a request and wait for its reply; an error reply is thrown as `ProtocolError`.
    public func call(_ body: RequestBody, timeout: Double? = nil) throws -> ResponseBody {
        let id: Int
        do { id = try send(body) } catch let e as ConnectError {
            // a daemon that refuses a connection says why and closes; the reason is waiting here
            if let reason = waitingError() { throw reason }
            throw e
        }
        let reply = try response(to: id, timeout: timeout)
        if case .error(let e) = reply { throw e.error }
        return reply
    }

    /// An error the daemon sent before closing (read after a failed send), if there is one.
    private func waitingError() -> ProtocolError? {
        let deadline = Date().addingTimeInterval(2)
        while deadline.timeIntervalSinceNow > 0 {
            guard let msg = try? receive(timeout: deadline.timeIntervalSinceNow) else { return nil }
            if case .error(let e) = msg.body { return e.error }
        }
        return nil
    }

    /// The opening exchange.
    public func hello(client: String) throws -> HelloReply {
        guard case .hello(let h) = try call(.hello(Hello(version: Wire.protocolVersion, client: client)), timeout: 30) else {
            throw ConnectError.io("the daemon did not answer hello")
        }
        return h
    }
}
