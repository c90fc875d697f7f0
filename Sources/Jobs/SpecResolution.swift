// SpecResolution.swift — turns a wire JobSpec into resolved settings: documented defaults filled
// in, every range checked, errors that name the field.
import DiffusionCore
import Foundation

/// Defaults of a training job (the reference workload of the benchmarks, except steps).
public enum TrainDefaults {
    public static let steps = 5000
    public static let datasetSize = 20_000
    public static let width = 256
    public static let depth = 4
    public static let timeEmbedDim = 128
    public static let classEmbedDim = 32
    public static let batchSize = 512
    public static let lr = 2e-3
    public static let warmupSteps = 100
    public static let emaDecay = 0.999
    public static let clipNorm = 1.0
    public static let condDropout = 0.1
    public static let objective = Objective.eps
    public static let dataScale = 6.0
    public static let inputStd = 8.0
    public static let lossWeighting = LossWeighting.uniform
    public static let noiseLevels = NoiseLevelDistribution.uniform
}

/// Where the training data comes from and how it is prepared.
public struct DataSettings: Codable, Equatable, Sendable {
    /// built-in name, or a file path
    public var source: String
    public var isBuiltin: Bool
    public var size: Int
    public var labelColumn: String?
    public var conditionColumns: [String]
    public var normalize: Bool
    /// std of each dimension after normalization (only with normalize)
    public var scale: Double = 1
    public var seed: UInt64
}

public struct TrainSettings: Codable, Equatable, Sendable {
    public var name: String
    public var data: DataSettings
    public var config: TrainConfig
    /// use the labels as classes (class-conditional model with a null class for CFG)
    public var conditional: Bool
    /// source distribution of the reverse process: standard N(0, I) or per-class Gaussians
    public var prior: String
    public var checkpointEvery: Int?
    public var backend: BackendChoice?
    /// the version of `name` this job writes (nil: 1)
    public var version: Int? = nil
}

public struct SampleSettings: Codable, Equatable, Sendable {
    public var model: String
    public var sampler: SamplerConfig
    public var count: Int
    public var guidance: Double
    public var classLabel: Int?
    public var conditionFile: String?
    public var out: String?
    /// replace an existing `out` file
    public var force: Bool = false
    public var hallucinationFilter: Double?
    public var backend: BackendChoice?
}

public struct GMMSettings: Codable, Equatable, Sendable {
    public var name: String
    public var data: DataSettings
    public var components: Int
    public var covariance: CovarianceType
    public var iterations: Int
    public var seed: UInt64
    /// the version of `name` this job writes (nil: 1)
    public var version: Int? = nil
}

public struct EvalSettings: Codable, Equatable, Sendable {
    public var samples: String
    public var data: DataSettings
}

private func invalid(_ field: String, _ message: String) -> JobError { .invalid(field: field, message: message) }

private func check<T: Comparable>(_ value: T?, _ field: String, _ range: ClosedRange<T>, default def: T) throws -> T {
    let v = value ?? def
    guard range.contains(v) else { throw invalid(field, "must be in \(range.lowerBound)...\(range.upperBound) (got \(v))") }
    return v
}

private func enumValue<E: RawRepresentable & CaseIterable>(_ raw: String?, _ field: String, default def: E) throws -> E where E.RawValue == String {
    guard let raw else { return def }
    guard let v = E(rawValue: raw) else {
        throw invalid(field, "'\(raw)' is not one of \(E.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    return v
}

func backendChoice(_ raw: String?) throws -> BackendChoice? {
    guard let raw else { return nil }
    return try enumValue(raw, "backend", default: BackendChoice.auto)
}

/// Names of models and jobs: safe as a directory name.
func checkName(_ name: String?, field: String) throws -> String {
    guard let name, !name.isEmpty else { throw invalid(field, "required (a model name such as 'ring8-eps')") }
    let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_."))
    guard name.count <= 64, name.unicodeScalars.allSatisfy({ allowed.contains($0) }), !name.hasPrefix(".") else {
        throw invalid(field, "'\(name)' must be 1–64 letters, digits, '-', '_' or '.', not starting with '.'")
    }
    return name
}

/// A model reference: NAME, NAME@V, or a checkpoint path (a job's copy of a file the client passed).
func checkModelRef(_ ref: String?) throws -> String {
    guard let ref, !ref.isEmpty else { throw invalid("model", "required (a model name such as 'ring8-eps', NAME@V, or a model.ckpt path)") }
    if ModelStore.isPath(ref) { try checkInputFile(ref, field: "model"); return ref }
    _ = try ModelStore.parse(ref)
    return ref
}

/// An input file must exist and be a regular file (a FIFO or device would block or never end).
func checkInputFile(_ path: String, field: String) throws {
    do { try DataLoader.checkRegularFile(path) } catch let e as DataError { throw invalid(field, e.message) }
}

extension JobSpec {
    func resolvedData() throws -> DataSettings {
        guard let source = dataset, !source.isEmpty else {
            throw invalid("dataset", "required: a built-in dataset (\(BuiltinDatasets.names.joined(separator: ", "))) or a path to a .csv / .npy file")
        }
        let builtin = BuiltinDatasets.names.contains(source)
        if !builtin {
            let ext = (source as NSString).pathExtension.lowercased()
            guard ext == "csv" || ext == "npy" else {
                throw invalid("dataset", "'\(source)' is neither a built-in dataset (\(BuiltinDatasets.names.joined(separator: ", "))) nor a .csv / .npy file")
            }
            try checkInputFile(source, field: "dataset")
        }
        return DataSettings(source: source, isBuiltin: builtin,
                            size: try check(datasetSize, "datasetSize", 1...10_000_000, default: TrainDefaults.datasetSize),
                            labelColumn: labelColumn, conditionColumns: conditionColumns ?? [],
                            normalize: normalize ?? true,
                            scale: try check(dataScale, "dataScale", 0.01...100, default: TrainDefaults.dataScale),
                            seed: seed ?? 0)
    }

    public func resolvedTrain() throws -> TrainSettings {
        guard kind == .train else { throw invalid("kind", "expected train") }
        let name = try checkName(self.name, field: "name")
        let data = try resolvedData()
        let objective: Objective = self.objective == "regression" ? .regression
            : try enumValue(self.objective, "objective", default: TrainDefaults.objective)
        if objective == .regression && self.preconditioning == "edm" {
            throw invalid("preconditioning", "regression trains the network directly: use preconditioning=none (its default)")
        }
        let precond = self.preconditioning ?? (objective == .regression ? "none" : "edm")
        guard precond == "edm" || precond == "none" else { throw invalid("preconditioning", "'\(precond)' is not one of edm, none") }
        let weighting: LossWeighting = try enumValue(lossWeighting, "lossWeighting", default: TrainDefaults.lossWeighting)
        let levels: NoiseLevelDistribution = try enumValue(noiseLevels, "noiseLevels", default: TrainDefaults.noiseLevels)
        if precond == "none" && (weighting != .uniform || levels != .uniform) {
            throw invalid(weighting != .uniform ? "lossWeighting" : "noiseLevels", "needs preconditioning=edm")
        }
        let scheduleKind: ScheduleKind = try enumValue(self.schedule, "schedule", default: .linear)
        let schedule = ScheduleConfig(kind: scheduleKind,
                                      timesteps: try check(timesteps, "timesteps", 1...100_000, default: 1000),
                                      betaStart: try check(betaStart, "betaStart", 1e-8...0.5, default: 1e-4),
                                      betaEnd: try check(betaEnd, "betaEnd", 1e-8...0.999, default: 0.02),
                                      zeroTerminalSNR: zeroTerminalSNR ?? false)
        if schedule.betaStart > schedule.betaEnd { throw invalid("betaStart", "must not exceed betaEnd (\(schedule.betaStart) > \(schedule.betaEnd))") }
        let activation: Activation = try enumValue(self.activation, "activation", default: .silu)
        let steps = try check(self.steps, "steps", 1...10_000_000, default: TrainDefaults.steps)
        let model = ModelConfig(dataDim: 1,   // set from the data when it is loaded
                                width: try check(width, "width", 1...8192, default: TrainDefaults.width),
                                depth: try check(depth, "depth", 1...64, default: TrainDefaults.depth),
                                timeEmbedDim: try check(timeEmbedDim, "timeEmbedDim", 2...4096, default: TrainDefaults.timeEmbedDim),
                                numClasses: 0,
                                classEmbedDim: try check(classEmbedDim, "classEmbedDim", 1...4096, default: TrainDefaults.classEmbedDim),
                                condDim: 0, activation: activation)
        if model.timeEmbedDim % 2 != 0 { throw invalid("timeEmbedDim", "must be even (got \(model.timeEmbedDim))") }
        let config = TrainConfig(model: model, objective: objective, schedule: schedule, steps: steps,
                                 batchSize: try check(batchSize, "batchSize", 1...65_536, default: TrainDefaults.batchSize),
                                 lr: try check(lr, "lr", 1e-8...1, default: TrainDefaults.lr),
                                 warmupSteps: try check(warmupSteps, "warmupSteps", 0...10_000_000, default: min(TrainDefaults.warmupSteps, steps / 10)),
                                 weightDecay: try check(weightDecay, "weightDecay", 0...1, default: 0),
                                 clipNorm: try check(clipNorm, "clipNorm", 0...1e6, default: TrainDefaults.clipNorm),
                                 emaDecay: try check(emaDecay, "emaDecay", 0...0.999999, default: TrainDefaults.emaDecay),
                                 condDropout: try check(condDropout, "condDropout", 0...1, default: TrainDefaults.condDropout),
                                 seed: seed ?? 0,
                                 // σ_data is estimated from the data when it is loaded (0 = not yet)
                                 preconditioning: precond == "edm" ? Preconditioning(sigmaData: 0, inputStd: try check(inputStd, "inputStd", 0.01...100, default: TrainDefaults.inputStd)) : nil,
                                 lossWeighting: precond == "edm" ? weighting : nil,
                                 minSNRGamma: try minSNRGamma.map { try check($0, "minSNRGamma", 0.01...1000, default: 5) },
                                 noiseLevels: precond == "edm" ? levels : nil)
        let prior = self.prior ?? "standard"
        guard prior == "standard" || prior == "class" else { throw invalid("prior", "'\(prior)' is not one of standard, class") }
        if prior == "class" && !(conditional ?? false) {
            throw invalid("prior", "a class-conditional source needs class labels: add --conditional")
        }
        _ = try check(checkpointEvery, "checkpointEvery", 1...10_000_000, default: 1)
        return TrainSettings(name: name, data: data, config: config, conditional: conditional ?? false, prior: prior,
                             checkpointEvery: checkpointEvery, backend: try backendChoice(backend),
                             version: try version.map { try check($0, "version", 1...1_000_000, default: 1) })
    }

    public func resolvedSample() throws -> SampleSettings {
        guard kind == .sample else { throw invalid("kind", "expected sample") }
        let model = try checkModelRef(self.model)
        let kind: SamplerKind = try enumValue(sampler, "sampler", default: .ddim)
        let defaultSteps: Int
        switch kind {
        case .ddpm, .ddpmLarge, .sde: defaultSteps = 1000
        case .pc: defaultSteps = 500
        case .ddim, .ode, .flowEuler, .langevin: defaultSteps = 100
        case .dpmpp2m: defaultSteps = 20
        case .edmHeun: defaultSteps = 18
        case .flowHeun: defaultSteps = 50
        }
        let spacing: TimestepSpacing = try enumValue(self.spacing, "spacing", default: .preferred(for: kind))
        let filter = hallucinationFilter
        if let filter, !(0..<1).contains(filter) { throw invalid("hallucinationFilter", "must be in [0, 1) (got \(filter))") }
        let steps = try check(self.steps, "steps", 1...100_000, default: defaultSteps)
        var config = SamplerConfig(kind: kind, steps: steps,
                                   eta: try check(eta, "eta", 0...1, default: 0),
                                   spacing: spacing, seed: seed ?? 0,
                                   trajectoryEvery: try check(trajectoryEvery, "trajectoryEvery", 0...100_000, default: 0),
                                   langevinSteps: kind == .langevin ? 10 : 1, langevinSNR: kind == .langevin ? 0.3 : 0.16)
        if filter != nil {
            // a window longer than the run covers the whole run
            config.varianceWindow = try check(varianceWindow, "varianceWindow", 2...100_000,
                                               default: HallucinationFilter.defaultWindow(samplerSteps: steps))
            config.varianceCompareWindows = HallucinationFilter.compareWindows(samplerSteps: steps)
        } else if varianceWindow != nil {
            throw invalid("varianceWindow", "only applies with hallucinationFilter")
        }
        if let out, !out.isEmpty {
            let ext = (out as NSString).pathExtension.lowercased()
            guard ext == "csv" || ext == "npy" else { throw invalid("out", "'\(out)' must end in .csv or .npy") }
            let dir = (out as NSString).deletingLastPathComponent
            var isDir: ObjCBool = false
            if !dir.isEmpty && !(FileManager.default.fileExists(atPath: dir, isDirectory: &isDir) && isDir.boolValue) {
                throw invalid("out", "directory '\(dir)' does not exist")
            }
            try OutputFile.checkReplaceable(out, force: force ?? false)
        }
        if let f = conditionFile { try checkInputFile(f, field: "conditionFile") }
        return SampleSettings(model: model, sampler: config,
                              count: try check(count, "count", 1...10_000_000, default: 1000),
                              guidance: try check(guidance, "guidance", 0...100, default: 0),
                              classLabel: try classLabel.map { try check($0, "classLabel", 0...100_000, default: 0) },
                              conditionFile: conditionFile, out: out, force: force ?? false, hallucinationFilter: filter,
                              backend: try backendChoice(backend))
    }

    public func resolvedGMM() throws -> GMMSettings {
        guard kind == .gmm else { throw invalid("kind", "expected gmm") }
        return GMMSettings(name: try checkName(name, field: "name"), data: try resolvedData(),
                           components: try check(components, "components", 1...1000, default: 8),
                           covariance: try enumValue(covariance, "covariance", default: CovarianceType.full),
                           iterations: try check(iterations, "iterations", 1...100_000, default: 200),
                           seed: seed ?? 0, version: try version.map { try check($0, "version", 1...1_000_000, default: 1) })
    }

    public func resolvedEval() throws -> EvalSettings {
        guard kind == .eval else { throw invalid("kind", "expected eval") }
        if episodes != nil || disturb != nil { throw invalid(episodes != nil ? "episodes" : "disturb", "only applies to a closed-loop eval: add task=policy_maze and model") }
        guard let samples, !samples.isEmpty else { throw invalid("samples", "required: a .csv or .npy file of samples (or task=policy_maze with a model, for a closed-loop eval)") }
        try checkInputFile(samples, field: "samples")
        return EvalSettings(samples: samples, data: try resolvedData())
    }
}
