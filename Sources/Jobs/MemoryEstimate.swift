// MemoryEstimate.swift — how much memory a job will need, computed from its spec before anything
// is allocated, so the daemon can refuse a job that would exhaust the machine (and take the
// daemon with it) with a message that names the sizes. The figures are upper estimates of the
// peak: device buffers plus the host copies made at initialisation and at each checkpoint.
import DiffusionCore
import Foundation

public struct MemoryEstimate: Equatable, Sendable {
    /// (what, bytes), largest first
    public var parts: [(String, Double)]
    public var total: Double { parts.reduce(0) { $0 + $1.1 } }

    public static func == (a: MemoryEstimate, b: MemoryEstimate) -> Bool {
        a.parts.map(\.0) == b.parts.map(\.0) && a.parts.map(\.1) == b.parts.map(\.1)
    }

    /// "12.3 GiB (parameters ×13 copies 12.0 GiB, activations 0.2 GiB, …)"
    public var summary: String {
        let items = parts.filter { $0.1 > 0 }.sorted { $0.1 > $1.1 }.map { "\($0.0) \(MemoryFormat.bytes($0.1))" }
        return "\(MemoryFormat.bytes(total)) (\(items.joined(separator: ", ")))"
    }
}

/// The shape of the training data as far as memory goes, without loading it.
struct DataShape {
    var rows: Int, dim: Int, condDim: Int, numClasses: Int
    /// bytes the loader holds while parsing (file text plus parsed values)
    var loadBytes: Double
}

extension JobSpec {
    /// Estimated peak memory of this job, or nil when the kind has no large allocations to
    /// foresee. Throws JobError.invalid for a spec that does not resolve (callers validate first).
    public func memoryEstimate() throws -> MemoryEstimate? {
        switch kind {
        case .train:
            let t = try resolvedTrain()
            let shape = Self.dataShape(t.data)
            var m = t.config.model
            m.dataDim = shape.dim
            m.condDim = t.data.conditionColumns.isEmpty ? shape.condDim : t.data.conditionColumns.count
            m.numClasses = t.conditional ? max(shape.numClasses, 1) : 0
            return Self.trainEstimate(model: m, batch: t.config.batchSize, data: shape)
        case .eval where task != nil:
            return nil   // bounded by the model and the episode count (a few MB)
        case .gmm, .eval:
            let data = kind == .gmm ? try resolvedGMM().data : try resolvedEval().data
            let shape = Self.dataShape(data)
            return MemoryEstimate(parts: [("data", shape.loadBytes + Double(shape.rows * (shape.dim + 1)) * 4 * 3)])
        case .sample, .sweep:
            return nil   // bounded by the model, which training already fitted into the budget
        }
    }

    /// Parameters: params, grads, Adam m and v, EMA on the backend (5 copies), the initial
    /// values, a checkpoint's snapshot (params, m, v, EMA) with its encoded bytes, and the saved
    /// model's copies on the host. Measured: a width-2048 × depth-8 job (29.6 M parameters,
    /// checkpoints every 2 steps) peaked at 16.6 × 4 bytes × P above the daemon's idle size, so
    /// 18 copies are budgeted. Activations: every layer's z and h kept for backward, plus scratch.
    static func trainEstimate(model c: ModelConfig, batch B: Int, data: DataShape) -> MemoryEstimate {
        let P = Double(ParameterLayout(c).totalCount)
        let W = Double(c.width), L = Double(c.depth), IN = Double(c.inputDim), d = Double(c.dataDim)
        let embed = Double(max(c.timeEmbedDim, c.classColumns))
        let activations = Double(B) * (IN + embed + 2 * L * W + 2 * d + 3 * W + 2 * IN) * 4
        let batch = Double(B) * (3 * d + 6 + Double(c.condDim)) * 4 * 2
        let points = Double(data.rows) * Double(data.dim + data.condDim + 1) * 4 * 3   // raw, normalized, device copy
        return MemoryEstimate(parts: [
            ("parameters (\(formatCount(P)) floats × 18 copies: weights, gradients, Adam moments, EMA, checkpoint and model copies)", P * 4 * 18),
            ("activations (batch \(B))", activations + batch),
            ("data (\(data.rows) rows)", points + data.loadBytes),
        ])
    }

    /// Rows and columns of a built-in dataset (drawn with one row) or a data file (its header).
    static func dataShape(_ d: DataSettings) -> DataShape {
        if d.isBuiltin, let one = try? BuiltinDatasets.make(d.source, count: 1, seed: 0) {
            return DataShape(rows: d.size, dim: one.dim, condDim: one.condDim, numClasses: one.numClasses, loadBytes: 0)
        }
        var st = stat()
        let size = stat(d.source, &st) == 0 ? Double(st.st_size) : 0
        // a data file: its text and parsed values; the column count from the first line (CSV) or
        // 4 bytes a value (NPY). Rows are bounded by the file size either way.
        var cols = 1
        if d.source.lowercased().hasSuffix(".csv"), let h = FileHandle(forReadingAtPath: d.source) {
            let head = (try? h.read(upToCount: 1 << 16)) ?? Data()
            try? h.close()
            let firstLine = head.prefix { $0 != 0x0A }
            cols = max(1, firstLine.filter { $0 == UInt8(ascii: ",") }.count + 1)
        }
        let rows = d.source.lowercased().hasSuffix(".npy") ? Int(size / 4) / cols : Int(size / Double(2 * cols))
        return DataShape(rows: max(rows, 1), dim: cols, condDim: 0, numClasses: 0, loadBytes: size * 4)
    }
}

func formatCount(_ n: Double) -> String {
    if n >= 1e9 { return String(format: "%.2f G", n / 1e9) }
    if n >= 1e6 { return String(format: "%.1f M", n / 1e6) }
    if n >= 1e3 { return String(format: "%.1f k", n / 1e3) }
    return "\(Int(n))"
}

/// The memory the daemon lets one job use.
public enum MemoryBudget {
    /// "1.5 GiB"
    public static func text(_ bytes: Double) -> String { MemoryFormat.bytes(bytes) }

    /// Physical memory (or the cgroup's limit, when lower), in bytes.
    public static func physicalBytes() -> Double {
        var total = Double(ProcessInfo.processInfo.physicalMemory)
        for path in ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"] {
            if let text = try? String(contentsOfFile: path, encoding: .utf8),
               let v = Double(text.trimmingCharacters(in: .whitespacesAndNewlines)), v > 0, v < total {
                total = v
            }
        }
        return total
    }

    /// `spec` from daemon.conf: "" or "auto" → 75% of physical memory; "N%" → that share;
    /// otherwise a size such as 8G, 512M, 2048K or plain bytes. nil when the text is not one.
    public static func parse(_ spec: String, physical: Double = physicalBytes()) -> Double? {
        let s = spec.trimmingCharacters(in: .whitespaces).uppercased()
        if s.isEmpty || s == "AUTO" { return physical * 0.75 }
        if s.hasSuffix("%") {
            guard let p = Double(s.dropLast()), p > 0, p <= 100 else { return nil }
            return physical * p / 100
        }
        let k = 1024.0
        let units: [(String, Double)] = [("TIB", k * k * k * k), ("GIB", k * k * k), ("MIB", k * k), ("KIB", k),
                                         ("T", k * k * k * k), ("G", k * k * k), ("M", k * k), ("K", k), ("B", 1)]
        for (u, f) in units where s.hasSuffix(u) {
            guard let v = Double(s.dropLast(u.count).trimmingCharacters(in: .whitespaces)), v > 0 else { return nil }
            return v * f
        }
        guard let v = Double(s), v > 0 else { return nil }
        return v
    }
}
