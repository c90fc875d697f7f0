// SpecDefaults.swift — the defaults the daemon fills into a job spec, as a table the client can
// show (`--help`, completion) without linking the engine. The engine's resolution
// (Jobs/SpecResolution.swift) is what applies them; SpecDefaultsTests resolves empty specs and
// checks every entry here against what it fills, so the two cannot drift apart unnoticed.
// Also the reply to a dry-run submit.
import Foundation

public enum SpecDefaults {
    /// train (and gmm: the data keys) — spec key → default
    public static let train: [String: JSONValue] = [
        "steps": .int(5000), "datasetSize": .int(20_000), "width": .int(256), "depth": .int(4),
        "timeEmbedDim": .int(128), "classEmbedDim": .int(32), "batchSize": .int(512), "lr": .double(0.002),
        "warmupSteps": .int(100), "emaDecay": .double(0.999), "clipNorm": .double(1), "condDropout": .double(0.1),
        "objective": .string("eps"), "dataScale": .double(6), "inputStd": .double(8),
        "lossWeighting": .string("uniform"), "noiseLevels": .string("uniform"), "schedule": .string("linear"),
        "timesteps": .int(1000), "betaStart": .double(0.0001), "betaEnd": .double(0.02),
        "activation": .string("silu"), "prior": .string("standard"), "preconditioning": .string("edm"),
        "weightDecay": .double(0), "seed": .int(0), "normalize": .bool(true), "conditional": .bool(false),
    ]
    /// defaults that hold only under a condition, said in words (help shows them after the value)
    public static let trainNotes: [String: String] = [
        "warmupSteps": "at most steps/10",
        "preconditioning": "none for regression",
        "minSNRGamma": "with --loss-weighting min-snr",
    ]
    /// γ of min-SNR-γ weighting when lossWeighting is min-snr
    public static let minSNRGamma = JSONValue.double(5)

    public static let gmm: [String: JSONValue] = [
        "components": .int(8), "covariance": .string("full"), "iterations": .int(200), "datasetSize": .int(20_000), "seed": .int(0),
    ]

    public static let sample: [String: JSONValue] = [
        "sampler": .string("ddim"), "count": .int(1000), "eta": .double(0), "guidance": .double(0),
        "trajectoryEvery": .int(0), "seed": .int(0), "force": .bool(false),
    ]
    /// sampler steps when --steps is not given, by sampler
    public static let sampleSteps: [String: Int] = [
        "ddpm": 1000, "ddpm-large": 1000, "sde": 1000, "pc": 500, "ddim": 100, "ode": 100, "flow-euler": 100,
        "langevin": 100, "dpm++2m": 20, "edm-heun": 18, "flow-heun": 50,
    ]
    /// timestep spacing when --spacing is not given, by sampler (trailing for the others)
    public static let sampleSpacing: [String: String] = ["dpm++2m": "logsnr", "edm-heun": "karras"]

    /// closed-loop eval (eval --task)
    public static let policyEval: [String: JSONValue] = [
        "episodes": .int(200), "steps": .int(10), "disturb": .bool(false), "seed": .int(0),
    ]

    public static let sweep: [String: JSONValue] = [
        "samplers": .array(["ddim:10,20,50", "dpm++2m:5,10,20", "ddpm:1000"].map { .string($0) }),
        "guidanceScales": .array([.double(0)]), "count": .int(2000), "seed": .int(0),
    ]

    /// The table of one submit command's kind ("train", "gmm", "sample", "eval", "sweep").
    public static func table(for kind: String) -> [String: JSONValue] {
        switch kind {
        case "train": return train
        case "gmm": return gmm
        case "sample": return sample
        case "eval": return policyEval
        case "sweep": return sweep
        default: return [:]
        }
    }
}

/// The reply to a submit with `dryRun`: the spec as the job would run it, nothing queued.
public struct ResolvedReply: Codable, Equatable, Sendable {
    public var kind: String
    /// every key the job runs with, defaults filled
    public var spec: JSONValue
    /// the spec as given (the file merged with the command line)
    public var given: JSONValue?
    public init(kind: String, spec: JSONValue, given: JSONValue? = nil) { self.kind = kind; self.spec = spec; self.given = given }
}
