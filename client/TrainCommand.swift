// TrainCommand.swift — `diffctl train`: submit a training job.
import DiffProtocol
import Foundation

let trainOptions: [OptionSpec] = [
    OptionSpec(["--dataset", "-d"], "dataset", .string, "NAME|FILE", "built-in dataset (e.g. ring8, moons, swissroll) or a .csv/.npy file"),
    OptionSpec(["--steps"], "steps", .int, "N", "optimizer steps"),
    OptionSpec(["--name"], "name", .string, "MODEL", "save the trained model under this name (see diffctl models); an existing name is refused"),
    OptionSpec(["--new-version"], "newVersion", .flag, "", "the name exists: save as its next version (NAME@2, ...); NAME then means the latest"),
    OptionSpec(["--objective"], "objective", .string, "eps|x0|v|flow|regression", "what the network predicts (regression: the sample itself with MSE, a mode-averaging baseline)"),
    OptionSpec(["--schedule"], "schedule", .string, "linear|cosine|karras", "noise schedule (karras: EDM's σ grid, ρ = 7)"),
    OptionSpec(["--preconditioning"], "preconditioning", .string, "edm|none", "σ_data-aware input/output scaling (Karras et al. 2022); none = the raw objective"),
    OptionSpec(["--data-scale"], "dataScale", .number, "S", "std of each normalized dimension the network sees"),
    OptionSpec(["--loss-weighting"], "lossWeighting", .string, "uniform|min-snr|edm", "weighting of the loss across noise levels"),
    OptionSpec(["--min-snr-gamma"], "minSNRGamma", .number, "G", "γ of min-SNR-γ weighting"),
    OptionSpec(["--noise-levels"], "noiseLevels", .string, "uniform|lognormal", "noise levels drawn in training (lognormal: EDM's)"),
    OptionSpec(["--timesteps"], "timesteps", .int, "T", "diffusion steps of the forward process"),
    OptionSpec(["--batch-size"], "batchSize", .int, "B", "points per step"),
    OptionSpec(["--lr"], "lr", .number, "LR", "peak learning rate (AdamW)"),
    OptionSpec(["--warmup-steps"], "warmupSteps", .int, "N", "learning-rate warm-up steps"),
    OptionSpec(["--width"], "width", .int, "W", "hidden width of the MLP denoiser"),
    OptionSpec(["--depth"], "depth", .int, "D", "hidden layers"),
    OptionSpec(["--activation"], "activation", .string, "silu|gelu|relu|mish", "hidden activation"),
    OptionSpec(["--ema-decay"], "emaDecay", .number, "D", "EMA of the weights"),
    OptionSpec(["--conditional"], "conditional", .flag, "", "train with class labels (enables --class / --guidance at sampling)"),
    OptionSpec(["--cond-dropout"], "condDropout", .number, "P", "label dropout for classifier-free guidance"),
    OptionSpec(["--prior"], "prior", .string, "standard|class", "source of the reverse process: N(0, I), or per-class Gaussians fitted to the data (with --conditional)"),
    OptionSpec(["--label-column"], "labelColumn", .string, "COL", "CSV column holding class labels"),
    OptionSpec(["--condition-columns"], "conditionColumns", .list, "A,B", "CSV columns used as the conditioning vector"),
    OptionSpec(["--dataset-size"], "datasetSize", .int, "N", "points drawn from a built-in dataset"),
    OptionSpec(["--checkpoint-every"], "checkpointEvery", .int, "N", "steps between checkpoints (default: the daemon's)"),
    OptionSpec(["--kind"], "kind", .setting, "train|gmm", "train a diffusion model (default) or fit a Gaussian-mixture baseline by EM"),
    OptionSpec(["--components"], "components", .int, "K", "gmm: mixture components"),
    OptionSpec(["--covariance"], "covariance", .string, "diag|full", "gmm: covariance type"),
    OptionSpec(["--iterations"], "iterations", .int, "N", "gmm: EM iterations"),
] + submitCommonOptions

let trainHelp = helpText(
    usage: "diffctl train --dataset NAME|FILE --steps N --name MODEL [--objective eps|x0|v|flow|regression] [--seed S] [--follow] [--json]",
    summary: "Train a denoiser on a dataset and save it as a named model.",
    options: showingDefaults(trainOptions, SpecDefaults.train.merging(SpecDefaults.gmm) { train, _ in train }.merging(["minSNRGamma": SpecDefaults.minSNRGamma]) { a, _ in a }, notes: SpecDefaults.trainNotes),
    examples: ["diffctl train --dataset ring8 --steps 3000 --name ring --follow",
               "diffctl train --dataset ./points.csv --steps 20000 --name mine --objective v --width 256 --depth 4",
               "diffctl train --dataset moons --steps 5000 --name cond --conditional --cond-dropout 0.1",
               "diffctl train --dataset grid25 --steps 6000 --name c25 --conditional --prior class",
               "diffctl train --kind gmm --dataset ring8 --components 8 --name ring-gmm --follow",
               "diffctl --json train --dataset ring8 --steps 300 --name quick   # prints {\"id\":...}"])

func trainCommand(_ argv: [String]) throws -> ExitCode {
    var args = try parseArguments(argv, options: trainOptions, settingFlags: submitSettingFlags)
    if args.help { print(trainHelp); return .ok }
    let fileKind = try applyJobFile(&args)
    try checkFileKind(fileKind, command: "train", allowed: ["train", "gmm"])
    guard args.positionals.isEmpty else { throw UsageError(description: "unexpected argument '\(args.positionals[0])' (see diffctl train --help)") }
    guard args.spec["dataset"] != nil else { throw UsageError(description: "train needs --dataset NAME|FILE (see diffctl train --help)") }
    args.spec["dataset"] = datasetValue(args.spec["dataset"])
    let kind = args.settings["kind"] ?? fileKind ?? "train"
    guard kind == "train" || kind == "gmm" else { throw UsageError(description: "--kind must be train or gmm, got '\(kind)'") }
    return try submitJob(kind: kind, args: args, argv: argv)
}
