// OutputBuffer.swift — what one connection still has to write, bounded. Lines queue in order;
// once more than `coalesceAbove` bytes wait, a new progress event replaces the job's progress
// event that is still waiting (the client skips to the latest progress; state, log, checkpoint
// and finished events and replies are never dropped). A line that would take the backlog past
// `limit` is refused: the caller drops the client (see Connection). A line is always accepted
// into an empty buffer, so one large reply still reaches a client that reads.
import Foundation

public struct OutputBuffer {
    private struct Chunk {
        var data: Data
        /// progress events carry their job id so a newer one can replace them
        var key: String?
    }
    private var chunks: [Chunk] = []
    private var head = 0          // first chunk not yet completely written
    private var sentOfHead = 0    // bytes of chunks[head] already written
    private var waitingByKey: [String: Int] = [:]   // chunk index of each job's unsent progress event
    private var holes = 0                           // replaced chunks not yet removed
    /// bytes still to write
    public private(set) var bytes = 0
    /// progress events replaced by newer ones since the buffer was made
    public private(set) var coalesced = 0
    public let coalesceAbove: Int
    public let limit: Int

    public init(coalesceAbove: Int, limit: Int) {
        self.coalesceAbove = coalesceAbove; self.limit = limit
    }

    public enum Outcome: Equatable { case queued, replaced, overflow }

    public var isEmpty: Bool { bytes == 0 }
    /// lines held (including replaced ones not yet removed): what a stuck client costs
    public var heldLines: Int { chunks.count - head }

    /// Queue a line. `key`: the job id of a progress event (replaceable), nil for everything else.
    public mutating func append(_ data: Data, key: String? = nil) -> Outcome {
        guard !data.isEmpty else { return .queued }
        var outcome = Outcome.queued
        if let key, bytes > coalesceAbove, let i = waitingByKey[key], i > head || (i == head && sentOfHead == 0) {
            bytes -= chunks[i].data.count
            chunks[i] = Chunk(data: Data(), key: nil)   // a hole, skipped when writing
            coalesced += 1
            holes += 1
            outcome = .replaced
            if holes > 64 && holes * 2 > chunks.count - head { removeHoles() }   // a client that never reads stays small
        }
        if bytes > 0 && bytes + data.count > limit { return .overflow }
        chunks.append(Chunk(data: data, key: key))
        if let key { waitingByKey[key] = chunks.count - 1 }
        bytes += data.count
        skipHoles()
        return outcome
    }

    /// Write from the front with `write` (given the unsent bytes of the first line, it returns how
    /// many it wrote, or ≤ 0 to stop). Returns the total written.
    public mutating func drain(_ write: (UnsafeRawBufferPointer) -> Int) -> Int {
        var total = 0
        while head < chunks.count {
            let chunk = chunks[head].data
            let offset = sentOfHead
            let n = chunk.withUnsafeBytes { raw in write(UnsafeRawBufferPointer(rebasing: raw[offset...])) }
            guard n > 0 else { break }
            total += n
            bytes -= n
            sentOfHead += n
            if sentOfHead == chunk.count {
                if let key = chunks[head].key, waitingByKey[key] == head { waitingByKey[key] = nil }
                chunks[head] = Chunk(data: Data(), key: nil)
                head += 1
                sentOfHead = 0
                skipHoles()
            } else {
                break   // a partial write: the socket is full
            }
        }
        compact()
        return total
    }

    /// Forget everything not yet started; keep the rest of a partly written line so the stream
    /// stays whole, then queue `notice` (the reason the client is being dropped).
    public mutating func discardUnstarted(then notice: Data) {
        if head < chunks.count && sentOfHead > 0 {
            let rest = chunks[head]
            chunks = [rest]
            bytes = rest.data.count - sentOfHead
        } else {
            chunks = []
            sentOfHead = 0
            bytes = 0
        }
        head = 0
        holes = 0
        waitingByKey = [:]
        chunks.append(Chunk(data: notice, key: nil))
        bytes += notice.count
    }

    public mutating func removeAll() {
        chunks = []; head = 0; sentOfHead = 0; bytes = 0; waitingByKey = [:]; holes = 0
    }

    private mutating func removeHoles() {
        var kept: [Chunk] = []
        kept.reserveCapacity(chunks.count - head - holes)
        waitingByKey = [:]
        for (i, c) in chunks[head...].enumerated() where !c.data.isEmpty || (i == 0 && sentOfHead > 0) {
            if let key = c.key { waitingByKey[key] = kept.count }
            kept.append(c)
        }
        chunks = kept
        head = 0
        holes = 0
    }

    private mutating func skipHoles() {
        while head < chunks.count && chunks[head].data.isEmpty && sentOfHead == 0 { head += 1 }
    }

    private mutating func compact() {
        if head == chunks.count { chunks.removeAll(keepingCapacity: chunks.count < 1024); head = 0; waitingByKey = [:]; holes = 0; return }
        guard head >= 256 && head * 2 >= chunks.count else { return }
        chunks.removeFirst(head)
        waitingByKey = waitingByKey.compactMapValues { $0 >= head ? $0 - head : nil }
        head = 0
    }
}
