// ModelExport.swift — a stored diffusion model as named tensors (its EMA weights cut out of the
// one flat parameter vector by ParameterLayout) plus the sidecar that describes it, encoded as
// safetensors or npz. Tensor names (shapes as numpy sees them):
//   layers.0.weight (width, inputDim)   layers.0.bias (width)      the input layer
//   layers.k.weight (width, width)      layers.k.bias (width)      residual block k = 1 … depth−1
//   output.weight   (dataDim, width)    output.bias   (dataDim)
//   class_embedding.weight (numClasses + 1, classEmbedDim)         class-conditional models only
// The time embedding is sinusoidal and has no weights; the sidecar gives its frequencies.
import DiffusionCore
import Foundation

public enum ExportFormat: String, CaseIterable, Sendable {
    case safetensors, npz
}

public struct ExportedModel: Sendable {
    public var tensors: [ExportTensor]
    public var sidecar: ExportSidecar
    /// the weights file's bytes in the requested format
    public var weights: Data
    /// the sidecar as pretty-printed JSON (sorted keys)
    public var sidecarJSON: Data
}

public enum ModelExport {
    /// Exported name of a ParameterLayout entry.
    static func exportName(_ flat: String) -> String {
        switch flat {
        case "in.weight": return "layers.0.weight"
        case "in.bias": return "layers.0.bias"
        case "out.weight": return "output.weight"
        case "out.bias": return "output.bias"
        case "class.table": return "class_embedding.weight"
        default:
            // blockK.weight / blockK.bias
            return "layers." + flat.dropFirst("block".count)
        }
    }

    static func role(_ flat: String) -> String {
        switch flat {
        case "in.weight": return "input layer weight W0: z0 = W0·input + b0"
        case "in.bias": return "input layer bias b0"
        case "out.weight": return "output layer weight Wout: F = Wout·h + bout"
        case "out.bias": return "output layer bias bout"
        case "class.table": return "class embedding table, one row per class; the last row is the null class"
        default:
            let k = flat.dropFirst("block".count).prefix { $0.isNumber }
            return flat.hasSuffix(".weight") ? "residual block \(k) weight Wk: h_k = h_(k-1) + act(Wk·h_(k-1) + bk)" : "residual block \(k) bias bk"
        }
    }

    /// The named tensors of a diffusion model's EMA weights, in flat-layout order.
    public static func tensors(of model: StoredModel) throws -> (tensors: [ExportTensor], entries: [ExportSidecar.TensorEntry]) {
        let meta = model.metadata
        guard meta.kind == .diffusion, let train = meta.train else {
            throw JobError.invalid(field: "model", message: "'\(meta.name)' is a Gaussian-mixture baseline; only diffusion models have network weights to export")
        }
        let layout = ParameterLayout(train.config.model)
        guard model.parameters.count == layout.totalCount else {
            throw JobError.data("model '\(meta.name)' holds \(model.parameters.count) parameters, its config needs \(layout.totalCount)")
        }
        var tensors: [ExportTensor] = []
        var entries: [ExportSidecar.TensorEntry] = []
        for e in layout.entries {
            let name = exportName(e.name)
            let shape = e.rows == 1 && e.name.hasSuffix(".bias") ? [e.cols] : [e.rows, e.cols]
            tensors.append(ExportTensor(name: name, shape: shape, values: Array(model.parameters[e.offset..<(e.offset + e.count)])))
            entries.append(.init(name: name, shape: shape, role: role(e.name), flatName: e.name, flatOffset: e.offset))
        }
        return (tensors, entries)
    }

    static func activationFormula(_ a: Activation) -> String {
        switch a {
        case .silu: return "silu(x) = x / (1 + exp(-x))"
        case .relu: return "relu(x) = max(x, 0)"
        case .gelu: return "gelu(x) = 0.5·x·(1 + tanh(0.7978845608·(x + 0.044715·x³)))   (the tanh approximation)"
        case .mish: return "mish(x) = x·tanh(log(1 + exp(x)))"
        }
    }

    /// Formulas of c_in and of the prediction (x̂0 and what samplers read) for one objective.
    static func preconditioningFormulas(_ o: Objective) -> [String] {
        var f = ["x_t = a·x0 + s·eps (diffusion: a = sqrt(alphaBar), s = sqrt(1 − alphaBar); flow: a = 1 − t, s = t)",
                 "V = a²·sigmaData² + s²",
                 "network input = c_in·x_t,  c_in = inputStd / sqrt(V)"]
        switch o {
        case .eps:
            f += ["x0_hat = (x_t − s·F)/a", "eps_hat = F"]
        case .x0, .v:
            f += ["x0_hat = px·x_t + pf·F,  px = a·sigmaData²/V,  pf = −s·sigmaData/sqrt(V)"]
            if o == .v { f += ["v_hat = a·eps_hat − s·x0_hat = a·s·(1 − sigmaData²)/V·x_t + sigmaData/sqrt(V)·F"] }
        case .flow:
            f += ["velocity (eps − x0) = sqrt(1 + sigmaData²)·F", "x0_hat = x_t − t·sqrt(1 + sigmaData²)·F"]
        case .regression:
            break
        }
        return f
    }

    public static func sidecar(of model: StoredModel, entries: [ExportSidecar.TensorEntry], format: ExportFormat,
                               fileName: String) throws -> ExportSidecar {
        let meta = model.metadata
        guard let train = meta.train else { throw JobError.data("model '\(meta.name)' has no training settings") }
        let c = train.config.model
        var input = [ExportSidecar.InputPart(part: "x", start: 0, count: c.dataDim),
                     .init(part: "time_embedding", start: c.dataDim, count: c.timeEmbedDim)]
        if c.usesClasses { input.append(.init(part: "class_embedding", start: c.dataDim + c.timeEmbedDim, count: c.classEmbedDim)) }
        if c.condDim > 0 { input.append(.init(part: "cond", start: c.inputDim - c.condDim, count: c.condDim)) }
        let half = c.timeEmbedDim / 2
        let time = ExportSidecar.TimeEmbedding(
            kind: "sinusoidal", dim: c.timeEmbedDim, scale: MLPDenoiser.timeScale,
            frequencies: (0..<half).map { ReferenceMath.timeFrequency($0, half: half) },
            formula: "emb(t) = [sin(scale·t·f_0) … sin(scale·t·f_(dim/2−1)), cos(scale·t·f_0) … cos(scale·t·f_(dim/2−1))]")
        let classes = c.usesClasses
            ? ExportSidecar.ClassEmbedding(numClasses: c.numClasses, dim: c.classEmbedDim, nullClass: c.nullClass, tensor: "class_embedding.weight")
            : nil
        var forward = ["input = concat(" + input.map(\.part).joined(separator: ", ") + ")"
                       + (c.usesClasses ? ", class_embedding = class_embedding.weight[label]" : ""),
                       "h = act(input @ layers.0.weight.T + layers.0.bias)"]
        if c.depth > 1 { forward.append("for k in 1 … \(c.depth - 1): h = h + act(h @ layers.k.weight.T + layers.k.bias)") }
        forward.append("F = h @ output.weight.T + output.bias")
        let arch = ExportSidecar.Architecture(kind: "residual-mlp", dataDim: c.dataDim, width: c.width, depth: c.depth,
                                              activation: c.activation.rawValue, activationFormula: activationFormula(c.activation),
                                              input: input, inputDim: c.inputDim, timeEmbedding: time, classEmbedding: classes,
                                              condDim: c.condDim, forward: forward)
        let objective = train.config.objective
        var schedule: ExportSidecar.ScheduleSection?
        if !objective.isFlow && objective != .regression {
            let s = train.config.schedule
            let table: NoiseSchedule
            do { table = try NoiseSchedule(s) } catch { throw JobError.data("model '\(meta.name)' has an invalid schedule: \(error)") }
            schedule = .init(kind: s.kind.rawValue, timesteps: s.timesteps, betaStart: s.betaStart, betaEnd: s.betaEnd,
                             zeroTerminalSNR: s.zeroTerminalSNR, alphaBars: table.alphaBars,
                             modelTime: "index i = round(t·T) − 1 (0-based, clamped to 0 … T−1), t = (i+1)/T; alphaBar = alphaBars[i]")
        }
        let precond = train.config.preconditioning.map {
            ExportSidecar.PreconditioningSection(sigmaData: $0.sigmaData, inputStd: $0.inputStd ?? 1, formulas: preconditioningFormulas(objective))
        }
        func normalization(_ n: Normalizer, _ what: String) -> ExportSidecar.NormalizationSection {
            .init(mean: n.mean, std: n.std, formula: "\(what)_network = (\(what)_data − mean)/std;  \(what)_data = \(what)_network·std + mean")
        }
        let cond = meta.condNormalizer.flatMap { $0.dim > 0 ? normalization($0, "cond") : nil }
        return ExportSidecar(
            format: ExportSidecar.formatName, version: ExportSidecar.currentVersion,
            model: .init(name: meta.name, jobID: meta.jobID, createdAt: meta.createdAt, dataset: meta.dataset.name,
                         columnNames: meta.dataset.columnNames, trainingSteps: train.config.steps, finalLoss: meta.finalLoss),
            weights: .init(file: fileName, fileFormat: format.rawValue, dtype: "float32", ema: true,
                           emaDecay: train.config.emaDecay, parameterCount: model.parameters.count),
            tensors: entries, architecture: arch, objective: objective.rawValue, schedule: schedule,
            preconditioning: precond, normalization: normalization(meta.normalizer, "x"),
            conditionNormalization: cond, classPrior: meta.classPrior)
    }

    /// The model's weights file and sidecar. `fileName`: what the sidecar calls the weights file.
    public static func export(_ model: StoredModel, format: ExportFormat, fileName: String) throws -> ExportedModel {
        let (tensors, entries) = try tensors(of: model)
        let sidecar = try sidecar(of: model, entries: entries, format: format, fileName: fileName)
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var json = try enc.encode(sidecar)
        json.append(0x0A)
        let weights: Data
        do {
            switch format {
            case .safetensors:
                weights = try SafetensorsWriter.encode(tensors, metadata: [
                    "format": "np", "producer": "diffusiond", "model": model.metadata.name,
                    "sidecar": String(decoding: try JSONEncoder().encode(sidecar), as: UTF8.self),
                ])
            case .npz:
                weights = try NPZWriter.encode(tensors)
            }
        } catch let e as ExportFormatError { throw JobError.failed("export of '\(model.metadata.name)' failed: \(e)") }
        return ExportedModel(tensors: tensors, sidecar: sidecar, weights: weights, sidecarJSON: json)
    }
}
