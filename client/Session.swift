// Session.swift — finding and greeting the daemon: --host / $DIFFUSIOND_HOST (Remote.swift), else
// --socket, then $DIFFUSIOND_SOCKET, then the default path; a missing daemon is an error that says
// how to start one.
import DiffProtocol
import Foundation

let clientVersion = "diffctl 0.1.0"

func socketPath(_ args: ParsedArguments) -> String {
    if let s = args.socket, !s.isEmpty { return s }
    if let s = ProcessInfo.processInfo.environment["DIFFUSIOND_SOCKET"], !s.isEmpty { return s }
    return Wire.defaultSocketPath()
}

/// Connect and say hello; failures become exit-code-carrying errors with advice.
/// With --host / DIFFUSIOND_HOST the connection is that host's (Remote.swift).
func openSession(_ args: ParsedArguments) throws -> ClientConnection {
    let host = try daemonHost(args)
    let path = host?.display ?? socketPath(args)
    let conn: ClientConnection
    do {
        if let host { conn = ClientConnection(transport: try openTransport(host, args: args)) }
        else { conn = try ClientConnection(path: path) }
    } catch let e as ConnectError {
        switch e {
        case .noDaemon where host == nil:
            let start = args.socket == nil ? "diffusiond &" : "diffusiond --socket \(path) &"
            throw fail(.noDaemon, "\(e) — start one with `\(start)` or `systemctl --user start diffusiond`, "
                       + "or point --socket / DIFFUSIOND_SOCKET at a running one")
        default:
            throw fail(.noDaemon, e.description)
        }
    }
    do { _ = try conn.hello(client: clientVersion) } catch let e as ProtocolError {
        throw fail(e.code == .versionMismatch ? .protocolError : .rejected, e.message)
    } catch {
        if case .ssh? = host {
            let why = conn.transport.endReason().map { " (\($0))" } ?? ""
            throw fail(.noDaemon, "no daemon reached through \(path)\(why); ssh's own message, if any, is above. Check that ssh to the box "
                       + "works, that diffusiond is on the box's PATH (or set DIFFUSIOND_REMOTE_BIN to its path there) and that it runs there")
        }
        throw fail(.noDaemon, "the daemon at \(path) did not complete the hello: \(error)")
    }
    return conn
}

/// Send one request and return its reply; error replies and I/O failures become ClientFailure.
func call(_ conn: ClientConnection, _ body: RequestBody, timeout: Double = 120) throws -> ResponseBody {
    do { return try conn.call(body, timeout: timeout) } catch let e as ProtocolError {
        throw fail(.rejected, e.message)
    } catch let e as ConnectError {
        if case .closed = e { throw fail(.noDaemon, "the daemon closed the connection") }
        throw fail(.protocolError, e.description)
    }
}

func unexpected(_ r: ResponseBody) -> ClientFailure {
    fail(.protocolError, "unexpected reply '\(r.typeName)' from the daemon")
}
