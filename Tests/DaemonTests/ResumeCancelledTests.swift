// ResumeCancelledTests.swift — `diffctl resume JOB` continues a cancelled training job from its
// last checkpoint (not from step 0) and the job then saves the model version it recorded.
import DiffProtocol
import Foundation
import Testing

@Suite(.serialized) struct ResumeCancelledTests {
    @Test func cancelledTrainingResumesFromItsCheckpoint() throws {
        let d = try DaemonProcess()
        defer { d.cleanup() }
        try d.start()
        let job = try submit(try d.connect(), trainSpec(name: "rs", steps: 3000, checkpointEvery: 250))
        _ = try follow(d, job.id) { ($0.step ?? 0) >= 600 }
        let cancel = try diffctl(["cancel", job.id], socket: d.socket)
        #expect(cancel.status == 0, "\(cancel.stderr)")
        #expect(try follow(d, job.id).events.last?.state == .cancelled)
        let checkpoint = try #require(try jobInfo(d, job.id).lastCheckpointStep)
        #expect(checkpoint >= 250 && checkpoint < 3000)

        let resume = try diffctl(["resume", job.id], socket: d.socket)
        #expect(resume.status == 0, "\(resume.stderr)")
        #expect(try follow(d, job.id).events.last?.state == .succeeded, "\(d.log.suffix(2000))")
        #expect(d.log.contains("resumed from step-\(String(format: "%08d", checkpoint)).ckpt"), "\(d.log.suffix(3000))")
        let info = try jobInfo(d, job.id)
        #expect(info.step == 3000 && info.attempts == 2 && info.model == "rs@1")
        #expect(FileManager.default.fileExists(atPath: d.stateDir + "/models/rs/model.ckpt"))
    }
}
