// PolicyTests.swift — a diffusion policy end to end: train on (observation, action chunk)
// pairs of policy_obstacle, sample chunks for observations (a job reports collision and mode
// shares), and the low-latency PolicyServer path returns one chunk for one observation.
import Foundation
import Testing
import Jobs
import DiffusionCore
import CPUBackend

@Suite struct PolicyTests {
    static let state: TestState = {
        let state = try! TestState()
        var spec = trainSpec(name: "policy", steps: 600, dataset: "policy_obstacle")
        spec.width = 128
        _ = try! JobRunner.run(spec, context: state.context("train-policy"))
        return state
    }()

    @Test func sampleJobReportsCollisionsAndModes() throws {
        let r = try #require(try JobRunner.run(sampleSpec(model: "policy", sampler: "ddim", steps: 10, count: 200),
                                               context: Self.state.context("ps")).result)
        let collision = try #require(r.metrics["collision_rate"])
        let left = try #require(r.metrics["left_share"]), right = try #require(r.metrics["right_share"])
        #expect((0...1).contains(collision))
        #expect(left + right <= 1 + 1e-9)
        #expect(r.metrics["modes_total"] == 2)
    }

    @Test func serverActsOnOneObservation() throws {
        let server = PolicyServer(backend: SIMDBackend(threads: 1), modelsDir: Self.state.models)
        let obs: [Float] = [0, 0, 0, 4]
        let a = try server.act(model: "policy", observation: obs, seed: 3)
        #expect(a.action.count == PolicyTask.actionDim)
        #expect(a.action.allSatisfy { $0.isFinite })
        #expect(a.steps == 10 && a.sampler == "ddim")
        let again = try server.act(model: "policy", observation: obs, seed: 3)
        #expect(again.action == a.action)   // same seed, same chunk
        #expect { _ = try server.act(model: "policy", observation: [0, 0]) }
            throws: { if case JobError.invalid(let f, _) = $0 { return f == "observation" }; return false }
        #expect { _ = try server.act(model: "policy", observation: obs, sampler: "warp") }
            throws: { if case JobError.invalid(let f, _) = $0 { return f == "sampler" }; return false }
        #expect { _ = try server.act(model: "missing", observation: obs) } throws: { if case JobError.notFound = $0 { return true }; return false }
    }
}
