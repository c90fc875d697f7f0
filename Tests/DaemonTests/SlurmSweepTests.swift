// SlurmSweepTests.swift — a sweep under executor = slurm is one Slurm job array, one task per run,
// against the real Slurm: progress through follow, the summary when all tasks end, re-attach
// after kill -9 of the daemon, cancel of the whole array. Part of the serialized SlurmTests suite.
import Daemon
import DiffProtocol
import Foundation
import Testing

/// Train a small model through Slurm (what the sweeps sample).
func trainThroughSlurm(_ d: DaemonProcess, _ name: String) throws {
    let train = try submit(d.connect(), trainSpec(name: name, steps: 200)).id
    let end = try follow(d, train).events.last
    #expect(end?.state == .succeeded, "\(end?.error ?? "")")
}

func sweepSpec(model: String, samplers: [String], count: Int) -> JSONValue {
    .object(["kind": .string("sweep"), "model": .string(model), "samplers": .array(samplers.map { .string($0) }), "count": .int(Int64(count))])
}

/// The tasks of a Slurm job array as scontrol reports them.
func arrayTasks(_ sid: String) throws -> [SlurmArrayTask] {
    SlurmCommands.parseArray(try tool("scontrol", ["show", "job", "-o", sid]).stdout)
}

func sweepResults(_ d: DaemonProcess, _ job: String) -> Int {
    ((try? FileManager.default.contentsOfDirectory(atPath: "\(d.stateDir)/jobs/\(job)/tasks")) ?? []).filter { $0.hasSuffix(".json") }.count
}

func submissions(_ d: DaemonProcess) -> Int { d.log.components(separatedBy: "job submitted to Slurm").count - 1 }

extension SlurmTests {
    @Test func sweepIsOneJobArrayWithProgressAndSummary() throws {
        let d = try slurmDaemon().start()
        defer { d.cleanup() }
        try trainThroughSlurm(d, "sw")
        let out = try diffctl(["sweep", "--model", "sw", "--samplers", "ddim:5,10", "--samplers", "dpm++2m:5", "-n", "100", "--follow", "--json"],
                              socket: d.socket, timeout: 300)
        #expect(out.status == 0, "\(out.stderr)\n\(d.log.suffix(2000))")
        let events = out.stdout.split(separator: "\n").compactMap { try? JSONDecoder().decode(JobEventMessage.self, from: Data($0.utf8)) }
        let job = try #require(events.first?.job)
        let started = events.first { $0.kind == "started" }
        #expect(started?.total == 3 && started?.message?.contains("Slurm job array") == true, "\(String(describing: started))")
        // one progress event per finished run, counting up as locally, naming the run
        let progress = events.filter { $0.kind == "progress" }
        #expect(progress.compactMap(\.step) == [1, 2, 3] && progress.allSatisfy { $0.total == 3 })
        #expect(Set(progress.compactMap(\.message)) == ["ddim-5", "ddim-10", "dpm++2m-5"])
        #expect(events.last?.state == .succeeded)
        // the summary, computed when all tasks had ended
        let info = try jobInfo(d, job)
        #expect(info.state == .succeeded && info.step == 3)
        let csv = try String(contentsOfFile: try #require(info.outputs?["sweep_csv"]), encoding: .utf8)
        #expect(csv.split(separator: "\n").count == 4, "\(csv)")
        #expect(info.metrics?["ddim-5.high_quality"] != nil && info.metrics?["recommended_model_evaluations"] != nil)
        // ONE sbatch for the sweep (the other is the training job), an array of 3 tasks
        #expect(submissions(d) == 2)
        let sid = try #require(info.slurmJob)
        let tasks = try arrayTasks(sid)
        #expect(tasks.flatMap(\.tasks).sorted() == [0, 1, 2] && tasks.allSatisfy { $0.state.state == "COMPLETED" }, "\(tasks)")
        for i in 0..<3 { #expect(FileManager.default.fileExists(atPath: "\(d.stateDir)/jobs/\(job)/slurm-\(sid)_\(i).out")) }
    }

    @Test func sweepArrayReattachesAfterTheDaemonIsKilled() throws {
        let d = try slurmDaemon().start()
        defer { d.cleanup() }
        try trainThroughSlurm(d, "sk")
        let runs = 6
        // runs long enough (1,000 steps on 4,000 samples each) that the array cannot end before the kill
        let job = try submit(d.connect(), sweepSpec(model: "sk", samplers: ["ddpm:1000,1001,1002,1003,1004,1005"], count: 4000)).id
        try waitUntil(180, "the first sweep run to finish\n\(d.log.suffix(2000))") { (try jobInfo(d, job).step ?? 0) >= 1 }
        let sid = try #require(try jobInfo(d, job).slurmJob)
        try d.kill9()
        // the array goes on without the daemon
        let done = sweepResults(d, job)
        try #require(done < runs && !d.log.contains("job succeeded job=\(job)"),
                     "the sweep ended before the daemon was killed (\(done)/\(runs) runs): nothing left to re-attach to")
        try waitUntil(180, "another sweep run to finish in Slurm") { sweepResults(d, job) > done || done == runs }
        try d.start()
        let end = try follow(d, job, timeout: 300).events.last
        #expect(end?.state == .succeeded, "\(end?.error ?? "")\n\(d.log.suffix(2000))")
        let info = try jobInfo(d, job)
        #expect(info.step == runs && info.total == runs && info.slurmJob == sid)
        #expect(submissions(d) == 2, "the sweep was submitted more than once")
        #expect(d.log.contains("re-attached to Slurm job"))
        let csv = try String(contentsOfFile: "\(d.stateDir)/jobs/\(job)/sweep.csv", encoding: .utf8)
        #expect(csv.split(separator: "\n").count == runs + 1)
    }

    @Test func cancelEndsTheWholeArray() throws {
        let d = try slurmDaemon().start()
        defer { d.cleanup() }
        try trainThroughSlurm(d, "sc")
        let job = try submit(d.connect(), sweepSpec(model: "sc", samplers: ["ddpm:1000,1001,1002,1003,1004,1005,1006,1007"], count: 2000)).id
        try waitUntil(120, "the sweep to run in Slurm\n\(d.log.suffix(2000))") { try jobInfo(d, job).state == .running }
        let sid = try #require(try jobInfo(d, job).slurmJob)
        let cancel = try diffctl(["cancel", job], socket: d.socket)
        #expect(cancel.status == 0, "\(cancel.stderr)")
        let end = try follow(d, job, timeout: 120).events.last
        #expect(end?.state == .cancelled && end?.error == nil, "\(end?.error ?? "")")
        // every task of the array is over in Slurm, the ones not yet run cancelled
        try waitUntil(60, "Slurm to end every task of array \(sid)") { try arrayTasks(sid).allSatisfy { $0.state.isTerminal } }
        let tasks = try arrayTasks(sid)
        #expect(tasks.contains { $0.state.state == "CANCELLED" }, "\(tasks)")
        #expect(try jobInfo(d, job).step ?? 0 < 8)
    }
}
