// LossLogTests.swift — the loss log is appended in place, never rewritten: the same file (inode)
// grows across progress reports and resumes, and a resume cuts it back to the checkpoint's step,
// dropping rows written after the checkpoint and a line torn by a crash.
import Foundation
import Jobs
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite struct LossLogTests {
    static func inode(_ url: URL) throws -> UInt64 {
        var st = stat()
        guard stat(url.path, &st) == 0 else { throw CocoaError(.fileNoSuchFile) }
        return UInt64(st.st_ino)
    }

    @Test func theLossLogIsAppendedInPlaceAndCutBackToTheCheckpointOnResume() throws {
        let state = try TestState(); defer { state.remove() }
        let spec = trainSpec(name: "appended", steps: 400)
        let url = state.jobDir("a").appendingPathComponent("loss.csv")
        // stop after ~250 steps: checkpoints at 100 and 200, and one at the stop
        var calls = 0
        var inodes: Set<UInt64> = []
        let first = try JobRunner.run(spec, context: state.context("a", checkpointEvery: 100, stop: {
            calls += 1
            if calls % 20 == 0, let i = try? LossLogTests.inode(url) { inodes.insert(i) }
            return calls > 250
        }))
        #expect(first == .interrupted)
        #expect(inodes.count == 1, "the log was replaced \(inodes.count - 1) times while training")
        let stopInode = try LossLogTests.inode(url)
        #expect(inodes == [stopInode])
        let checkpointStep = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").count - 1

        // a crash after the checkpoint: rows past it, then half a line
        let h = try FileHandle(forWritingTo: url)
        h.seekToEndOfFile()
        h.write(Data("\(checkpointStep + 1),0.5,0.002\n\(checkpointStep + 2),0.4".utf8))
        try h.close()

        let second = try JobRunner.run(spec, context: state.context("a", checkpointEvery: 100))
        #expect(second.result != nil)
        #expect(try LossLogTests.inode(url) == stopInode, "resuming must append to the same file")
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "step,loss,lr")
        let steps = lines.dropFirst().map { Int($0.split(separator: ",")[0]) ?? -1 }
        #expect(steps == Array(1...400))
        #expect(!lines.contains { $0.hasSuffix(",0.4") }, "the torn line must be gone")
    }
}
