// Remote.swift — which daemon diffctl talks to: --host URL, else $DIFFUSIOND_HOST, else the local
// socket (--socket / $DIFFUSIOND_SOCKET / the default path; see Session.swift).
//   unix:///path/to/sock           a Unix socket on this machine (same as --socket)
//   ssh://[user@]box[:port]        `ssh [-p port] [user@]box diffusiond dial-stdio`, the protocol on
//                                  its stdin/stdout (as docker does with DOCKER_HOST=ssh://)
// For ssh: $DIFFUSIOND_SSH is the ssh command and its own options, split at spaces (default "ssh",
// e.g. "ssh -F ~/.ssh/lab_config -i ~/.ssh/lab_key"); each --ssh-option OPT adds `-o OPT`;
// $DIFFUSIOND_REMOTE_BIN is the daemon binary on the box (default "diffusiond", found on the box's
// PATH); --socket PATH names the daemon's socket on the box (passed to dial-stdio).
import DiffProtocol
import Foundation

enum DaemonHost: Equatable {
    case unix(path: String)
    case ssh(user: String?, host: String, port: Int?)

    var display: String {
        switch self {
        case .unix(let p): return p
        case .ssh(let u, let h, let p): return "ssh://" + (u.map { $0 + "@" } ?? "") + h + (p.map { ":\($0)" } ?? "")
        }
    }

    /// Parse a --host / DIFFUSIOND_HOST value; the error names `source`.
    static func parse(_ raw: String, source: String) throws -> DaemonHost {
        if raw.hasPrefix("unix://") {
            let path = String(raw.dropFirst("unix://".count))
            guard path.hasPrefix("/") else { throw UsageError(description: "\(source): unix:// needs an absolute path, e.g. unix:///run/diffusiond.sock (got '\(raw)')") }
            return .unix(path: path)
        }
        if raw.hasPrefix("/") { return .unix(path: raw) }
        guard raw.hasPrefix("ssh://") else {
            throw UsageError(description: "\(source) must be ssh://[user@]host[:port] or unix:///path, got '\(raw)'")
        }
        var rest = Substring(raw.dropFirst("ssh://".count))
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.isEmpty, !rest.contains("/") else {
            throw UsageError(description: "\(source): ssh://[user@]host[:port] takes no path (the daemon's socket on the host is --socket), got '\(raw)'")
        }
        var user: String?
        if let at = rest.lastIndex(of: "@") {
            user = String(rest[..<at])
            rest = rest[rest.index(after: at)...]
            guard let u = user, !u.isEmpty, !u.hasPrefix("-") else { throw UsageError(description: "\(source): empty or invalid user in '\(raw)'") }
        }
        var port: Int?
        var host = String(rest)
        if host.hasPrefix("[") , let close = host.firstIndex(of: "]") {   // [::1]:2222
            let after = host[host.index(after: close)...]
            if after.hasPrefix(":") {
                guard let p = Int(after.dropFirst()), (1...65535).contains(p) else { throw UsageError(description: "\(source): bad port in '\(raw)'") }
                port = p
            }
            host = String(host[host.index(after: host.startIndex)..<close])
        } else if let colon = host.lastIndex(of: ":") {
            guard let p = Int(host[host.index(after: colon)...]), (1...65535).contains(p) else {
                throw UsageError(description: "\(source): the port in '\(raw)' must be a number in 1…65535")
            }
            port = p
            host = String(host[..<colon])
        }
        guard !host.isEmpty, !host.hasPrefix("-") else { throw UsageError(description: "\(source): no host in '\(raw)'") }
        return .ssh(user: user, host: host, port: port)
    }
}

/// The host this invocation talks to, or nil for the local socket.
func daemonHost(_ args: ParsedArguments, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> DaemonHost? {
    if let h = args.settings["host"], !h.isEmpty { return try DaemonHost.parse(h, source: "--host") }
    if let h = environment["DIFFUSIOND_HOST"], !h.isEmpty { return try DaemonHost.parse(h, source: "DIFFUSIOND_HOST") }
    return nil
}

/// A word quoted for the remote shell (ssh runs the command through the user's shell on the box).
func shellQuoted(_ word: String) -> String {
    let safe = word.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || "-_./=:@%+,".unicodeScalars.contains($0) }
    return safe && !word.isEmpty ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
}

/// The ssh command line that reaches the daemon on `host`.
func sshCommand(user: String?, host: String, port: Int?, args: ParsedArguments,
                environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
    var command = (environment["DIFFUSIOND_SSH"] ?? "ssh").split(separator: " ").map(String.init)
    if command.isEmpty { command = ["ssh"] }
    for o in args.sshOptions { command += ["-o", o] }
    if let port { command += ["-p", String(port)] }
    command += ["-T", "--", (user.map { $0 + "@" } ?? "") + host]
    let bin = environment["DIFFUSIOND_REMOTE_BIN"].flatMap { $0.isEmpty ? nil : $0 } ?? "diffusiond"
    var remote = [bin, "dial-stdio"]
    if let s = args.socket, !s.isEmpty { remote += ["--socket", s] }
    command.append(remote.map(shellQuoted).joined(separator: " "))
    return command
}

/// Open the transport to `host`.
func openTransport(_ host: DaemonHost, args: ParsedArguments) throws -> ClientTransport {
    switch host {
    case .unix(let path):
        return try UnixSocketTransport(path: path)
    case .ssh(let user, let h, let port):
        return try ProcessTransport(arguments: sshCommand(user: user, host: h, port: port, args: args), endpoint: host.display)
    }
}
