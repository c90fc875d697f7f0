// RequestWorkers.swift — a fixed pool of threads that run client requests. The event loop
// schedules a connection when frames wait in its inbox; a worker handles that connection's
// frames in order (one worker per connection at a time), and after a handful puts it back at
// the end of the line so one busy client cannot hold a worker while others wait.
import DiffProtocol
import Foundation

final class RequestWorkers: @unchecked Sendable {
    private let condition = NSCondition()
    private var ready: [Connection] = []
    private var readyHead = 0
    private let handle: (Connection, Frame, [Int32]) -> Void
    /// frames one connection may run before others get a turn
    static let turn = 8

    init(count: Int, handle: @escaping (Connection, Frame, [Int32]) -> Void) {
        self.handle = handle
        for i in 0..<max(1, count) {
            let t = Thread { [self] in work() }
            t.name = "requests-\(i)"
            t.stackSize = 4 << 20
            t.start()
        }
    }

    /// The connection has frames waiting and no worker (event loop).
    func schedule(_ conn: Connection) {
        condition.lock()
        ready.append(conn)
        condition.signal()
        condition.unlock()
    }

    private func next() -> Connection {
        condition.lock()
        while readyHead == ready.count { condition.wait() }
        let conn = ready[readyHead]
        readyHead += 1
        if readyHead == ready.count { ready.removeAll(keepingCapacity: true); readyHead = 0 }
        condition.unlock()
        return conn
    }

    private func work() {
        while true {
            let conn = next()
            var handled = 0
            while let item = conn.nextFrame() {
                handle(conn, item.frame, item.files)
                handled += 1
                if handled == RequestWorkers.turn { schedule(conn); break }   // still scheduled: back of the line
            }
        }
    }
}
