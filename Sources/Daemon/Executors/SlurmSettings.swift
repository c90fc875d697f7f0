// SlurmSettings.swift — the executor setting and the slurm_* keys of daemon.conf: which partition,
// resources and extra sbatch arguments each job is submitted with when executor = slurm.
import Foundation

public enum ExecutorKind: String, Sendable, CaseIterable {
    /// jobs run on threads of the daemon itself
    case local
    /// each job is an sbatch batch job running `diffusiond run-job` on a compute node
    case slurm
}

public struct SlurmSettings: Equatable, Sendable {
    public var partition = ""
    /// --gres, e.g. gpu:1
    public var gres = ""
    /// --time, e.g. 2:00:00 or 1-0
    public var time = ""
    /// --cpus-per-task; 0 → Slurm's default
    public var cpus = 0
    /// --mem, e.g. 8G
    public var mem = ""
    /// more sbatch arguments, split at spaces (e.g. "--account=ml --qos=short")
    public var extra = ""

    public init() {}

    public static let keys = ["slurm_partition", "slurm_gres", "slurm_time", "slurm_cpus", "slurm_mem", "slurm_extra"]

    mutating func set(_ key: String, _ value: String) throws {
        func plain(_ v: String) throws -> String {
            guard !v.contains(where: { $0 == " " || $0 == "\t" || $0 == "'" || $0 == "\"" }) else {
                throw ConfigError("", "\(key) must be one word without spaces or quotes, got '\(v)'")
            }
            return v
        }
        switch key {
        case "slurm_partition": partition = try plain(value)
        case "slurm_gres": gres = try plain(value)
        case "slurm_time": time = try plain(value)
        case "slurm_cpus":
            guard let n = Int(value.isEmpty ? "0" : value), (0...4096).contains(n) else {
                throw ConfigError("", "slurm_cpus must be an integer in 0…4096 (0: Slurm's default), got '\(value)'")
            }
            cpus = n
        case "slurm_mem": mem = try plain(value)
        case "slurm_extra": extra = value
        default: throw ConfigError("", "unknown key '\(key)'")
        }
    }

    /// The sbatch options these settings stand for (before the job's own).
    public var sbatchArguments: [String] {
        var a: [String] = []
        if !partition.isEmpty { a.append("--partition=\(partition)") }
        if !gres.isEmpty { a.append("--gres=\(gres)") }
        if !time.isEmpty { a.append("--time=\(time)") }
        if cpus > 0 { a.append("--cpus-per-task=\(cpus)") }
        if !mem.isEmpty { a.append("--mem=\(mem)") }
        a += extra.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        return a
    }

    func rendered() -> [String] {
        ["slurm_partition = \(partition)", "slurm_gres = \(gres)", "slurm_time = \(time)", "slurm_cpus = \(cpus)",
         "slurm_mem = \(mem)", "slurm_extra = \(extra)"]
    }
}
