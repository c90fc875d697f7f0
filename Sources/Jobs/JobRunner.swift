// JobRunner.swift — executes one JobSpec on a backend and reports progress through JobContext.
// The daemon, the tests and the benchmarks all run jobs through here.
import DiffusionCore
import Foundation

public enum JobRunner {
    /// Checks a spec without running it (the daemon calls this before accepting a job).
    public static func validate(_ spec: JobSpec) throws {
        switch spec.kind {
        case .train: _ = try spec.resolvedTrain()
        case .sample: _ = try spec.resolvedSample()
        case .eval: if spec.task != nil { _ = try spec.resolvedPolicyEval() } else { _ = try spec.resolvedEval() }
        case .gmm: _ = try spec.resolvedGMM()
        case .sweep: _ = try spec.resolvedSweep()
        }
    }

    /// Runs the job to completion, cancellation or interruption. Throws JobError on failure.
    /// Re-running an interrupted job with the same jobDir resumes it.
    public static func run(_ spec: JobSpec, context: JobContext) throws -> JobOutcome {
        try FileManager.default.createDirectory(at: context.jobDir, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: context.modelsDir, withIntermediateDirectories: true)
        do {
            let outcome: JobOutcome
            switch spec.kind {
            case .train: outcome = try TrainJob.run(try spec.resolvedTrain(), context: context)
            case .sample: outcome = try SampleJob.run(try spec.resolvedSample(), context: context)
            case .eval: outcome = spec.task != nil ? try PolicyEvalJob.run(try spec.resolvedPolicyEval(), context: context)
                                          : try EvalJob.run(try spec.resolvedEval(), context: context)
            case .gmm: outcome = try GMMJob.run(try spec.resolvedGMM(), context: context)
            case .sweep: outcome = try SweepJob.run(try spec.resolvedSweep(), context: context)
            }
            if case .succeeded(let r) = outcome {
                context.emit(JobEvent(kind: .finished, metrics: r.metrics, outputs: r.outputs))
            }
            return outcome
        } catch let e as JobError {
            throw e
        } catch let e as DataError {
            throw JobError.data(e.description)
        } catch let e as ModelError {
            throw JobError.failed(e.description)
        } catch let e as ScheduleError {
            throw JobError.invalid(field: "schedule", message: e.description)
        }
    }
}
