// PolicyBaselineTests.swift — the behaviour-cloning baseline (`objective=regression`): the same
// network trained with MSE to output the action chunk at x = 0. On policy_maze it averages the
// four classes and so steers into the obstacles in closed loop; `act` returns the same chunk
// whatever the seed; it refuses EDM preconditioning.
import Foundation
import Testing
import Jobs
import DiffusionCore
import CPUBackend

@Suite struct PolicyBaselineTests {
    static let state: TestState = {
        let state = try! TestState()
        var bc = trainSpec(name: "bc", steps: 300, dataset: "policy_maze")
        bc.width = 128; bc.objective = "regression"
        _ = try! JobRunner.run(bc, context: state.context("train-bc"))
        return state
    }()

    @Test func regressionPolicyCollidesWhereTheModesSplit() throws {
        var s = JobSpec(kind: .eval)
        s.model = "bc"; s.task = "policy_maze"; s.episodes = 40; s.seed = 5
        let r = try #require(try JobRunner.run(s, context: Self.state.context("eval-bc")).result)
        #expect(try #require(r.metrics["collision_rate"]) > 0.5)
        #expect(try #require(r.metrics["success_rate"]) < 0.5)
        #expect(r.metrics["sampler_steps"] == 1)
    }

    @Test func regressionActIsDeterministic() throws {
        let server = PolicyServer(backend: SIMDBackend(threads: 1), modelsDir: Self.state.models)
        let obs: [Float] = [0, 0, 0, 0, 0, 6]
        let a = try server.act(model: "bc", observation: obs, seed: 1)
        let b = try server.act(model: "bc", observation: obs, seed: 2)
        #expect(a.sampler == "regression" && a.steps == 1)
        #expect(a.action == b.action)
        #expect(a.action.count == MazeTask.actionDim && a.action.allSatisfy { $0.isFinite })
    }

    @Test func regressionRefusesPreconditioning() {
        var t = trainSpec(name: "x", dataset: "policy_maze"); t.objective = "regression"; t.preconditioning = "edm"
        #expect { try JobRunner.validate(t) } throws: {
            if case JobError.invalid(let f, _) = $0 { return f == "preconditioning" }; return false
        }
        t.preconditioning = nil
        #expect(throws: Never.self) { try JobRunner.validate(t) }
    }
}
