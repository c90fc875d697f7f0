// DialStdioCommand.swift — `diffusiond dial-stdio [--socket PATH] [--config FILE]`: connect to the
// local daemon's socket and relay stdin → socket and socket → stdout until either side ends. It is
// what `diffctl --host ssh://user@box` runs on the box (`ssh user@box diffusiond dial-stdio`, as
// docker does with DOCKER_HOST=ssh://). Before the client's first byte it sends one line of its
// own, {"type":"relayed",…}, so the daemon knows this client is on another machine: it then opens
// no path the client names (files come as uploads, outputs go back as downloads).
import DiffProtocol
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public enum DialStdioCommand {
    static let usage = """
    usage: diffusiond dial-stdio [--socket PATH] [--config FILE]

    Relay stdin/stdout to the daemon's socket (default: the socket of the daemon's configuration:
    --socket, DIFFUSIOND_SOCKET, daemon.conf, else $XDG_RUNTIME_DIR/diffusiond.sock). Run by
    `diffctl --host ssh://user@box …` over ssh; not meant to be typed.
    """

    public static func main(_ args: [String], environment: [String: String]) -> Int32 {
        if args.contains("-h") || args.contains("--help") { print(usage); return 0 }
        var flags: [String] = []
        var i = 0
        while i < args.count {
            guard ["--socket", "--config"].contains(args[i]), i + 1 < args.count else {
                FileHandle.standardError.write(Data("diffusiond dial-stdio: unknown or incomplete option '\(args[i])'\n\(usage)\n".utf8))
                return 2
            }
            flags += [args[i], args[i + 1]]
            i += 2
        }
        let path: String
        do {
            guard case .run(let config) = try DaemonConfig.load(arguments: flags, environment: environment) else { return 2 }
            path = config.socketPath(environment: environment)
        } catch {
            FileHandle.standardError.write(Data("diffusiond dial-stdio: \(error)\n".utf8))
            return 2
        }
        let sock: UnixSocketTransport
        do { sock = try UnixSocketTransport(path: path) } catch {
            FileHandle.standardError.write(Data("diffusiond dial-stdio: \(error) — is diffusiond running on this machine? (start it with `diffusiond &`)\n".utf8))
            return 3
        }
        signal(SIGPIPE, SIG_IGN)
        let from = environment["SSH_CLIENT"].map { String($0.prefix(200)) }
        do { try sock.write(Wire.line(Request(id: nil, .relayed(RelayedNotice(via: from == nil ? "stdio" : "ssh", from: from))))) } catch {
            FileHandle.standardError.write(Data("diffusiond dial-stdio: \(error)\n".utf8))
            return 3
        }
        return relay(socket: sock.fd)
    }

    /// Copy bytes both ways until the daemon closes; stdin's end is passed on as a half-close.
    static func relay(socket: Int32) -> Int32 {
        var stdinOpen = true
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        func writeAll(_ fd: Int32, _ n: Int) -> Bool {
            var done = 0
            while done < n {
                let w = buf.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + done, n - done) }
                if w < 0 { if errno == EINTR { continue }; return false }
                done += w
            }
            return true
        }
        while true {
            var fds = [pollfd(fd: socket, events: Int16(POLLIN), revents: 0)]
            if stdinOpen { fds.append(pollfd(fd: 0, events: Int16(POLLIN), revents: 0)) }
            let r = poll(&fds, nfds_t(fds.count), -1)
            if r < 0 { if errno == EINTR { continue }; return 1 }
            if fds[0].revents != 0 {
                let n = read(socket, &buf, buf.count)
                if n < 0 { if errno == EINTR || errno == EAGAIN { continue }; return 1 }
                if n == 0 { return 0 }                       // the daemon closed: done
                if !writeAll(1, n) { return 0 }              // the client went away
            }
            if stdinOpen, fds.count > 1, fds[1].revents != 0 {
                let n = read(0, &buf, buf.count)
                if n < 0 { if errno == EINTR || errno == EAGAIN { continue }; return 1 }
                if n == 0 {
                    stdinOpen = false
                    shutdown(socket, Int32(SHUT_WR))          // let the daemon finish its replies
                    continue
                }
                if !writeAll(socket, n) { return 1 }
            }
        }
    }
}
