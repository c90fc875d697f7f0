// Config.swift — the daemon's settings: built-in defaults (documented in the top-level
// daemon.conf), overridden by a config file, then DIFFUSIOND_* environment variables, then flags.
// Unknown keys and bad values are errors that name the file and line (or the variable / flag).
import DiffProtocol
import Foundation
import Jobs

public enum LogLevel: String, CaseIterable, Comparable, Sendable {
    case debug, info, warn, error
    var rank: Int { LogLevel.allCases.firstIndex(of: self)! }
    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rank < b.rank }
}

public struct ConfigError: Error, CustomStringConvertible, Equatable {
    /// "daemon.conf:12", "DIFFUSIOND_MAX_JOBS", "--max-jobs"
    public var location: String
    public var message: String
    public init(_ location: String, _ message: String) { self.location = location; self.message = message }
    public var description: String { "\(location): \(message)" }
}

public struct DaemonConfig: Equatable, Sendable {
    /// Unix socket path; empty → `Wire.defaultSocketPath()`
    public var socket = ""
    /// state directory; empty → $XDG_STATE_HOME/diffusiond or ~/.local/state/diffusiond
    public var stateDir = ""
    public var backend: BackendChoice = .auto
    /// Vulkan device: index, UUID or PCI bus id; nil → the backend chooses
    public var device: DeviceSelector? = nil
    /// directory of shaders/*.comp; empty → the engine looks next to the executable / install prefix
    public var shaderDir = ""
    public var maxJobs = 1
    /// CPU backend threads; 0 → one per core
    public var cpuThreads = 0
    public var checkpointEvery = 500
    public var checkpointKeep = 2
    public var progressEvery = 25
    public var logLevel: LogLevel = .info
    /// a group whose members may also connect (the socket becomes 0660 with that group)
    public var socketGroup = ""
    /// memory one job may use: "auto" (75% of physical memory), "N%", or a size such as 8G
    public var memoryBudget = "auto"
    /// whether any client (e.g. a socket_group member) may cancel, remove and prune other users' jobs
    public var groupMayManageAll = false
    /// finished jobs older than this many seconds are removed; 0 keeps them forever
    public var jobRetention: Double = 30 * 86_400
    /// seconds a new connection has to say hello before it is closed; 0 → no limit
    public var helloTimeout = 10
    /// seconds without a request after which a connection that follows no job is closed; 0 → never
    public var idleTimeout = 900
    /// where jobs run: in this process (local) or as Slurm batch jobs (slurm)
    public var executor: ExecutorKind = .local
    /// Slurm submission settings (executor = slurm); empty → Slurm's default
    public var slurm = SlurmSettings()
    /// largest file a remote client may upload (diffctl --host ssh://…): a size such as 2G or N%
    /// of memory; empty → the memory budget (a job could never load a bigger file)
    public var uploadLimit = ""
    /// the file the settings came from, if any
    public var configFile: String? = nil

    public init() {}

    /// The budget in bytes (memory_budget resolved against this machine's memory).
    public var memoryBudgetBytes: Double { MemoryBudget.parse(memoryBudget) ?? MemoryBudget.physicalBytes() * 0.75 }
    /// upload_limit in bytes
    public var uploadLimitBytes: Double { uploadLimit.isEmpty ? memoryBudgetBytes : (MemoryBudget.parse(uploadLimit) ?? memoryBudgetBytes) }

    /// key in the file, flag is `--` + key with `_` → `-`, variable is `DIFFUSIOND_` + uppercased key
    public static let keys = ["socket", "state_dir", "backend", "device", "shader_dir", "max_jobs", "cpu_threads",
                              "checkpoint_every", "checkpoint_keep", "progress_every", "log_level", "socket_group",
                              "memory_budget", "group_may_manage_all", "job_retention", "hello_timeout", "idle_timeout",
                              "executor", "upload_limit"] + SlurmSettings.keys

    /// Set one key from text; throws a message (without location) on a bad value.
    public mutating func set(_ key: String, _ raw: String) throws {
        let value = raw.trimmingCharacters(in: .whitespaces)
        func int(_ range: ClosedRange<Int>) throws -> Int {
            guard let v = Int(value), range.contains(v) else {
                throw ConfigError("", "\(key) must be an integer in \(range.lowerBound)…\(range.upperBound), got '\(value)'")
            }
            return v
        }
        switch key {
        case "socket": socket = value
        case "state_dir": stateDir = value
        case "backend":
            guard let b = BackendChoice(rawValue: value) else {
                throw ConfigError("", "backend must be auto, cpu or vulkan, got '\(value)'")
            }
            backend = b
        case "device":
            if value.isEmpty || value == "auto" { device = nil } else {
                guard let d = DeviceSelector(parsing: value) else {
                    throw ConfigError("", "device must be auto, an index in 0…64, a device UUID (e.g. 6d657361-3232-2e33-2e36-000000000000) or a PCI bus id (e.g. 0000:65:00.0), got '\(value)'")
                }
                device = d
            }
        case "shader_dir": shaderDir = value
        case "max_jobs": maxJobs = try int(1...64)
        case "cpu_threads": cpuThreads = try int(0...1024)
        case "checkpoint_every": checkpointEvery = try int(1...100_000_000)
        case "checkpoint_keep": checkpointKeep = try int(1...1000)
        case "progress_every": progressEvery = try int(1...1_000_000)
        case "log_level":
            guard let l = LogLevel(rawValue: value) else {
                throw ConfigError("", "log_level must be debug, info, warn or error, got '\(value)'")
            }
            logLevel = l
        case "socket_group": socketGroup = value
        case "memory_budget":
            guard MemoryBudget.parse(value) != nil else {
                throw ConfigError("", "memory_budget must be auto, a share such as 60%, or a size such as 8G or 512M, got '\(value)'")
            }
            memoryBudget = value.isEmpty ? "auto" : value
        case "group_may_manage_all":
            guard let b = ["true": true, "false": false, "yes": true, "no": false, "1": true, "0": false][value.lowercased()] else {
                throw ConfigError("", "group_may_manage_all must be true or false, got '\(value)'")
            }
            groupMayManageAll = b
        case "job_retention":
            guard let seconds = Durations.parse(value), seconds <= 100 * 365 * 86_400 else {
                throw ConfigError("", "job_retention must be a duration such as 30d, 12h, 90m or 0 (keep forever), got '\(value)'")
            }
            jobRetention = seconds
        case "upload_limit":
            guard value.isEmpty || (value != "auto" && MemoryBudget.parse(value) != nil) else {
                throw ConfigError("", "upload_limit must be a size such as 2G or N% of memory (empty: the memory budget), got '\(value)'")
            }
            uploadLimit = value
        case "hello_timeout": helloTimeout = try int(0...86_400)
        case "idle_timeout": idleTimeout = try int(0...31_536_000)
        case "executor":
            guard let e = ExecutorKind(rawValue: value.isEmpty ? "local" : value) else {
                throw ConfigError("", "executor must be local or slurm, got '\(value)'")
            }
            executor = e
        case _ where SlurmSettings.keys.contains(key): try slurm.set(key, value)
        default:
            throw ConfigError("", "unknown key '\(key)' (known: \(DaemonConfig.keys.joined(separator: ", ")))")
        }
    }

    /// Apply a config file's text. `name` is used in error locations.
    public mutating func apply(fileText: String, name: String) throws {
        for (index, rawLine) in fileText.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let location = "\(name):\(index + 1)"
            var line = String(rawLine).trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let eq = line.firstIndex(of: "=") else {
                throw ConfigError(location, "expected 'key = value', got '\(line)'")
            }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces)
            line = String(line[line.index(after: eq)...]).trimmingCharacters(in: .whitespaces)
            var value: String
            if line.hasPrefix("\"") {
                guard let close = line.dropFirst().firstIndex(of: "\"") else {
                    throw ConfigError(location, "unterminated quoted value for '\(key)'")
                }
                value = String(line[line.index(after: line.startIndex)..<close])
                let rest = line[line.index(after: close)...].trimmingCharacters(in: .whitespaces)
                if !rest.isEmpty && !rest.hasPrefix("#") {
                    throw ConfigError(location, "unexpected text after the quoted value of '\(key)': '\(rest)'")
                }
            } else {
                // a trailing comment starts at " #"
                if let hash = line.range(of: " #") { line = String(line[..<hash.lowerBound]) }
                if line.hasPrefix("#") { line = "" }
                value = line.trimmingCharacters(in: .whitespaces)
            }
            do { try set(key, value) } catch let e as ConfigError { throw ConfigError(location, e.message) }
        }
    }

    /// Apply DIFFUSIOND_<KEY> variables.
    public mutating func apply(environment: [String: String]) throws {
        for key in DaemonConfig.keys {
            let name = "DIFFUSIOND_" + key.uppercased()
            guard let v = environment[name] else { continue }
            do { try set(key, v) } catch let e as ConfigError { throw ConfigError(name, e.message) }
        }
    }

    /// The default config file when neither --config nor DIFFUSIOND_CONFIG names one.
    public static func defaultConfigFile(environment: [String: String]) -> String? {
        var candidates: [String] = []
        if let x = environment["XDG_CONFIG_HOME"], !x.isEmpty { candidates.append(x + "/diffusiond/daemon.conf") }
        else if let h = environment["HOME"], !h.isEmpty { candidates.append(h + "/.config/diffusiond/daemon.conf") }
        candidates.append("/etc/diffusiond/daemon.conf")
        return candidates.first { FileManager.default.fileExists(atPath: $0) }
    }

    /// Resolved socket path.
    public func socketPath(environment: [String: String]) -> String {
        socket.isEmpty ? Wire.defaultSocketPath(environment: environment) : socket
    }

    /// Resolved state directory.
    public func stateDirectory(environment: [String: String]) -> String {
        if !stateDir.isEmpty { return stateDir }
        if let x = environment["XDG_STATE_HOME"], !x.isEmpty { return x + "/diffusiond" }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return home + "/.local/state/diffusiond"
    }
}

/// What the command line asked for.
public enum DaemonCommand: Equatable {
    case run(DaemonConfig)
    case printConfig(DaemonConfig)
    case help
    case version
}

extension DaemonConfig {
    /// Parse `diffusiond` arguments (without argv[0]): defaults ← file ← environment ← flags.
    public static func load(arguments: [String], environment: [String: String]) throws -> DaemonCommand {
        var flags: [(key: String, value: String, flag: String)] = []
        var configFile: String? = environment["DIFFUSIOND_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
        var printOnly = false
        var i = 0
        while i < arguments.count {
            let arg = arguments[i]
            if arg == "-h" || arg == "--help" { return .help }
            if arg == "--version" { return .version }
            if arg == "--print-config" { printOnly = true; i += 1; continue }
            guard arg.hasPrefix("--") else { throw ConfigError(arg, "unexpected argument (see diffusiond --help)") }
            var name = String(arg.dropFirst(2))
            var value: String?
            if let eq = name.firstIndex(of: "=") { value = String(name[name.index(after: eq)...]); name = String(name[..<eq]) }
            if value == nil {
                guard i + 1 < arguments.count else { throw ConfigError(arg, "needs a value") }
                value = arguments[i + 1]; i += 1
            }
            if name == "config" { configFile = value! }
            else {
                let key = name.replacingOccurrences(of: "-", with: "_")
                guard keys.contains(key) else {
                    throw ConfigError(arg, "unknown option (known: --config, \(keys.map { "--" + $0.replacingOccurrences(of: "_", with: "-") }.joined(separator: ", ")))")
                }
                flags.append((key, value!, "--" + name))
            }
            i += 1
        }
        var config = DaemonConfig()
        let file = configFile ?? defaultConfigFile(environment: environment)
        if let file {
            guard let data = FileHandle(forReadingAtPath: file).map({ h in defer { try? h.close() }; return h.readDataToEndOfFile() }) else {
                throw ConfigError(file, "cannot read the config file")
            }
            guard let text = String(data: data, encoding: .utf8) else { throw ConfigError(file, "not UTF-8 text") }
            try config.apply(fileText: text, name: file)
            config.configFile = file
        }
        try config.apply(environment: environment)
        for f in flags {
            do { try config.set(f.key, f.value) } catch let e as ConfigError { throw ConfigError(f.flag, e.message) }
        }
        return printOnly ? .printConfig(config) : .run(config)
    }

    /// The settings as a config file (for --print-config).
    public func rendered(environment: [String: String]) -> String {
        var lines = ["# resolved configuration" + (configFile.map { " (from \($0))" } ?? " (built-in defaults)")]
        lines.append("socket = \(socketPath(environment: environment))")
        lines.append("state_dir = \(stateDirectory(environment: environment))")
        lines.append("backend = \(backend.rawValue)")
        lines.append("device = \(device.map { $0.description } ?? "auto")")
        lines.append("shader_dir = \(shaderDir)")
        lines.append("max_jobs = \(maxJobs)")
        lines.append("cpu_threads = \(cpuThreads)")
        lines.append("checkpoint_every = \(checkpointEvery)")
        lines.append("checkpoint_keep = \(checkpointKeep)")
        lines.append("progress_every = \(progressEvery)")
        lines.append("log_level = \(logLevel.rawValue)")
        lines.append("socket_group = \(socketGroup)")
        lines.append("memory_budget = \(memoryBudget)")
        lines.append("group_may_manage_all = \(groupMayManageAll)")
        lines.append("job_retention = \(Durations.format(jobRetention))")
        lines.append("hello_timeout = \(helloTimeout)")
        lines.append("idle_timeout = \(idleTimeout)")
        lines.append("executor = \(executor.rawValue)")
        lines.append("upload_limit = \(uploadLimit)")
        lines += slurm.rendered()
        return lines.joined(separator: "\n") + "\n"
    }
}
