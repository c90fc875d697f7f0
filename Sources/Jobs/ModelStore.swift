// ModelStore.swift — named, versioned models on disk. The only code that knows the layout:
//   modelsDir/<name>/model.ckpt + model.json       version 1 (also every model saved before versions)
//   modelsDir/<name>/v<N>/model.ckpt + model.json  version N ≥ 2 (train --new-version)
// model.ckpt is the checkpoint container (metadata + EMA weights), model.json the same metadata
// for listing. A model reference is NAME (the latest version), NAME@V, or (for a job's own copy
// of a checkpoint the client passed) a path containing '/'.
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
    /// the version under `name` (nil: saved before versions, i.e. version 1)
    public var version: Int?

    /// "name@version"
    public var reference: String { "\(name)@\(version ?? 1)" }
}

public struct StoredModel {
    public var metadata: ModelMetadata
    /// EMA parameters of a diffusion model (empty for a GMM)
    public var parameters: [Float]
}

public enum ModelStore {
    public static let checkpointFile = "model.ckpt"
    public static let metadataFile = "model.json"

    /// The folder holding every version of `name`.
    public static func directory(_ modelsDir: URL, _ name: String) -> URL { modelsDir.appendingPathComponent(name, isDirectory: true) }

    /// The folder of one version.
    public static func directory(_ modelsDir: URL, _ name: String, version: Int) -> URL {
        version <= 1 ? directory(modelsDir, name) : directory(modelsDir, name).appendingPathComponent("v\(version)", isDirectory: true)
    }

    public static func checkpointURL(_ modelsDir: URL, _ name: String, version: Int) -> URL {
        directory(modelsDir, name, version: version).appendingPathComponent(checkpointFile)
    }

    /// Splits "NAME@V" (V ≥ 1) into its parts; a plain NAME has no version. Throws on a bad V.
    public static func parse(_ ref: String, field: String = "model") throws -> (name: String, version: Int?) {
        guard let at = ref.lastIndex(of: "@") else { return (try checkName(ref, field: field), nil) }
        let name = String(ref[..<at]), v = String(ref[ref.index(after: at)...])
        guard let version = Int(v), version >= 1 else {
            throw JobError.invalid(field: field, message: "'\(ref)': the version after '@' must be a number ≥ 1 (e.g. \(name)@2)")
        }
        return (try checkName(name, field: field), version)
    }

    /// Whether `ref` is a checkpoint path (a job's copy of a file the client passed), not a name.
    public static func isPath(_ ref: String) -> Bool { ref.contains("/") }

    /// The versions of `name` on disk, ascending.
    public static func versions(_ name: String, modelsDir: URL) -> [Int] {
        guard (try? checkName(name, field: "model")) != nil else { return [] }
        let fm = FileManager.default
        var found: [Int] = []
        if fm.fileExists(atPath: checkpointURL(modelsDir, name, version: 1).path) { found.append(1) }
        for entry in (try? fm.contentsOfDirectory(atPath: directory(modelsDir, name).path)) ?? [] where entry.hasPrefix("v") {
            if let n = Int(entry.dropFirst()), n >= 2, fm.fileExists(atPath: checkpointURL(modelsDir, name, version: n).path) { found.append(n) }
        }
        return found.sorted()
    }

    /// The exact version `ref` means on disk (NAME: the latest), or nil when there is none.
    public static func resolve(_ ref: String, modelsDir: URL) throws -> (name: String, version: Int)? {
        let (name, version) = try parse(ref)
        let have = versions(name, modelsDir: modelsDir)
        if let version { return have.contains(version) ? (name, version) : nil }
        return have.last.map { (name, $0) }
    }

    public static func save(_ model: StoredModel, modelsDir: URL) throws {
        let dir = directory(modelsDir, model.metadata.name, version: model.metadata.version ?? 1)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        let meta = try enc.encode(model.metadata)
        try CheckpointFile.write(to: dir.appendingPathComponent(checkpointFile), metadata: meta,
                                 tensors: [(name: "ema", values: model.parameters)])
        try AtomicFile.write(meta, to: dir.appendingPathComponent(metadataFile))
    }

    /// The checkpoint `ref` names in modelsDir (NAME: its latest version). Names are plain names
    /// (checkName: no '/', not starting with '.'), never paths, so a request cannot reach any
    /// other file; a refused name says so without looking at the file system.
    public static func checkpoint(_ ref: String, modelsDir: URL, field: String = "model") throws -> URL {
        let (name, version) = try parse(ref, field: field)
        let v = version ?? versions(name, modelsDir: modelsDir).last ?? 1
        return checkpointURL(modelsDir, name, version: v)
    }

    /// Loads the model `ref` names (sample, sweep, act, eval, export resolve models alike).
    /// `allowPath`: only for a job's spec, where a path is the job's copy of a checkpoint the
    /// client passed (requests such as act and export never read a path).
    public static func load(_ ref: String, modelsDir: URL, allowPath: Bool = false) throws -> StoredModel {
        if allowPath && isPath(ref) { return try loadFile(URL(fileURLWithPath: ref), describedAs: "the --model file") }
        let url = try checkpoint(ref, modelsDir: modelsDir)
        guard FileManager.default.fileExists(atPath: url.path) else {
            let known = list(modelsDir: modelsDir).map(\.reference)
            throw JobError.notFound("no model '\(ref)'" + (known.isEmpty ? " (no models yet: train one first)" : " (models: \(known.joined(separator: ", ")))"))
        }
        var model = try loadFile(url, describedAs: "model '\(ref)'")
        if model.metadata.version == nil { model.metadata.version = 1 }
        return model
    }

    /// Reads a checkpoint file; anything that is not a model checkpoint is refused in plain words.
    public static func loadFile(_ url: URL, describedAs what: String) throws -> StoredModel {
        let (metaData, tensors): (Data, [String: [Float]])
        do { (metaData, tensors) = try CheckpointFile.read(from: url) } catch {
            throw JobError.data("\(what) is not a model checkpoint (a model.ckpt saved by a train job): \(error)")
        }
        let meta: ModelMetadata
        do { meta = try JSONDecoder().decode(ModelMetadata.self, from: metaData) } catch {
            throw JobError.data("\(what) is a checkpoint file but not a saved model (a training checkpoint? use a model.ckpt from diffctl get or the models folder)")
        }
        return StoredModel(metadata: meta, parameters: tensors["ema"] ?? [])
    }

    /// The metadata of the version `ref` names (cheap: model.json only), or nil.
    public static func metadata(_ ref: String, modelsDir: URL) -> ModelMetadata? {
        guard let (name, v) = try? resolve(ref, modelsDir: modelsDir),
              let data = try? Data(contentsOf: directory(modelsDir, name, version: v).appendingPathComponent(metadataFile)),
              var meta = try? JSONDecoder().decode(ModelMetadata.self, from: data) else { return nil }
        if meta.version == nil { meta.version = v }
        return meta
    }

    /// Every stored version's metadata, sorted by name then version (unreadable entries skipped).
    public static func list(modelsDir: URL) -> [ModelMetadata] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: modelsDir.path)) ?? []
        return names.sorted().filter { !$0.hasPrefix(".") }.flatMap { name in
            versions(name, modelsDir: modelsDir).compactMap { metadata("\(name)@\($0)", modelsDir: modelsDir) }
        }
    }

    /// The folder of each version (and its path), for listing by the daemon.
    public static func versionFolders(modelsDir: URL) -> [(name: String, version: Int, dir: URL)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: modelsDir.path)) ?? []
        return names.sorted().filter { !$0.hasPrefix(".") }.flatMap { name in
            versions(name, modelsDir: modelsDir).map { (name, $0, directory(modelsDir, name, version: $0)) }
        }
    }

    /// Removes the version `ref` names (NAME alone: every version). Returns the removed "name@v".
    public static func remove(_ ref: String, modelsDir: URL) throws -> [String] {
        let (name, version) = try parse(ref)
        let have = versions(name, modelsDir: modelsDir)
        let gone = version.map { have.contains($0) ? [$0] : [] } ?? have
        guard !gone.isEmpty else { throw JobError.notFound("no model '\(ref)' (see diffctl models)") }
        let fm = FileManager.default
        if version == nil {
            try fm.removeItem(at: directory(modelsDir, name))
        } else {
            for v in gone {
                if v == 1 {
                    for f in [checkpointFile, metadataFile] { try? fm.removeItem(at: directory(modelsDir, name).appendingPathComponent(f)) }
                } else {
                    try fm.removeItem(at: directory(modelsDir, name, version: v))
                }
            }
            if versions(name, modelsDir: modelsDir).isEmpty { try? fm.removeItem(at: directory(modelsDir, name)) }
        }
        return gone.map { "\(name)@\($0)" }
    }
}
