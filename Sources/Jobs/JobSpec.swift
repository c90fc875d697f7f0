// JobSpec.swift — a job as data: what the daemon persists, tests build and benchmarks run.
//
// One flat JSON object; `kind` says which fields apply. Every field but `kind` is optional on the
// wire: `resolvedTrain()` / `resolvedSample()` / `resolvedEval()` fill documented defaults and
// validate ranges, throwing `JobError.invalid` that names the field. Unknown keys are rejected
// (a typo must not silently fall back to a default).
import Foundation

public enum JobKind: String, Codable, CaseIterable, Sendable {
    case train, sample, eval, gmm, sweep
}

public struct JobSpec: Codable, Equatable, Sendable {
    public var kind: JobKind

    // train (and gmm)
    public var dataset: String?          // built-in name or path to .csv / .npy
    public var datasetSize: Int?         // points drawn from a built-in dataset
    public var steps: Int?               // train: optimizer steps; sample: sampler steps
    public var name: String?             // model name to save (train, gmm)
    public var newVersion: Bool?         // train, gmm: save as the next version of an existing name
    public var version: Int?             // train, gmm: the version this job writes (set by the daemon at submit)
    public var objective: String?        // eps | x0 | v | flow | regression (behaviour cloning)
    public var schedule: String?         // linear | cosine
    public var timesteps: Int?           // T
    public var betaStart: Double?
    public var betaEnd: Double?
    public var zeroTerminalSNR: Bool?
    public var width: Int?
    public var depth: Int?
    public var timeEmbedDim: Int?
    public var classEmbedDim: Int?
    public var activation: String?       // silu | gelu | relu | mish
    public var batchSize: Int?
    public var lr: Double?
    public var warmupSteps: Int?
    public var weightDecay: Double?
    public var clipNorm: Double?
    public var emaDecay: Double?
    public var conditional: Bool?        // train with class labels
    public var condDropout: Double?      // P(label → null) for classifier-free guidance
    public var conditionColumns: [String]?  // CSV columns used as the conditioning vector
    public var labelColumn: String?      // CSV column with class labels (default "label" if present)
    public var prior: String?            // standard | class  (source distribution of the reverse process)
    public var normalize: Bool?
    public var dataScale: Double?        // std of each normalized dimension the network sees
    public var preconditioning: String?  // edm | none
    public var inputStd: Double?         // std of the network's input at every noise level
    public var lossWeighting: String?    // uniform | min-snr | edm
    public var minSNRGamma: Double?
    public var noiseLevels: String?      // uniform | lognormal
    public var checkpointEvery: Int?
    public var components: Int?          // gmm: K
    public var covariance: String?       // gmm: diag | full
    public var iterations: Int?          // gmm: EM iterations

    // sample
    public var model: String?            // model NAME, NAME@V, or (the job's copy of) a checkpoint path
    public var sampler: String?          // ddpm | ddpm-large | ddim | sde | pc | ode | dpm++2m | flow-euler | flow-heun | langevin
    public var count: Int?
    public var eta: Double?
    public var guidance: Double?
    public var classLabel: Int?
    public var conditionFile: String?    // CSV/NPY of conditioning vectors (one per sample, or one for all)
    public var spacing: String?          // linspace | leading | trailing
    public var trajectoryEvery: Int?
    public var out: String?              // output path (.csv / .npy); default: job dir
    public var force: Bool?              // let `out` replace an existing file
    public var hallucinationFilter: Double? // drop this fraction of highest trajectory-variance samples
    public var varianceWindow: Int?      // x̂0 variance over the last N sampler steps (the filter's score)

    // eval
    public var samples: String?          // path to a samples file
    public var task: String?             // closed-loop evaluation of `model` on a task: policy_maze
    public var episodes: Int?            // closed-loop episodes
    public var disturb: Bool?            // push the robot once mid-episode

    // sweep: samplers × step counts (× guidance scales) on one model, each scored
    public var samplers: [String]?       // e.g. ["ddim:10,20,50", "dpm++2m:5,10,20", "ddpm:1000"]
    public var guidanceScales: [Double]? // e.g. [0, 1, 3] (with classLabel)

    // all
    public var seed: UInt64?
    public var backend: String?          // auto | cpu | vulkan (overrides the daemon's default)

    public init(kind: JobKind) { self.kind = kind }
}

/// The one error type of job execution. `field` names the offending parameter when there is one.
public enum JobError: Error, CustomStringConvertible, Equatable {
    case invalid(field: String, message: String)
    case data(String)          // a data file is malformed or missing
    case failed(String)        // execution failed (NaN loss, device error, ...)
    case notFound(String)      // model / file not found

    public var description: String {
        switch self {
        case .invalid(let f, let m): return "invalid parameter '\(f)': \(m)"
        case .data(let m): return m
        case .failed(let m): return m
        case .notFound(let m): return m
        }
    }
}

extension JobSpec {
    /// Decode a spec from JSON, naming unknown keys and wrongly typed fields.
    public static func decode(_ data: Data) throws -> JobSpec {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw JobError.invalid(field: "spec", message: "not valid JSON")
        }
        guard let dict = object as? [String: Any] else {
            throw JobError.invalid(field: "spec", message: "must be a JSON object")
        }
        let known = Set(JobSpec.knownKeys)
        if let unknown = dict.keys.sorted().first(where: { !known.contains($0) }) {
            // a likely typo names its fix; otherwise the whole list
            if let hint = suggestion(for: unknown) { throw JobError.invalid(field: unknown, message: "unknown field (did you mean '\(hint)'?)") }
            throw JobError.invalid(field: unknown, message: "unknown field (known: \(JobSpec.knownKeys.joined(separator: ", ")))")
        }
        do {
            return try JSONDecoder().decode(JobSpec.self, from: data)
        } catch let DecodingError.typeMismatch(type, ctx) {
            throw JobError.invalid(field: ctx.codingPath.map(\.stringValue).joined(separator: "."), message: "expected \(type)")
        } catch let DecodingError.dataCorrupted(ctx) {
            let field = ctx.codingPath.map(\.stringValue).joined(separator: ".")
            throw JobError.invalid(field: field.isEmpty ? "spec" : field, message: ctx.debugDescription)
        } catch let DecodingError.keyNotFound(key, _) {
            throw JobError.invalid(field: key.stringValue, message: "required")
        } catch let DecodingError.valueNotFound(_, ctx) {
            throw JobError.invalid(field: ctx.codingPath.map(\.stringValue).joined(separator: "."), message: "must not be null")
        }
    }

    public func encoded() -> Data {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        return (try? enc.encode(self)) ?? Data()
    }

    static let knownKeys: [String] = [
        "kind", "dataset", "datasetSize", "steps", "name", "newVersion", "version", "objective", "schedule", "timesteps", "betaStart",
        "betaEnd", "zeroTerminalSNR", "width", "depth", "timeEmbedDim", "classEmbedDim", "activation",
        "batchSize", "lr", "warmupSteps", "weightDecay", "clipNorm", "emaDecay", "conditional", "condDropout",
        "conditionColumns", "labelColumn", "prior", "normalize", "dataScale", "preconditioning", "inputStd",
        "lossWeighting", "minSNRGamma", "noiseLevels", "checkpointEvery", "components", "covariance",
        "iterations", "model", "sampler", "count", "eta", "guidance", "classLabel", "conditionFile", "spacing",
        "trajectoryEvery", "out", "force", "hallucinationFilter", "varianceWindow", "samples", "task", "episodes", "disturb", "samplers", "guidanceScales", "seed", "backend",
    ]
}
