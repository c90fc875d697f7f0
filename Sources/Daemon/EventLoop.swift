// EventLoop.swift — the daemon's one I/O thread: an epoll loop over the listening socket and
// every client connection. It accepts, reads (recvmsg, collecting passed descriptors), frames
// lines into each connection's request queue, writes pending output when a socket drains, and
// enforces the hello and idle timeouts. Requests run on a fixed pool of RequestWorkers, so no
// thread count grows with the number of clients, and no client can block a shared thread.
import CEpoll
import DiffProtocol
import Foundation
#if canImport(Glibc)
import Glibc
#endif

final class EventLoop: @unchecked Sendable {
    let epollFD: Int32
    private let listener: Listener
    private let log: Logger
    private let helloTimeout: Double
    private let idleTimeout: Double
    private var connections: [Int32: Connection] = [:]   // event loop thread only
    private var connectionCount = 0
    private var reserveFD: Int32 = -1
    private var lastLimitWarning = 0.0
    private var readBuffer = [UInt8](repeating: 0, count: 65536)
    /// whether a peer may use the daemon; nil → allowed, else the reason it is refused
    var admit: (PeerCredentials) -> ProtocolError? = { _ in nil }
    var onRequest: (Connection, Frame, [Int32]) -> Void = { _, _, files in for f in files { close(f) } }
    var onClosed: (Connection) -> Void = { _ in }
    private var workers: RequestWorkers!

    init(listener: Listener, helloTimeout: Double, idleTimeout: Double, workers: Int, log: Logger) throws {
        self.listener = listener; self.log = log
        self.helloTimeout = helloTimeout; self.idleTimeout = idleTimeout
        epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epollFD >= 0 else { throw ListenerError(description: "epoll_create1: \(String(cString: strerror(errno)))") }
        _ = fcntl(listener.fd, F_SETFL, fcntl(listener.fd, F_GETFL) | O_NONBLOCK)
        var ev = epoll_event(events: EPOLLIN.rawValue, data: epoll_data_t(fd: listener.fd))
        guard epoll_ctl(epollFD, EPOLL_CTL_ADD, listener.fd, &ev) == 0 else {
            throw ListenerError(description: "epoll_ctl: \(String(cString: strerror(errno)))")
        }
        reserveFD = open("/dev/null", O_RDONLY | O_CLOEXEC)
        self.workers = RequestWorkers(count: workers) { [unowned self] conn, frame, files in onRequest(conn, frame, files) }
    }

    /// Serve forever on a thread of its own.
    func start() {
        let t = Thread { [self] in run() }
        t.name = "io"
        t.start()
    }

    private func run() {
        var events = [epoll_event](repeating: epoll_event(), count: 256)
        var lastScan = Connection.now()
        while true {
            let n = epoll_wait(epollFD, &events, Int32(events.count), 250)
            if n < 0 && errno != EINTR { log.error("epoll_wait failed", ["error": String(cString: strerror(errno))]); usleep(100_000) }
            for i in 0..<max(0, Int(n)) {
                let fd = events[i].data.fd
                let flags = events[i].events
                if fd == listener.fd { acceptAll(); continue }
                guard let conn = connections[fd] else { continue }
                if flags & EPOLLOUT.rawValue != 0 { conn.flush() }
                let hungUp = flags & (EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0
                if flags & EPOLLIN.rawValue != 0 || hungUp { readAvailable(conn, hungUp: hungUp) }
                // a peer that hung up can read nothing more: close now (requests it sent before
                // hanging up are still handled; their replies go nowhere)
                if hungUp || conn.shouldClose(at: Connection.now()) { finish(conn) }
            }
            let now = Connection.now()
            if now - lastScan >= 0.25 { lastScan = now; scan(now) }
        }
    }

    // MARK: accepting

    private func acceptAll() {
        for _ in 0..<256 {
            let fd = accept(listener.fd, nil, nil)
            if fd >= 0 {
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            }
            if fd < 0 {
                if errno == EMFILE || errno == ENFILE { refuseOverLimit() }
                return   // EAGAIN: all taken; anything else is transient
            }
            adopt(fd)
        }
    }

    private func adopt(_ fd: Int32) {
        guard let peer = PeerCredentials.of(socket: fd) else { close(fd); return }
        connectionCount += 1
        let conn = Connection(fd: fd, number: connectionCount, peer: peer, epollFD: epollFD, log: log)
        guard conn.register() else {
            log.warn("cannot watch a new connection", ["error": String(cString: strerror(errno))])
            close(fd)
            return
        }
        connections[fd] = conn
        if let refusal = admit(peer) {
            log.warn("connection refused", ["conn": conn.number, "uid": peer.uid, "pid": peer.pid, "reason": refusal.message])
            conn.beginClose(.error(id: nil, refusal))
            return
        }
        log.debug("client connected", ["conn": conn.number, "uid": peer.uid, "pid": peer.pid, "open": connections.count])
    }

    /// Out of descriptors: use the one kept in reserve to tell the waiting client why, so it
    /// neither hangs nor spins the loop, then take the reserve back.
    private func refuseOverLimit() {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        let now = Connection.now()
        if now - lastLimitWarning > 10 {
            lastLimitWarning = now
            log.error("open-file limit reached; refusing new connections until some close",
                      ["limit": limit.rlim_cur, "connections": connections.count])
        }
        guard reserveFD >= 0 else { usleep(10_000); return }
        close(reserveFD)
        let fd = accept(listener.fd, nil, nil)
        if fd >= 0 {
            let e = ProtocolError(.internalError, "the daemon has reached its open-file limit (\(limit.rlim_cur) descriptors, "
                                  + "\(connections.count) connections); try again later, or raise LimitNOFILE / ulimit -n")
            let line = Wire.line(Response.error(id: nil, e))
            _ = line.withUnsafeBytes { Glibc.send(fd, $0.baseAddress!, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
            close(fd)
        }
        reserveFD = open("/dev/null", O_RDONLY | O_CLOEXEC)
    }

    // MARK: reading

    private func readAvailable(_ conn: Connection, hungUp: Bool) {
        // a few reads per wake-up keeps one chatty client from starving the rest; a client that
        // hung up is read to the end so its last requests still count
        var reads = 0
        while hungUp || reads < 4 {
            reads += 1
            let r = readBuffer.withUnsafeMutableBytes { FDPassing.receive(socket: conn.fd, into: $0) }
            if r.count < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { return }
                conn.sawEndOfStream()
                return
            }
            if r.truncated { log.warn("a client passed more descriptors than fit; the rest were discarded", ["conn": conn.number]) }
            if r.count == 0 { for f in r.fds { close(f) }; conn.sawEndOfStream(); return }
            deliver(conn, Data(readBuffer[0..<r.count]), files: r.fds)
        }
    }

    /// Frame `bytes` and queue the frames. Descriptors belong to the frame holding the last byte
    /// of the read that carried them (Linux ends a read after a message with descriptors); ones
    /// from earlier reads belong to the first frame this read completes.
    private func deliver(_ conn: Connection, _ bytes: Data, files: [Int32]) {
        let frames = conn.framer.append(bytes)
        var early = conn.pendingFiles
        conn.pendingFiles = []
        var late = files
        if frames.isEmpty || bytes.last != 0x0A {
            conn.pendingFiles = (frames.isEmpty ? early : []) + late
            if frames.isEmpty { return }
            late = []
        }
        for (i, frame) in frames.enumerated() {
            var carried: [Int32] = []
            if i == 0 { carried += early; early = [] }
            if i == frames.count - 1 { carried += late }
            if conn.enqueue(frame, files: carried) { workers.schedule(conn) }
        }
    }

    // MARK: closing and timeouts

    private func finish(_ conn: Connection) {
        conn.close()
        connections[conn.fd] = nil
        onClosed(conn)
        log.debug("client disconnected", ["conn": conn.number, "open": connections.count])
    }

    private func scan(_ now: Double) {
        for conn in Array(connections.values) {
            if conn.shouldClose(at: now) { finish(conn); continue }
            guard conn.isOpen else { continue }
            if !conn.greeted {
                if helloTimeout > 0 && now - conn.acceptedAt >= helloTimeout && !conn.isBusy {
                    log.info("connection closed: no hello", ["conn": conn.number, "hello_timeout": helloTimeout])
                    conn.beginClose(.error(id: nil, ProtocolError(.timedOut, "no hello within \(Self.seconds(helloTimeout)) of connecting (hello_timeout); closing the connection")))
                }
            } else if idleTimeout > 0 && now - conn.lastRequestAt >= idleTimeout && !conn.isFollowing && !conn.isBusy && conn.pendingBytes == 0 {
                log.info("connection closed: idle", ["conn": conn.number, "idle_timeout": idleTimeout])
                conn.beginClose(.error(id: nil, ProtocolError(.timedOut, "no request for \(Self.seconds(idleTimeout)) (idle_timeout); closing the connection — reconnect to go on")))
            }
        }
    }

    static func seconds(_ s: Double) -> String { s == s.rounded() ? "\(Int(s)) s" : "\(s) s" }

    /// Raise the soft open-file limit to the hard one (each connection is a descriptor).
    static func raiseFileLimit() -> rlim_t {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
        if limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
            getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        return limit.rlim_cur
    }
}
