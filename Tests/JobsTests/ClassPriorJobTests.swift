// ClassPriorJobTests.swift — class-conditional sources (prior = class) through the job runner:
// diffusion models (class-whitened, every sampler valid) and flow models (per-class source)
// land in the requested mode; a diffusion model saved by the earlier formulation is refused.
import Foundation
import Jobs
import Testing

@Suite struct ClassPriorJobTests {
    let state: TestState
    init() throws { state = try TestState() }

    func trainWithPrior(_ name: String, objective: String) throws {
        var spec = trainSpec(name: name, steps: 300)
        spec.conditional = true; spec.prior = "class"; spec.objective = objective
        #expect(try JobRunner.run(spec, context: state.context("t-\(name)")).result != nil)
    }

    func inRequestedMode(model: String, sampler: String, steps: Int, classLabel: Int) throws -> Double {
        var spec = sampleSpec(model: model, sampler: sampler, steps: steps, count: 400)
        spec.classLabel = classLabel
        let r = try #require(try JobRunner.run(spec, context: state.context("s-\(model)-\(sampler)-\(steps)")).result)
        return try #require(r.metrics["in_requested_mode"])
    }

    @Test func diffusionWithAClassSourceSamplesTheRequestedModeWithAnySampler() throws {
        defer { state.remove() }
        try trainWithPrior("eps-prior", objective: "eps")
        for (sampler, steps) in [("ddim", 10), ("ddpm", 100), ("dpm++2m", 10)] {
            let share = try inRequestedMode(model: "eps-prior", sampler: sampler, steps: steps, classLabel: 3)
            #expect(share > 0.9, "\(sampler)-\(steps): \(share) in the requested mode")
        }
    }

    @Test func flowWithAClassSourceSamplesTheRequestedMode() throws {
        defer { state.remove() }
        try trainWithPrior("flow-prior", objective: "flow")
        let share = try inRequestedMode(model: "flow-prior", sampler: "flow-euler", steps: 10, classLabel: 5)
        #expect(share > 0.9, "flow-euler-10: \(share) in the requested mode")
    }

    @Test func aDiffusionModelFromTheEarlierFormulationIsRefusedClearly() throws {
        defer { state.remove() }
        try trainWithPrior("new", objective: "eps")
        var model = try ModelStore.load("new", modelsDir: state.models)
        model.metadata.classPrior?.whitensDiffusion = nil
        model.metadata.name = "old"
        try ModelStore.save(model, modelsDir: state.models)
        #expect { _ = try self.inRequestedMode(model: "old", sampler: "ddim", steps: 10, classLabel: 0) }
            throws: { if case JobError.invalid(let f, let m) = $0 { return f == "model" && m.contains("train it again") }; return false }
    }
}
