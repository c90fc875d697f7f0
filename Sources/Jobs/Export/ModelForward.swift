// ModelForward.swift — the raw network of a stored model, evaluated for rows the caller gives:
// what `diffctl forward` returns, and what an exported model must reproduce elsewhere
// (scripts/export-check.py compares the two). No preconditioning is applied and nothing is
// normalized: a row is exactly what the network's input layer is fed, and F is what its output
// layer gives.
//
//   row = x (dataDim values: the network input, i.e. c_in·x_t in normalized data units)
//         ++ t (model time in [0, 1]; the time embedding sees 1000·t)
//         ++ class (class-conditional models: 0 … numClasses−1, or numClasses = the null class)
//         ++ cond (condDim values, already normalized; models with conditioning vectors)
//   → F (dataDim values), and for preconditioned models the level of t: ᾱ (diffusion), c_in,
//     x̂0 = px·x_t + pf·F, and the objective's own prediction = outX·x_t + outF·F.
// Runs the EMA weights through MLPDenoiser.forward on the daemon's one-thread CPU backend (the
// same kernels sampling uses), one request at a time.
import DiffusionCore
import Foundation

public struct ForwardResult {
    public var dataDim: Int
    /// (rows, dataDim), row-major
    public var output: [Float]
    /// per row, for preconditioned models (nil otherwise)
    public var levels: [PreconditionedLevel]?
    /// per row, diffusion models only
    public var alphaBars: [Double]?
    /// the column layout a row must have, e.g. ["x0", "x1", "t", "class"]
    public var columns: [String]
}

public final class ModelForwardServer: @unchecked Sendable {
    /// at most this many rows, and rows·dataDim values, per request (the reply must fit one message)
    public static let maxRows = 1024
    public static let maxValues = 16_384

    private let backend: Backend
    private let modelsDir: URL
    private let lock = NSLock()

    /// `backend` should be a CPU backend (a few rows; see JobReports.policyBackend).
    public init(backend: Backend, modelsDir: URL) {
        self.backend = backend
        self.modelsDir = modelsDir
    }

    /// The row layout of a model: x0 … x(d−1), t, class (conditional), cond0 … (condDim > 0).
    public static func columns(_ c: ModelConfig) -> [String] {
        (0..<c.dataDim).map { "x\($0)" } + ["t"] + (c.usesClasses ? ["class"] : []) + (0..<c.condDim).map { "cond\($0)" }
    }

    public func forward(model name: String, rows: [[Double]]) throws -> ForwardResult {
        let model = try ModelStore.load(name, modelsDir: modelsDir)
        guard model.metadata.kind == .diffusion, let train = model.metadata.train else {
            throw JobError.invalid(field: "model", message: "'\(name)' is a Gaussian-mixture baseline; it has no network to run")
        }
        let c = train.config.model
        let columns = Self.columns(c)
        func bad(_ message: String) -> JobError { .invalid(field: "rows", message: message) }
        guard !rows.isEmpty else { throw bad("no rows: give at least one row of \(columns.joined(separator: ", "))") }
        guard rows.count <= Self.maxRows, rows.count * c.dataDim <= Self.maxValues else {
            throw bad("\(rows.count) rows is too many for one request (at most \(min(Self.maxRows, Self.maxValues / c.dataDim)) for this model)")
        }
        let B = rows.count
        var x: [Float] = [], t: [Float] = [], labels: [Float] = [], cond: [Float] = []
        x.reserveCapacity(B * c.dataDim)
        for (i, row) in rows.enumerated() {
            guard row.count == columns.count else {
                throw bad("row \(i + 1) has \(row.count) values; model '\(name)' takes \(columns.count): \(columns.joined(separator: ", "))")
            }
            if let j = row.firstIndex(where: { !$0.isFinite || abs($0) > 1e30 }) {
                throw bad("row \(i + 1), column \(columns[j]): \(row[j]) is not a finite float32 number")
            }
            x += row[0..<c.dataDim].map { Float($0) }
            let ti = row[c.dataDim]
            guard (0...1).contains(ti) else { throw bad("row \(i + 1): t = \(ti) is outside the model time range 0 … 1") }
            t.append(Float(ti))
            var col = c.dataDim + 1
            if c.usesClasses {
                guard let k = Int(exactly: row[col]), (0...c.numClasses).contains(k) else {
                    throw bad("row \(i + 1): class \(row[col]) is not one of 0 … \(c.numClasses) (\(c.numClasses) = the null class)")
                }
                labels.append(Float(k))
                col += 1
            }
            cond += row[col...].map { Float($0) }
        }
        lock.lock()
        defer { lock.unlock() }
        let output: [Float]
        do {
            let net = try MLPDenoiser(config: c, backend: backend)
            guard model.parameters.count == net.parameterCount else {
                throw JobError.data("model '\(name)' holds \(model.parameters.count) parameters, its config needs \(net.parameterCount)")
            }
            let params = try backend.makeBuffer(model.parameters)
            let ws = try ModelWorkspace(backend: backend, config: c, batch: B, training: false)
            let xb = try backend.makeBuffer(x), tb = try backend.makeBuffer(t)
            let lb = c.usesClasses ? try backend.makeBuffer(labels) : nil
            let cb = c.condDim > 0 ? try backend.makeBuffer(cond) : nil
            let inputs = ModelInputs(x: BufferView(xb), time: BufferView(tb), labels: lb.map { BufferView($0) }, cond: cb.map { BufferView($0) })
            output = try backend.read(net.forward(inputs, params: BufferView(params), workspace: ws, batch: B))
        } catch let e as ModelError { throw JobError.invalid(field: "model", message: e.description) }
        var levels: [PreconditionedLevel]?
        var alphaBars: [Double]?
        let objective = train.config.objective
        let schedule = objective.isFlow || objective == .regression ? nil : try? NoiseSchedule(train.config.schedule)
        if let schedule {
            alphaBars = t.map { schedule.alphaBar(PreconditionedDenoiser.scheduleIndex(time: $0, timesteps: schedule.timesteps)) }
        }
        if let p = train.config.preconditioning, objective != .regression {
            levels = t.map { PreconditionedDenoiser.level(time: $0, objective: objective, preconditioning: p, schedule: schedule) }
        }
        return ForwardResult(dataDim: c.dataDim, output: output, levels: levels, alphaBars: alphaBars, columns: columns)
    }
}
