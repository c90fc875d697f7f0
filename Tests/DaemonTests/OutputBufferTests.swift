// OutputBufferTests.swift — the per-connection output policy without sockets: lines keep their
// order; past the coalescing threshold a job's waiting progress event is replaced by the newest
// (state events and replies never are); past the limit a line is refused (the client is then
// dropped), except into an empty buffer; dropping keeps a half-written line whole.
import Daemon
import Foundation
import Testing

@Suite struct OutputBufferTests {
    /// Everything the buffer would write, as text (a socket that takes all).
    func drainAll(_ b: inout OutputBuffer) -> String {
        var out = Data()
        _ = b.drain { raw in out.append(contentsOf: raw); return raw.count }
        return String(decoding: out, as: UTF8.self)
    }

    func line(_ s: String) -> Data { Data((s + "\n").utf8) }

    @Test func belowTheThresholdEverythingIsKeptInOrder() {
        var b = OutputBuffer(coalesceAbove: 1000, limit: 10_000)
        #expect(b.append(line("p1"), key: "j1") == .queued)
        #expect(b.append(line("s1")) == .queued)
        #expect(b.append(line("p2"), key: "j1") == .queued)
        #expect(b.bytes == 9)
        #expect(drainAll(&b) == "p1\ns1\np2\n")
        #expect(b.isEmpty && b.bytes == 0)
    }

    @Test func pastTheThresholdProgressSkipsToTheLatestAndStateEventsStay() {
        var b = OutputBuffer(coalesceAbove: 8, limit: 10_000)
        _ = b.append(line("state-running"))          // 14 bytes: over the threshold from here on
        #expect(b.append(line("p1"), key: "j1") == .queued)
        #expect(b.append(line("q1"), key: "j2") == .queued)
        #expect(b.append(line("p2"), key: "j1") == .replaced)
        #expect(b.append(line("log"), key: nil) == .queued)
        #expect(b.append(line("p3"), key: "j1") == .replaced)
        #expect(b.append(line("q2"), key: "j2") == .replaced)
        #expect(b.coalesced == 3)
        #expect(drainAll(&b) == "state-running\nlog\np3\nq2\n")
    }

    @Test func aClientThatNeverReadsCostsABoundedBuffer() {
        var b = OutputBuffer(coalesceAbove: 100, limit: 1 << 20)
        _ = b.append(Data(repeating: 0x73, count: 200) + [0x0A])   // stuck behind a large line
        for step in 1...100_000 {
            #expect(b.append(line("{\"step\":\(step)}"), key: "j1") != .overflow)
            if step % 1000 == 0 { _ = b.append(line("checkpoint \(step)")) }
        }
        #expect(b.heldLines < 300, "\(b.heldLines) lines held")
        let text = drainAll(&b)
        #expect(text.hasSuffix("checkpoint 100000\n{\"step\":100000}\n") || text.hasSuffix("{\"step\":100000}\ncheckpoint 100000\n"))
        #expect(text.components(separatedBy: "checkpoint").count == 101, "every checkpoint line is kept")
    }

    @Test func aProgressLineBeingWrittenIsNotReplaced() {
        var b = OutputBuffer(coalesceAbove: 0, limit: 10_000)
        _ = b.append(line("progress-1"), key: "j1")
        var first = Data()
        _ = b.drain { raw in first.append(contentsOf: raw.prefix(4)); return 4 }   // a partial write
        #expect(b.append(line("progress-2"), key: "j1") == .queued)
        #expect(String(decoding: first, as: UTF8.self) + drainAll(&b) == "progress-1\nprogress-2\n")
    }

    @Test func overTheLimitALineIsRefusedButAnEmptyBufferTakesAnything() {
        var b = OutputBuffer(coalesceAbove: 100, limit: 1000)
        let big = Data(repeating: 0x61, count: 5000) + [0x0A]
        #expect(b.append(big) == .queued, "one large reply still reaches a client that reads")
        #expect(b.append(line("more")) == .overflow)
        #expect(b.bytes == 5001)
        var c = OutputBuffer(coalesceAbove: 100, limit: 1000)
        for i in 0..<100 { #expect(c.append(line(String(format: "r%08d", i))) == .queued) }   // 10 bytes each: exactly 1000
        #expect(c.bytes == 1000)
        #expect(c.append(line("x")) == .overflow)
    }

    @Test func droppingKeepsAHalfWrittenLineWholeThenTheNotice() {
        var b = OutputBuffer(coalesceAbove: 100, limit: 1000)
        _ = b.append(line("first-reply"))
        _ = b.append(line("second-reply"))
        var head = Data()
        _ = b.drain { raw in head.append(contentsOf: raw.prefix(5)); return 5 }
        b.discardUnstarted(then: line("you fell behind"))
        #expect(String(decoding: head, as: UTF8.self) + drainAll(&b) == "first-reply\nyou fell behind\n")
        var c = OutputBuffer(coalesceAbove: 100, limit: 1000)
        _ = c.append(line("unsent"))
        c.discardUnstarted(then: line("bye"))
        #expect(drainAll(&c) == "bye\n")
    }

    @Test func aFullSocketLeavesTheRestQueued() {
        var b = OutputBuffer(coalesceAbove: 1 << 20, limit: 1 << 20)
        for i in 0..<1000 { _ = b.append(line("line \(i)")) }
        var written = Data()
        var budget = 3000
        _ = b.drain { raw in
            let n = min(raw.count, budget)
            budget -= n
            written.append(contentsOf: raw.prefix(n))
            return n
        }
        #expect(written.count == 3000)
        let rest = drainAll(&b)
        let all = String(decoding: written, as: UTF8.self) + rest
        #expect(all == (0..<1000).map { "line \($0)\n" }.joined())
    }
}
