// ModelChecks.swift — what a sample, sweep or eval spec can be checked against before it is
// queued, from the stored metadata of the model it uses: class range, guidance without classes,
// sampler vs objective, and the width of conditioning vectors. Messages name the client's flags
// (--class, --guidance, --sampler, --condition-file), since the user typed those.
import DiffusionCore
import Foundation

public enum ModelChecks {
    /// `conditionDim`: the columns of the condition file, when one was given and could be read.
    public static func check(_ spec: JobSpec, model meta: ModelMetadata, reference: String, conditionDim: Int? = nil) throws {
        func bad(_ field: String, _ message: String) -> JobError { .invalid(field: field, message: message) }
        guard meta.kind == .diffusion, let train = meta.train else {
            if spec.kind == .sweep { throw bad("model", "--model \(reference) is a GMM; sweeps compare diffusion samplers") }
            return
        }
        let net = train.config.model
        let objective = train.config.objective
        let classes = net.usesClasses ? net.numClasses : 0
        if let k = spec.classLabel {
            guard classes > 0 else {
                throw bad("classLabel", "--class \(k): model \(reference) was trained without class labels (train with --conditional)")
            }
            guard (0..<classes).contains(k) else {
                throw bad("classLabel", "--class \(k) is out of range: model \(reference) knows classes 0...\(classes - 1)")
            }
        }
        let guidance = (spec.guidance ?? 0) > 0 || (spec.guidanceScales ?? []).contains { $0 > 0 }
        if guidance && classes == 0 {
            throw bad("guidance", "--guidance needs a class-conditional model; \(reference) was trained without class labels (train with --conditional)")
        }
        if spec.kind == .sample, (spec.guidance ?? 0) > 0, spec.classLabel == nil {
            throw bad("guidance", "--guidance needs a class to guide towards: add --class K (0...\(classes - 1))")
        }
        var samplers: [String] = spec.sampler.map { [$0] } ?? []
        for entry in spec.samplers ?? [] { samplers.append(String(entry.split(separator: ":").first ?? "")) }
        for raw in samplers {
            guard let kind = SamplerKind(rawValue: raw) else { continue }   // the spec's validation names unknown ones
            if kind.isFlow != objective.isFlow {
                throw bad("sampler", objective.isFlow
                    ? "--sampler \(raw): model \(reference) is a flow-matching model; use flow-euler or flow-heun"
                    : "--sampler \(raw) needs a flow-matching model; \(reference) predicts \(objective.rawValue) (use e.g. ddim, ddpm or dpm++2m)")
            }
        }
        if let dim = conditionDim {
            if net.condDim == 0 {
                throw bad("conditionFile", "--condition-file: model \(reference) takes no conditioning vectors")
            }
            if dim != net.condDim {
                throw bad("conditionFile", "--condition-file has \(dim) columns; model \(reference) takes conditioning vectors of \(net.condDim) values")
            }
        }
    }

    /// An eval of a samples file: its columns must match the dataset's (read as the job will).
    /// Unreadable files are left to the job, whose message says what is wrong with them.
    public static func checkEval(_ spec: JobSpec) throws {
        guard spec.kind == .eval, spec.task == nil, let path = spec.samples,
              let samples = try? SampleReader.read(path: path), let data = try? spec.resolvedData(),
              let loaded = try? JobData.load(data) else { return }
        if samples.dim != loaded.raw.dim {
            throw JobError.invalid(field: "samples", message: "--samples has \(samples.dim) columns, --dataset \(data.source) has \(loaded.raw.dim): eval compares points of the same dimension")
        }
    }
}
