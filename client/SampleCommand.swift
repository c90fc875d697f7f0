// SampleCommand.swift — `diffctl sample`: draw samples from a trained model.
import DiffProtocol
import Foundation

let sampleOptions: [OptionSpec] = [
    OptionSpec(["--model", "-m"], "model", .string, "MODEL", "a model from diffctl models: NAME (latest version), NAME@V, or a model.ckpt file"),
    OptionSpec(["--sampler"], "sampler", .string, "NAME", "ddpm | ddpm-large | ddim | sde | pc | ode | dpm++2m | edm-heun | flow-euler | flow-heun | langevin"),
    OptionSpec(["--steps"], "steps", .int, "N", "sampler steps"),
    OptionSpec(["-n", "--count"], "count", .int, "COUNT", "how many samples"),
    OptionSpec(["--out", "-o"], "out", .path, "FILE.csv|FILE.npy", "where to write the samples (default: the job's directory)"),
    OptionSpec(["--force"], "force", .flag, "", "let --out replace an existing file (it is refused otherwise)"),
    OptionSpec(["--eta"], "eta", .number, "E", "DDIM stochasticity η (0 = deterministic)"),
    OptionSpec(["--guidance"], "guidance", .number, "W", "classifier-free guidance scale"),
    OptionSpec(["--class"], "classLabel", .int, "K", "class label to sample (conditional models)"),
    OptionSpec(["--condition-file"], "conditionFile", .path, "FILE", "conditioning vectors (.csv/.npy): one per sample, or one for all"),
    OptionSpec(["--spacing"], "spacing", .string, "linspace|leading|trailing|logsnr|karras", "how sampler steps are spread over the timesteps"),
    OptionSpec(["--trajectory-every"], "trajectoryEvery", .int, "K", "record the reverse path every K steps (for plots)"),
    OptionSpec(["--hallucination-filter"], "hallucinationFilter", .number, "F", "drop this fraction of the least stable samples (highest x̂0 variance)"),
    OptionSpec(["--variance-window"], "varianceWindow", .int, "N", "with --hallucination-filter: score x̂0 over the last N steps (default 2% of --steps)"),
] + submitCommonOptions

let sampleHelp = helpText(
    usage: "diffctl sample --model MODEL --sampler ddpm|ddim|... --steps N -n COUNT --out FILE.csv|FILE.npy [--force] [--eta E] [--guidance W] [--class K] [--seed S] [--follow] [--json]",
    summary: "Sample a trained model.",
    options: showingDefaults(sampleOptions, SpecDefaults.sample, notes: [
        "steps": sampleStepsNote,
        "spacing": SpecDefaults.sampleSpacing.keys.sorted().map { "\(SpecDefaults.sampleSpacing[$0]!) for \($0)" }.joined(separator: ", ") + ", else trailing",
    ]),
    examples: ["diffctl sample --model ring --sampler ddim --steps 50 -n 2000 --out ring.csv --follow",
               "diffctl sample --model ring --sampler ddpm --steps 1000 -n 5000 --out ring.npy --seed 7",
               "diffctl sample --model cond --sampler ddim --steps 50 -n 1000 --class 2 --guidance 3 --out c2.csv"])

func sampleCommand(_ argv: [String]) throws -> ExitCode {
    var args = try parseArguments(argv, options: sampleOptions, settingFlags: submitSettingFlags)
    if args.help { print(sampleHelp); return .ok }
    try checkFileKind(try applyJobFile(&args), command: "sample", allowed: ["sample"])
    guard args.positionals.isEmpty else { throw UsageError(description: "unexpected argument '\(args.positionals[0])' (see diffctl sample --help)") }
    guard args.spec["model"] != nil else { throw UsageError(description: "sample needs --model MODEL (see diffctl models)") }
    return try submitJob(kind: "sample", args: args, argv: argv)
}
