// JobData.swift — loading a job's dataset (built-in or file), its normalizers, and the
// reference points metrics compare samples with.
import DiffusionCore
import Foundation

/// What a model remembers about the data it was trained on.
public struct DatasetInfo: Codable, Equatable, Sendable {
    public var name: String
    public var source: String
    public var isBuiltin: Bool
    public var size: Int
    public var seed: UInt64
    public var dim: Int
    public var numClasses: Int
    public var condDim: Int
    public var columnNames: [String]
    public var modes: [[Float]]?
    public var modeStd: Float?
    public var labelColumn: String?
    public var conditionColumns: [String]
}

struct LoadedData {
    /// the data as loaded, in its own units
    var raw: Dataset
    /// normalized copy used for training
    var normalized: Dataset
    var normalizer: Normalizer
    var condNormalizer: Normalizer?
    var info: DatasetInfo
}

enum JobData {
    static func load(_ s: DataSettings) throws -> LoadedData {
        let raw: Dataset
        do {
            if s.isBuiltin {
                raw = try BuiltinDatasets.make(s.source, count: s.size, seed: s.seed)
            } else {
                raw = try DataLoader.load(path: s.source, labelColumn: s.labelColumn, conditionColumns: s.conditionColumns)
            }
        } catch let e as DataError {
            throw JobError.data(e.description)
        }
        guard raw.count > 0 else { throw JobError.data("\(s.source): the dataset is empty") }
        let normalizer = s.normalize ? Normalizer(fit: raw).scaled(by: Float(s.scale)) : .identity(dim: raw.dim)
        let condNormalizer: Normalizer? = raw.condDim > 0 ? (s.normalize ? Normalizer(fitConditions: raw) : .identity(dim: raw.condDim)) : nil
        let normalized = normalizer.applied(to: raw, conditions: condNormalizer)
        let info = DatasetInfo(name: raw.name, source: s.source, isBuiltin: s.isBuiltin, size: raw.count, seed: s.seed,
                               dim: raw.dim, numClasses: raw.numClasses, condDim: raw.condDim, columnNames: raw.columnNames,
                               modes: raw.modes, modeStd: raw.modeStd, labelColumn: s.labelColumn,
                               conditionColumns: s.conditionColumns)
        return LoadedData(raw: raw, normalized: normalized, normalizer: normalizer, condNormalizer: condNormalizer, info: info)
    }

    /// Reference points for sample metrics: fresh draws of a built-in dataset (a different seed
    /// from training), or the data file itself.
    static func reference(for info: DatasetInfo, count: Int = 5000) throws -> Dataset {
        if info.isBuiltin {
            return try BuiltinDatasets.make(info.source, count: count, seed: info.seed &+ 1_000_003)
        }
        do {
            return try DataLoader.load(path: info.source, labelColumn: info.labelColumn, conditionColumns: info.conditionColumns)
        } catch let e as DataError {
            throw JobError.data(e.description)
        }
    }
}

extension JobData {
    /// A subsample of the reference data next to a job's samples (for previews and `get`).
    static func writeReference(_ reference: Dataset, jobDir: URL, maxPoints: Int = 3000) throws {
        let n = min(reference.count, maxPoints)
        try SampleWriter.writeCSV(points: Array(reference.points.prefix(n * reference.dim)), dim: reference.dim,
                                  to: jobDir.appendingPathComponent("reference.csv"), columnNames: reference.columnNames)
    }
}

/// Metrics of samples (n, dim), computed from the samples every time (`Metrics.evaluate`:
/// mode metrics on known mixtures, energy distance and the RBF-kernel MMD² against the reference).
enum SampleMetrics {
    static func compute(samples: [Float], dim: Int, reference: Dataset, modes: [[Float]]?, modeStd: Float?,
                        seed: UInt64 = 0) -> (metrics: [String: Double], modes: ModeMetrics?) {
        guard reference.dim == dim else { return (["samples": Double(samples.count / max(dim, 1))], nil) }
        var withModes = reference
        if withModes.modes == nil { withModes.modes = modes; withModes.modeStd = modeStd }
        let metrics = Metrics.evaluate(samples: samples, dim: dim, reference: withModes, seed: seed).filter { $0.value.isFinite }
        var modeMetrics: ModeMetrics? = nil
        if let m = withModes.modes, let s = withModes.modeStd { modeMetrics = Metrics.modes(samples: samples, dim: dim, modes: m, std: s) }
        return (metrics, modeMetrics)
    }
}
