// Arguments.swift — diffctl's small argument parser. Each subcommand declares its options; an
// option either sets a job-spec key (typed: string, path, int, number, flag, list) or a client
// setting. `--opt value`, `--opt=value` and bundled global options anywhere on the line all work.
import DiffProtocol
import Foundation

enum OptionKind {
    case string      // spec value as a string
    case path        // a file path, made absolute against the client's working directory
    case int         // integer
    case uint        // non-negative integer (seed)
    case number      // floating point
    case flag        // present → true (spec) or set (client setting)
    case list        // comma-separated strings
    case numberList  // comma-separated numbers
    case setting     // a client-side value, not part of the spec
}

struct OptionSpec {
    var names: [String]        // e.g. ["-n", "--count"]
    var key: String            // spec key, or the setting's name
    var kind: OptionKind
    var metavar: String
    var help: String
    init(_ names: [String], _ key: String, _ kind: OptionKind, _ metavar: String = "", _ help: String) {
        self.names = names; self.key = key; self.kind = kind; self.metavar = metavar; self.help = help
    }
}

struct UsageError: Error, CustomStringConvertible {
    var description: String
}

struct ParsedArguments {
    var spec: [String: JSONValue] = [:]
    var settings: [String: String] = [:]
    var flags: Set<String> = []
    var positionals: [String] = []
    var socket: String?
    /// --ssh-option values, in order (remote use, Remote.swift)
    var sshOptions: [String] = []
    var json = false
    var help = false
    /// with `-f FILE`: the file, and the spec keys whose values came from it (JobFile)
    var fileName: String?
    var fileKeys: Set<String> = []
}

/// Options every subcommand accepts.
let globalOptions: [OptionSpec] = [
    OptionSpec(["--socket"], "socket", .setting, "PATH", "daemon socket (default: $DIFFUSIOND_SOCKET, else $XDG_RUNTIME_DIR/diffusiond.sock)"),
    OptionSpec(["--host"], "host", .setting, "URL", "daemon to use: ssh://[user@]box[:port] or unix:///path (default: $DIFFUSIOND_HOST, else the local socket)"),
    OptionSpec(["--ssh-option"], "sshOption", .setting, "OPT", "with --host ssh://: pass -o OPT to ssh (repeatable; $DIFFUSIOND_SSH sets the ssh command)"),
    OptionSpec(["--json"], "json", .flag, "", "machine-readable output: JSON objects, one per line"),
    OptionSpec(["--no-color"], "no-color", .flag, "", "no colour (as NO_COLOR=1 does)"),
    OptionSpec(["-h", "--help"], "help", .flag, "", "show this help"),
]

func parseArguments(_ args: [String], options: [OptionSpec], settingFlags: Set<String> = []) throws -> ParsedArguments {
    var out = ParsedArguments()
    let all = options + globalOptions
    var i = 0
    var onlyPositionals = false
    while i < args.count {
        let arg = args[i]
        i += 1
        if onlyPositionals || !arg.hasPrefix("-") || arg == "-" || Double(arg) != nil {
            out.positionals.append(arg); continue
        }
        if arg == "--" { onlyPositionals = true; continue }
        var name = arg
        var inline: String?
        if arg.hasPrefix("--"), let eq = arg.firstIndex(of: "=") {
            name = String(arg[..<eq]); inline = String(arg[arg.index(after: eq)...])
        }
        guard let opt = all.first(where: { $0.names.contains(name) }) else {
            let known = all.flatMap(\.names).filter { $0.hasPrefix("--") }
            let close = known.filter { $0.hasPrefix(String(name.prefix(4))) }
            throw UsageError(description: "unknown option \(name)" + (close.isEmpty ? "" : " (did you mean \(close.joined(separator: ", "))?)"))
        }
        switch opt.key {
        case "help": out.help = true; continue
        case "json": out.json = true; continue
        case "no-color": noColorFlag = true; continue
        default: break
        }
        if opt.kind == .flag {
            if let inline {
                guard let b = ["true": true, "false": false, "1": true, "0": false][inline] else {
                    throw UsageError(description: "\(name) takes no value (or =true/=false), got '\(inline)'")
                }
                if settingFlags.contains(opt.key) { if b { out.flags.insert(opt.key) } } else { out.spec[opt.key] = .bool(b) }
            } else if settingFlags.contains(opt.key) {
                out.flags.insert(opt.key)
            } else {
                out.spec[opt.key] = .bool(true)
            }
            continue
        }
        let value: String
        if let inline { value = inline } else {
            guard i < args.count else { throw UsageError(description: "\(name) needs a value (\(opt.metavar))") }
            value = args[i]; i += 1
        }
        switch opt.kind {
        case .setting:
            if opt.key == "socket" { out.socket = value } else if opt.key == "sshOption" { out.sshOptions.append(value) } else { out.settings[opt.key] = value }
        case .string:
            out.spec[opt.key] = .string(value)
        case .path:
            out.spec[opt.key] = .string(absolutePath(value))
        case .int:
            guard let v = Int64(value) else { throw UsageError(description: "\(name) must be an integer, got '\(value)'") }
            out.spec[opt.key] = .int(v)
        case .uint:
            guard let v = UInt64(value), v <= UInt64(Int64.max) else {
                throw UsageError(description: "\(name) must be an integer in 0…\(Int64.max), got '\(value)'")
            }
            out.spec[opt.key] = .int(Int64(v))
        case .number:
            guard let v = Double(value), v.isFinite else { throw UsageError(description: "\(name) must be a number, got '\(value)'") }
            out.spec[opt.key] = .double(v)
        case .list:
            out.spec[opt.key] = .array(value.split(separator: ",").map { .string(String($0).trimmingCharacters(in: .whitespaces)) })
        case .numberList:
            var items: [JSONValue] = []
            for part in value.split(separator: ",") {
                guard let v = Double(part.trimmingCharacters(in: .whitespaces)), v.isFinite else {
                    throw UsageError(description: "\(name) takes comma-separated numbers, got '\(value)'")
                }
                items.append(.double(v))
            }
            out.spec[opt.key] = .array(items)
        case .flag:
            break
        }
    }
    return out
}

/// Resolve a path against the client's working directory (the daemon has its own).
func absolutePath(_ p: String) -> String {
    if p.hasPrefix("/") { return p }
    if p.hasPrefix("~/") { return NSHomeDirectory() + String(p.dropFirst(1)) }
    let cwd = FileManager.default.currentDirectoryPath
    return URL(fileURLWithPath: p, relativeTo: URL(fileURLWithPath: cwd, isDirectory: true)).standardizedFileURL.path
}

/// `--dataset` takes a built-in name or a file: make it absolute only when it names a file.
func datasetValue(_ v: JSONValue?) -> JSONValue? {
    guard let s = v?.stringValue else { return v }
    let looksLikeFile = s.contains("/") || s.hasSuffix(".csv") || s.hasSuffix(".npy") || FileManager.default.fileExists(atPath: s)
    return .string(looksLikeFile ? absolutePath(s) : s)
}

/// Help text for a subcommand.
func helpText(usage: String, summary: String, options: [OptionSpec], examples: [String]) -> String {
    // help text fits 80 columns: prose is wrapped (HelpDefaults), not cut
    var lines = wrapped("usage: \(usage)", width: 80) + [""] + wrapped(summary, width: 80) + ["", "options:"]
    let rows = (options + globalOptions).map { o -> (String, String) in
        (o.names.joined(separator: ", ") + (o.metavar.isEmpty ? "" : " " + o.metavar), o.help)
    }
    let width = min(rows.map { $0.0.count }.max() ?? 0, 34)
    let pad = String(repeating: " ", count: width + 4)
    for (l, r) in rows {
        let help = wrapped(r, width: 76 - width)
        let first = l.count > width ? "  \(l)\n" + pad + help[0] : "  \(l.padding(toLength: width, withPad: " ", startingAt: 0))  \(help[0])"
        lines.append(([first] + help.dropFirst().map { pad + $0 }).joined(separator: "\n"))
    }
    if !examples.isEmpty {
        lines.append("")
        lines.append("examples:")
        // a long example continues on the next line with a shell backslash (still pastes as one command)
        // (a trailing comment that does not fit goes on its own line after the command)
        for e in examples {
            var command = e, comment: String?
            if e.count > 78, let hash = e.range(of: " # ") ?? e.range(of: "  #") {
                command = String(e[..<hash.lowerBound]); comment = e[hash.upperBound...].trimmingCharacters(in: .whitespaces)
                if !comment!.hasPrefix("#") { comment = "# " + comment! }
            }
            lines.append(wrapped(command, width: 74).enumerated().map { $0.offset == 0 ? "  " + $0.element : "      " + $0.element }
                .joined(separator: " \\\n"))
            if let comment { lines.append("      " + comment) }
        }
    }
    return lines.joined(separator: "\n")
}

/// Every value given to a repeatable option (`--opt A --opt B`, `--opt=C`), in order.
func repeatedValues(_ argv: [String], _ name: String) -> [String] {
    var out: [String] = []
    var i = 0
    while i < argv.count {
        if argv[i] == name, i + 1 < argv.count { out.append(argv[i + 1]); i += 2; continue }
        if argv[i].hasPrefix(name + "=") { out.append(String(argv[i].dropFirst(name.count + 1))) }
        i += 1
    }
    return out
}
