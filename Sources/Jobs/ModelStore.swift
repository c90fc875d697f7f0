// ModelStore.swift — named models on disk: modelsDir/<name>/model.ckpt (checkpoint container
// with the metadata and the EMA weights) and model.json (the same metadata, for listing).
import DiffusionCore
import Foundation

public struct ModelMetadata: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable { case diffusion, gmm }
    public var kind: Kind
    public var name: String
    public var createdAt: String
    public var jobID: String
    public var dataset: DatasetInfo
    public var normalizer: Normalizer
    public var condNormalizer: Normalizer?
    /// diffusion models
    public var train: TrainSettings?
    public var classPrior: ClassPrior?
    public var finalLoss: Double?
    /// GMM baselines
    public var gmm: GaussianMixture?
    public var gmmLogLikelihood: Double?
}

public struct StoredModel {
    public var metadata: ModelMetadata
    /// EMA parameters of a diffusion model (empty for a GMM)
    public var parameters: [Float]
}

public enum ModelStore {
    public static func directory(_ modelsDir: URL, _ name: String) -> URL { modelsDir.appendingPathComponent(name, isDirectory: true) }

    public static func save(_ model: StoredModel, modelsDir: URL) throws {
        let dir = directory(modelsDir, model.metadata.name)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        let meta = try enc.encode(model.metadata)
        try CheckpointFile.write(to: dir.appendingPathComponent("model.ckpt"), metadata: meta,
                                 tensors: [(name: "ema", values: model.parameters)])
        try AtomicFile.write(meta, to: dir.appendingPathComponent("model.json"))
    }

    /// The checkpoint of the model called `name` in modelsDir. Names are plain names (checkName:
    /// no '/', not starting with '.'), never paths, so a request cannot reach any other file; a
    /// refused name says so without looking at the file system.
    public static func checkpoint(_ name: String, modelsDir: URL, field: String = "model") throws -> URL {
        _ = try checkName(name, field: field)
        return directory(modelsDir, name).appendingPathComponent("model.ckpt")
    }

    /// Loads the model called `name` from modelsDir (sample, sweep and act resolve models alike).
    public static func load(_ name: String, modelsDir: URL) throws -> StoredModel {
        let nameOrPath = name
        let url = try checkpoint(name, modelsDir: modelsDir)
        guard FileManager.default.fileExists(atPath: url.path) else {
            let known = list(modelsDir: modelsDir).map(\.name)
            throw JobError.notFound("no model '\(nameOrPath)'" + (known.isEmpty ? " (no models yet: train one first)" : " (models: \(known.joined(separator: ", ")))"))
        }
        let (metaData, tensors): (Data, [String: [Float]])
        do { (metaData, tensors) = try CheckpointFile.read(from: url) } catch {
            throw JobError.data("model '\(nameOrPath)' cannot be read: \(error)")
        }
        let meta: ModelMetadata
        do { meta = try JSONDecoder().decode(ModelMetadata.self, from: metaData) } catch {
            throw JobError.data("model '\(nameOrPath)' has unreadable metadata: \(error)")
        }
        return StoredModel(metadata: meta, parameters: tensors["ema"] ?? [])
    }

    /// Every stored model's metadata, sorted by name (unreadable entries are skipped).
    public static func list(modelsDir: URL) -> [ModelMetadata] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: modelsDir.path)) ?? []
        return names.sorted().compactMap { name in
            guard !name.hasPrefix("."),
                  let data = try? Data(contentsOf: directory(modelsDir, name).appendingPathComponent("model.json")) else { return nil }
            return try? JSONDecoder().decode(ModelMetadata.self, from: data)
        }
    }
}
