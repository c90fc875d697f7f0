// Connection.swift — one client connection: a reader thread that frames lines and hands them to
// the request handler, and a serial write queue so a slow or vanished client never blocks a job
// thread that broadcasts progress. Only the reader closes the descriptor, after writes drain.
import DiffProtocol
import Foundation
#if canImport(Glibc)
import Glibc
#endif

final class Connection: @unchecked Sendable {
    let fd: Int32
    let number: Int
    let peer: PeerCredentials
    /// set once `hello` succeeded
    var greeted = false
    private let writes: DispatchQueue
    private let lock = NSLock()
    private var queuedBytes = 0
    private var broken = false
    /// a client that lets this much output pile up is dropped
    static let maxQueuedBytes = 32 << 20

    init(fd: Int32, number: Int, peer: PeerCredentials) {
        self.fd = fd; self.number = number; self.peer = peer
        writes = DispatchQueue(label: "diffusiond.conn.\(number)")
    }

    var isOpen: Bool { lock.lock(); defer { lock.unlock() }; return !broken }

    /// Queue a message; never blocks.
    func send(_ r: Response) {
        let data = Wire.line(r)
        lock.lock()
        if broken { lock.unlock(); return }
        queuedBytes += data.count
        if queuedBytes > Connection.maxQueuedBytes {
            broken = true
            lock.unlock()
            shutdown(fd, Int32(SHUT_RDWR))   // wakes the reader, which closes
            return
        }
        lock.unlock()
        writes.async { [self] in
            var offset = 0
            while offset < data.count {
                let n = data.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, data.count - offset, Int32(MSG_NOSIGNAL)) }
                if n < 0 {
                    if errno == EINTR { continue }
                    lock.lock(); broken = true; lock.unlock()
                    shutdown(fd, Int32(SHUT_RDWR))
                    break
                }
                offset += n
            }
            lock.lock(); queuedBytes -= data.count; lock.unlock()
        }
    }

    /// Read until end of stream, passing each frame to `onFrame`; then close after pending writes.
    func serve(onFrame: (Frame) -> Void) {
        var framer = LineFramer()
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(fd, &buf, buf.count)
            if n < 0 { if errno == EINTR { continue }; break }
            if n == 0 { break }
            for frame in framer.append(Data(buf[0..<n])) { onFrame(frame) }
            if !isOpen { break }
        }
        lock.lock(); broken = true; lock.unlock()
        let fd = self.fd
        writes.async { Glibc.close(fd) }
    }
}
