// SlurmParsingTests.swift — what the slurm executor reads from sbatch, squeue and scontrol, and
// its settings: no cluster needed.
import Daemon
import Foundation
import Testing

struct SlurmParsingTests {
    @Test func parsableSbatchOutput() {
        #expect(SlurmCommands.parseParsable("1234\n") == "1234")
        #expect(SlurmCommands.parseParsable("77;cluster\n") == "77")
        #expect(SlurmCommands.parseParsable("Submitted batch job 5\n") == nil)
    }

    @Test func scontrolStatesAndReasons() throws {
        let line = "JobId=42 JobName=dd-j1 UserId=root(0) JobState=TIMEOUT Reason=TimeLimit Dependency=(null) ExitCode=0:15 NodeList=node7 BatchHost=node7"
        let st = try #require(SlurmCommands.parseScontrol(line))
        #expect(st == SlurmJobState(state: "TIMEOUT", node: "node7", reason: "TimeLimit", exitCode: "0:15"))
        #expect(st.isTerminal)
        let pending = try #require(SlurmCommands.parseScontrol("JobId=43 JobState=PENDING Reason=BeginTime NodeList=(null) ExitCode=0:0"))
        #expect(!pending.isTerminal && pending.node == nil)
        for s in ["FAILED", "NODE_FAIL", "OUT_OF_MEMORY", "CANCELLED", "COMPLETED"] { #expect(SlurmJobState(state: s).isTerminal) }
        #expect(SlurmCommands.parseScontrol("slurm_load_jobs error: Invalid job id specified") == nil)
    }

    @Test func scontrolArrayTasks() {
        let out = """
        JobId=80 ArrayJobId=77 ArrayTaskId=3 JobName=dd-j2 JobState=RUNNING Reason=None ExitCode=0:0 NodeList=vm
        JobId=77 ArrayJobId=77 ArrayTaskId=4-6,9%2 JobName=dd-j2 JobState=PENDING Reason=Resources ExitCode=0:0 NodeList=(null)
        JobId=78 ArrayJobId=77 ArrayTaskId=0 JobName=dd-j2 JobState=TIMEOUT Reason=TimeLimit ExitCode=0:15 NodeList=vm
        JobId=81 JobName=plain JobState=RUNNING Reason=None NodeList=vm
        """
        let tasks = SlurmCommands.parseArray(out)
        #expect(tasks.map(\.tasks) == [[3], [4, 5, 6, 9], [0]])
        #expect(tasks.map(\.state.state) == ["RUNNING", "PENDING", "TIMEOUT"])
        #expect(tasks[2].state == SlurmJobState(state: "TIMEOUT", node: "vm", reason: "TimeLimit", exitCode: "0:15"))
        #expect(SlurmCommands.parseArray("slurm_load_jobs error: Invalid job id specified").isEmpty)
    }

    @Test func squeueLines() {
        let q = SlurmCommands.parseSqueue("12|RUNNING|vm|None\n13|PENDING||Resources\n")
        #expect(q["12"] == SlurmJobState(state: "RUNNING", node: "vm", reason: nil))
        #expect(q["13"] == SlurmJobState(state: "PENDING", node: nil, reason: "Resources"))
    }

    @Test func executorSettings() throws {
        var c = DaemonConfig()
        try c.apply(fileText: "executor = slurm\nslurm_partition = gpu\nslurm_gres = gpu:1\nslurm_time = 2:00:00\nslurm_cpus = 8\nslurm_mem = 16G\nslurm_extra = --account=ml --qos=short\n", name: "t.conf")
        #expect(c.executor == .slurm)
        #expect(c.slurm.sbatchArguments == ["--partition=gpu", "--gres=gpu:1", "--time=2:00:00", "--cpus-per-task=8", "--mem=16G", "--account=ml", "--qos=short"])
        #expect(throws: ConfigError.self) { try c.apply(fileText: "executor = kubernetes\n", name: "t.conf") }
        #expect(throws: ConfigError.self) { try c.apply(environment: ["DIFFUSIOND_SLURM_CPUS": "many"]) }
        guard case .run(let f) = try DaemonConfig.load(arguments: ["--executor", "slurm", "--slurm-mem", "4G"], environment: ["DIFFUSIOND_CONFIG": "/dev/null"]) else {
            Issue.record("flags did not parse"); return
        }
        #expect(f.executor == .slurm && f.slurm.mem == "4G")
    }

    @Test func everyKeyIsDocumentedInDaemonConf() throws {
        let conf = try String(contentsOfFile: #filePath.replacingOccurrences(of: "Tests/DaemonTests/SlurmParsingTests.swift", with: "daemon.conf"), encoding: .utf8)
        for key in ["executor"] + SlurmSettings.keys { #expect(conf.contains("\n\(key) ="), "\(key) is not in daemon.conf") }
    }
}
