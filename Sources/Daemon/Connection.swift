// Connection.swift — one client connection. `send` never blocks: it queues the line in a bounded
// OutputBuffer and writes what the socket takes right now (non-blocking); the event loop writes
// the rest when the socket drains. A client whose backlog passes the limit is told so and
// dropped. Frames read by the event loop wait in `inbox` until a request worker takes them, one
// connection's requests strictly in order. Every descriptor operation happens under `lock`
// after checking `closed`, and only the event loop closes the descriptor, so a job thread can
// never write to a descriptor number that was reused.
import CEpoll
import DiffProtocol
import Foundation
#if canImport(Glibc)
import Glibc
#endif

final class Connection: @unchecked Sendable {
    let fd: Int32
    let number: Int
    let peer: PeerCredentials
    let acceptedAt: Double
    private let epollFD: Int32
    private let log: Logger
    private let lock = NSLock()
    private var out: OutputBuffer
    private var interest: UInt32 = 0
    private var closed = false
    private var eof = false            // the client will send nothing more
    private var shutWrite = false
    private var _greeted = false
    private var _relayed: RelayedNotice?
    private var follows = 0
    private var _lastRequestAt: Double
    private(set) var closingDeadline: Double?   // set once the connection is on its way out
    // requests waiting for a worker
    private var inbox: [(frame: Frame, files: [Int32])] = []
    private var inboxHead = 0
    private var scheduled = false
    private var readPaused = false
    // read side, touched by the event loop only
    var framer = LineFramer()
    var pendingFiles: [Int32] = []

    /// more than this many bytes waiting: progress events are replaced by newer ones
    static let coalesceAbove = 16 << 10
    /// more than this many bytes waiting (never read): the client is dropped
    static let backlogLimit = 4 << 20
    /// a connection with this many requests waiting is not read until its worker catches up
    static let inboxLimit = 64
    /// how long a dropped or refused client gets to read its last line
    static let linger = 5.0

    init(fd: Int32, number: Int, peer: PeerCredentials, epollFD: Int32, log: Logger) {
        self.fd = fd; self.number = number; self.peer = peer; self.epollFD = epollFD; self.log = log
        acceptedAt = Connection.now()
        _lastRequestAt = acceptedAt
        out = OutputBuffer(coalesceAbove: Connection.coalesceAbove, limit: Connection.backlogLimit)
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    private func locked<T>(_ body: () -> T) -> T { lock.lock(); defer { lock.unlock() }; return body() }

    /// open and not being dropped: replies and events are still accepted
    var isOpen: Bool { locked { !closed && closingDeadline == nil } }
    var isClosed: Bool { locked { closed } }
    /// set once `hello` succeeded
    var greeted: Bool {
        get { locked { _greeted } }
        set { locked { _greeted = newValue } }
    }
    var lastRequestAt: Double { locked { _lastRequestAt } }
    /// set when the relay (diffusiond dial-stdio) announced that the client is on another machine:
    /// a path in its specs is never opened here, its files come as uploads (Uploads.swift)
    var relayed: RelayedNotice? {
        get { locked { _relayed } }
        set { locked { _relayed = newValue } }
    }
    var isRemote: Bool { relayed != nil }
    var pendingBytes: Int { locked { out.bytes } }
    /// following a job that has not ended (exempt from the idle timeout)
    var isFollowing: Bool { locked { follows > 0 } }
    func followStarted() { locked { follows += 1 } }
    func followEnded() { locked { follows = max(0, follows - 1) } }
    /// a request is queued or being handled
    var isBusy: Bool { locked { scheduled } }

    // MARK: writing

    /// Queue a message; never blocks.
    func send(_ r: Response) { send(line: Wire.line(r)) }

    /// Queue an encoded line (events are encoded once for all followers). `progressOf`: the job
    /// id when the line is a progress event, which a newer one may replace while it waits.
    func send(line: Data, progressOf job: String? = nil) {
        lock.lock()
        defer { lock.unlock() }
        guard !closed && closingDeadline == nil else { return }
        let wasEmpty = out.isEmpty
        if out.append(line, key: job) == .overflow {
            let behind = out.bytes + line.count
            let e = ProtocolError(.fellBehind, "you fell behind by \(behind) bytes of unread messages (limit \(Connection.backlogLimit)); "
                                  + "the daemon dropped this connection — reconnect, and use diffctl follow <job> to pick up a job where it is now")
            out.discardUnstarted(then: Wire.line(Response.error(id: nil, e)))
            closingDeadline = Connection.now() + Connection.linger
            log.warn("slow client dropped", ["conn": number, "unread_bytes": behind, "coalesced_progress": out.coalesced])
        } else if !wasEmpty {
            return   // the socket was full a moment ago; the event loop writes when it drains
        }
        flushLocked()
    }

    /// Write what the socket takes now (event loop: on EPOLLOUT). Returns false when the peer is gone.
    @discardableResult
    func flush() -> Bool { locked { flushLocked() } }

    @discardableResult
    private func flushLocked() -> Bool {
        guard !closed else { return false }
        var failed = false
        _ = out.drain { raw in
            while true {
                let n = Glibc.send(fd, raw.baseAddress!, raw.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
                if n >= 0 { return n }
                if errno == EINTR { continue }
                if errno != EAGAIN && errno != EWOULDBLOCK { failed = true }
                return -1
            }
        }
        if failed {
            // the peer is gone: nothing more can be delivered; the event loop closes it
            out.removeAll()
            eof = true
            if closingDeadline == nil { closingDeadline = Connection.now() }
        }
        if out.isEmpty && closingDeadline != nil && !shutWrite {
            shutWrite = true
            shutdown(fd, Int32(SHUT_WR))   // the client reads the last line, then end of stream
        }
        updateInterestLocked()
        return !failed
    }

    /// Stop serving: send `reason` (if any), let the client read it for up to `linger` seconds
    /// (its own writes still succeed meanwhile and are discarded), then the event loop closes.
    func beginClose(_ reason: Response?, linger: Double = Connection.linger) {
        lock.lock()
        defer { lock.unlock() }
        guard !closed && closingDeadline == nil else { return }
        if let reason {
            if out.append(Wire.line(reason)) == .overflow { out.discardUnstarted(then: Wire.line(reason)) }
        }
        closingDeadline = Connection.now() + linger
        flushLocked()
    }

    /// Whether the event loop should close now: closing, and written out with the client gone
    /// (or the linger time is over).
    func shouldClose(at now: Double) -> Bool {
        locked {
            guard !closed, let deadline = closingDeadline else { return false }
            return now >= deadline || (out.isEmpty && eof)
        }
    }

    private func updateInterestLocked() {
        guard !closed else { return }
        var want = UInt32(0)
        if !eof && !readPaused { want |= EPOLLIN.rawValue }
        if !out.isEmpty { want |= EPOLLOUT.rawValue }
        guard want != interest else { return }
        interest = want
        var ev = epoll_event(events: want, data: epoll_data_t(fd: fd))
        epoll_ctl(epollFD, EPOLL_CTL_MOD, fd, &ev)
    }

    /// Register with the event loop (reading).
    func register() -> Bool {
        locked {
            interest = EPOLLIN.rawValue
            var ev = epoll_event(events: interest, data: epoll_data_t(fd: fd))
            return epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, &ev) == 0
        }
    }

    /// Event loop only: release the descriptor and everything still queued.
    func close() {
        let files: [Int32] = locked {
            guard !closed else { return [] }
            closed = true
            out.removeAll()
            epoll_ctl(epollFD, EPOLL_CTL_DEL, fd, nil)
            Glibc.close(fd)
            let f = pendingFiles
            pendingFiles = []
            return f
        }
        for f in files { Glibc.close(f) }
    }

    // MARK: reading (event loop) and the request queue (workers)

    /// The client closed its end for writing (event loop).
    func sawEndOfStream() {
        let drained: Bool = locked {
            eof = true
            updateInterestLocked()
            return !scheduled
        }
        if drained { beginClose(nil, linger: Connection.linger) }
    }

    /// Queue a frame for a worker (event loop). Returns true when the connection must be scheduled.
    func enqueue(_ frame: Frame, files: [Int32]) -> Bool {
        lock.lock()
        guard !closed && closingDeadline == nil else {
            lock.unlock()
            for f in files { Glibc.close(f) }   // a connection on its way out takes no requests
            return false
        }
        _lastRequestAt = Connection.now()
        inbox.append((frame, files))
        let schedule = !scheduled
        scheduled = true
        if inbox.count - inboxHead >= Connection.inboxLimit && !readPaused {
            readPaused = true
            updateInterestLocked()
        }
        lock.unlock()
        return schedule
    }

    /// Next queued frame (worker); nil when none is left, which unschedules the connection.
    func nextFrame() -> (frame: Frame, files: [Int32])? {
        lock.lock()
        if inboxHead == inbox.count {
            inbox.removeAll(keepingCapacity: false); inboxHead = 0
            scheduled = false
            let finished = eof && !closed && closingDeadline == nil
            lock.unlock()
            if finished { beginClose(nil, linger: Connection.linger) }   // the client hung up after its last request
            return nil
        }
        let item = inbox[inboxHead]
        inbox[inboxHead] = (.line(Data()), [])
        inboxHead += 1
        if readPaused && inbox.count - inboxHead < Connection.inboxLimit / 2 {
            readPaused = false
            updateInterestLocked()
        }
        lock.unlock()
        return item
    }
}
