// JobRunner.swift — executes one JobSpec on a backend and reports progress through JobContext.
import DiffusionCore
import Foundation

public enum JobRunner {
    /// Checks a spec without running it (the daemon calls this before accepting a job).
    public static func validate(_ spec: JobSpec) throws {
        throw JobError.failed("job runner not implemented yet")
    }

    /// Runs the job to completion, cancellation or interruption. Throws JobError on failure.
    public static func run(_ spec: JobSpec, context: JobContext) throws -> JobOutcome {
        throw JobError.failed("job runner not implemented yet")
    }
}
