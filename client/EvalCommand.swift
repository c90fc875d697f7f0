// EvalCommand.swift — `diffctl eval`: metrics of a samples file against a dataset.
import DiffProtocol
import Foundation

let evalOptions: [OptionSpec] = [
    OptionSpec(["--samples"], "samples", .path, "FILE", "samples file (.csv/.npy), e.g. a sample job's output"),
    OptionSpec(["--dataset", "-d"], "dataset", .string, "NAME|FILE", "reference data: built-in name or file"),
] + submitCommonOptions

let evalHelp = helpText(
    usage: "diffctl eval --samples FILE --dataset NAME|FILE [--follow] [--json]",
    summary: "Compute metrics of samples against a dataset (mode coverage, distances, ...).",
    options: evalOptions,
    examples: ["diffctl eval --samples ring.csv --dataset ring8 --follow",
               "diffctl --json eval --samples out.npy --dataset ./data.csv --follow"])

func evalCommand(_ argv: [String]) throws -> ExitCode {
    var args = try parseArguments(argv, options: evalOptions, settingFlags: ["follow"])
    if args.help { print(evalHelp); return .ok }
    guard args.positionals.isEmpty else { throw UsageError(description: "unexpected argument '\(args.positionals[0])' (see diffctl eval --help)") }
    guard args.spec["samples"] != nil else { throw UsageError(description: "eval needs --samples FILE") }
    guard args.spec["dataset"] != nil else { throw UsageError(description: "eval needs --dataset NAME|FILE") }
    args.spec["dataset"] = datasetValue(args.spec["dataset"])
    return try submitJob(kind: "eval", args: args, argv: argv)
}
