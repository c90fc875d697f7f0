// PolicyEvalTests.swift — `eval` with task=policy_maze: a small diffusion policy trained on the
// maze demonstrations runs closed-loop episodes as a job (metrics from the episodes, episodes.csv,
// the plot, the preview); models of another task are refused with a message naming the model and
// what the task needs; bad observations to `act` for a maze model name the field.
import Foundation
import Testing
import Jobs
import DiffusionCore
import CPUBackend

@Suite struct PolicyEvalTests {
    static let state: TestState = {
        let state = try! TestState()
        var maze = trainSpec(name: "maze", steps: 300, dataset: "policy_maze")
        maze.width = 128
        _ = try! JobRunner.run(maze, context: state.context("train-maze"))
        _ = try! JobRunner.run(trainSpec(name: "ring", steps: 20), context: state.context("train-ring"))
        _ = try! JobRunner.run(trainSpec(name: "obstacle", steps: 20, dataset: "policy_obstacle"), context: state.context("train-obstacle"))
        return state
    }()

    static func evalSpec(model: String, episodes: Int = 24, disturb: Bool = false) -> JobSpec {
        var s = JobSpec(kind: .eval)
        s.model = model; s.task = "policy_maze"; s.episodes = episodes; s.disturb = disturb
        s.sampler = "ddim"; s.steps = 5; s.seed = 3
        return s
    }

    func field(of error: Error) -> String? {
        if case JobError.invalid(let f, _) = error { return f }
        return nil
    }

    @Test(arguments: [false, true])
    func closedLoopEvalReportsEpisodeMetrics(disturb: Bool) throws {
        let ctx = Self.state.context("eval-maze-\(disturb)")
        let r = try #require(try JobRunner.run(Self.evalSpec(model: "maze", disturb: disturb), context: ctx).result)
        let m = r.metrics
        let success = try #require(m["success_rate"]), collision = try #require(m["collision_rate"]),
            timeout = try #require(m["timeout_rate"])
        #expect(abs(success + collision + timeout - 1) < 1e-9)
        #expect(m["episodes"] == 24)
        let shares = MazeTask.classNames.map { m["share_\($0)"] ?? -1 }
        #expect(shares.allSatisfy { (0...1).contains($0) })
        if success > 0 { #expect(abs(shares.reduce(0, +) - 1) < 1e-9 || m["classes_covered"]! < 4) }
        #expect(try #require(m["latency_round_ms_p99"]) >= m["latency_round_ms_p50"]!)
        // episodes.csv: every episode, each starting at step 0
        let csv = try String(contentsOfFile: try #require(r.outputs["episodes"]), encoding: .utf8)
        let rows = csv.split(separator: "\n").dropFirst().map { $0.split(separator: ",") }
        #expect(Set(rows.map { $0[0] }).count == 24)
        #expect(rows.filter { $0[1] == "0" }.count == 24)
        #expect(rows.filter { $0[1] == "0" && $0[4] == "success" }.count == Int((success * 24).rounded()))
        let svg = try String(contentsOfFile: try #require(r.outputs["plot_episodes"]), encoding: .utf8)
        #expect(svg.contains("obstacles") && svg.contains("episode-23"))
        #expect(FileManager.default.fileExists(atPath: try #require(r.outputs["plot_episodes_png"])))
    }

    @Test(arguments: ["ring", "obstacle"])
    func evalRefusesAModelOfAnotherTask(model: String) throws {
        do {
            _ = try JobRunner.run(Self.evalSpec(model: model), context: Self.state.context("eval-\(model)"))
            Issue.record("eval accepted '\(model)'")
        } catch JobError.invalid(let f, let message) {
            #expect(f == "model")
            #expect(message.contains("'\(model)'"))
            #expect(message.contains("observation of 6") && message.contains("action chunk of 32"))
        }
    }

    @Test func closedLoopSpecsNameTheBadField() {
        var s = Self.evalSpec(model: "maze"); s.task = "maze9"
        #expect { try JobRunner.validate(s) } throws: { field(of: $0) == "task" }
        s = Self.evalSpec(model: "maze"); s.episodes = 0
        #expect { try JobRunner.validate(s) } throws: { field(of: $0) == "episodes" }
        s = Self.evalSpec(model: "maze"); s.sampler = "warp"
        #expect { try JobRunner.validate(s) } throws: { field(of: $0) == "sampler" }
        s = Self.evalSpec(model: "maze"); s.model = nil
        #expect { try JobRunner.validate(s) } throws: { field(of: $0) == "model" }
        var plain = JobSpec(kind: .eval); plain.dataset = "ring8"; plain.episodes = 10
        #expect { try JobRunner.validate(plain) } throws: { field(of: $0) == "episodes" }
    }

    @Test func actOnAMazeModelNamesTheObservationField() throws {
        let server = PolicyServer(backend: SIMDBackend(threads: 1), modelsDir: Self.state.models)
        let a = try server.act(model: "maze", observation: [0, 0, 0, 0, 0, 6], seed: 1)
        #expect(a.action.count == MazeTask.actionDim && a.action.allSatisfy { $0.isFinite })
        for bad: [Float] in [[0, 0, 0, 6], [0, 0, 0, 0, 0, 6, 1], [0, .nan, 0, 0, 0, 6], [0, 0, .infinity, 0, 0, 6]] {
            #expect { _ = try server.act(model: "maze", observation: bad) } throws: { field(of: $0) == "observation" }
        }
    }
}
