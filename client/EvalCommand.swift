// EvalCommand.swift — `diffctl eval`: metrics of a samples file against a dataset, or (with
// --task) closed-loop episodes of a policy model on a task, run in the daemon.
import DiffProtocol
import Foundation

let evalOptions: [OptionSpec] = [
    OptionSpec(["--samples"], "samples", .path, "FILE", "samples file (.csv/.npy), e.g. a sample job's output"),
    OptionSpec(["--dataset", "-d"], "dataset", .string, "NAME|FILE", "reference data: built-in name or file"),
    OptionSpec(["--model", "-m"], "model", .string, "MODEL", "closed loop: the policy model to run"),
    OptionSpec(["--task"], "task", .string, "TASK", "closed loop: the task (policy_maze)"),
    OptionSpec(["--episodes"], "episodes", .int, "N", "closed loop: episodes"),
    OptionSpec(["--disturb"], "disturb", .flag, "", "closed loop: push the robot by 0.5 once, after step 16"),
    OptionSpec(["--sampler"], "sampler", .string, "NAME", "closed loop: sampler"),
    OptionSpec(["--steps"], "steps", .int, "N", "closed loop: sampler steps per chunk"),
] + submitCommonOptions

let evalHelp = helpText(
    usage: "diffctl eval --samples FILE --dataset NAME|FILE [--follow] [--json]\n       diffctl eval --model M --task policy_maze [--episodes 200] [--disturb] [--sampler ddim --steps 10] [--follow]",
    summary: "Compute metrics of samples against a dataset (mode coverage, distances, ...), or run a policy in closed loop on a task (success, collisions, homotopy classes, latency).",
    options: showingDefaults(evalOptions, SpecDefaults.policyEval, notes: ["sampler": "ddim; flow-euler for flow models"]),
    examples: ["diffctl eval --samples ring.csv --dataset ring8 --follow",
               "diffctl --json eval --samples out.npy --dataset ./data.csv --follow",
               "diffctl eval --model maze --task policy_maze --episodes 200 --disturb --follow"])

func evalCommand(_ argv: [String]) throws -> ExitCode {
    var args = try parseArguments(argv, options: evalOptions, settingFlags: submitSettingFlags)
    if args.help { print(evalHelp); return .ok }
    try checkFileKind(try applyJobFile(&args), command: "eval", allowed: ["eval"])
    guard args.positionals.isEmpty else { throw UsageError(description: "unexpected argument '\(args.positionals[0])' (see diffctl eval --help)") }
    if args.spec["task"] != nil {
        guard args.spec["model"] != nil else { throw UsageError(description: "eval --task needs --model MODEL") }
        return try submitJob(kind: "eval", args: args, argv: argv)
    }
    guard args.spec["samples"] != nil else { throw UsageError(description: "eval needs --samples FILE (or --task TASK --model MODEL)") }
    guard args.spec["dataset"] != nil else { throw UsageError(description: "eval needs --dataset NAME|FILE") }
    args.spec["dataset"] = datasetValue(args.spec["dataset"])
    return try submitJob(kind: "eval", args: args, argv: argv)
}
