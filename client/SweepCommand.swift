// SweepCommand.swift — `diffctl sweep`: samplers × step counts (× guidance scales) on one model,
// each run scored by the same metrics, to find the cheapest sampler that is good enough.
import DiffProtocol
import Foundation

let sweepOptions: [OptionSpec] = [
    OptionSpec(["--model", "-m"], "model", .string, "MODEL", "a model from diffctl models: NAME (latest version), NAME@V, or a model.ckpt file"),
    OptionSpec(["--samplers"], "samplers", .setting, "SAMPLER:STEPS,..", "runs to compare, repeatable or space-separated"),
    OptionSpec(["--guidance-scales"], "guidanceScales", .numberList, "W,W,..", "guidance scales to try (needs --class)"),
    OptionSpec(["--class"], "classLabel", .int, "K", "class label (conditional models)"),
    OptionSpec(["-n", "--count"], "count", .int, "COUNT", "samples per run"),
] + submitCommonOptions

let sweepHelp = helpText(
    usage: "diffctl sweep --model MODEL [--samplers SAMPLER:STEPS,...]... [--guidance-scales W,...] [-n COUNT] [--follow] [--json]",
    summary: "Sample one model with several samplers and step counts and score every run (results in the job's sweep.csv).",
    options: showingDefaults(sweepOptions, SpecDefaults.sweep),
    examples: ["diffctl sweep --model ring --follow",
               "diffctl sweep --model ring --samplers ddim:5,10,20 --samplers dpm++2m:5,10 -n 1000 --follow",
               "diffctl sweep --model cond --class 2 --guidance-scales 0,1,3 --samplers ddim:50 --follow"])

func sweepCommand(_ argv: [String]) throws -> ExitCode {
    var args = try parseArguments(argv, options: sweepOptions, settingFlags: submitSettingFlags)
    if args.help { print(sweepHelp); return .ok }
    try checkFileKind(try applyJobFile(&args), command: "sweep", allowed: ["sweep"])
    guard args.positionals.isEmpty else { throw UsageError(description: "unexpected argument '\(args.positionals[0])' (see diffctl sweep --help)") }
    guard args.spec["model"] != nil else { throw UsageError(description: "sweep needs --model MODEL (see diffctl models)") }
    let runs = repeatedValues(argv, "--samplers").flatMap { $0.split(whereSeparator: { $0 == " " || $0 == ";" }).map(String.init) }
    if !runs.isEmpty { args.spec["samplers"] = .array(runs.map { .string($0) }) }
    return try submitJob(kind: "sweep", args: args, argv: argv)
}
