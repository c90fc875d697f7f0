// RemoteSubmit.swift — submitting to a daemon on another machine (--host ssh://…): the input
// files the spec names are uploaded first (RemoteFiles.swift, content-addressed: a file the daemon
// already has is not sent again), the submit names them by hash, and `--out FILE` is written in the
// job's directory on the box (keepOut) and downloaded to FILE here when the followed job succeeds;
// without --follow the user is told to `diffctl get` it. The daemon never sees a path it could open.
import DiffProtocol
import Foundation

func submitRemote(_ conn: ClientConnection, spec: [String: JSONValue], args: ParsedArguments, follow: Bool, dryRun: Bool = false) throws -> ExitCode {
    var out: String?
    if !dryRun, let o = spec["out"]?.stringValue, !o.isEmpty {
        let ext = (o as NSString).pathExtension.lowercased()
        guard ext == "csv" || ext == "npy" else { throw fail(.rejected, "invalid parameter '--out': '\(o)' must end in .csv or .npy") }
        if FileManager.default.fileExists(atPath: o), spec["force"]?.boolValue != true {
            throw fail(.rejected, "invalid parameter '--out': '\(o)' already exists; pass --force (spec field force: true) to overwrite it")
        }
        let dir = (o as NSString).deletingLastPathComponent
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir.isEmpty ? "." : dir, isDirectory: &isDir), isDir.boolValue else {
            throw fail(.rejected, "invalid parameter '--out': the directory of '\(o)' does not exist")
        }
        out = o
    }
    let uploaded = try uploadSpecFiles(conn, spec, quiet: args.flags.contains("quiet"))
    let request = SubmitRequest(spec: .object(spec), follow: follow, uploads: uploaded.uploads.isEmpty ? nil : uploaded.uploads,
                                keepOut: out == nil ? nil : true, dryRun: dryRun ? true : nil)
    let id = try conn.send(.submit(request))
    var early: [JobEventMessage] = []
    let reply: ResponseBody
    do { reply = try conn.response(to: id, timeout: 120) { early.append($0) } } catch {
        throw fail(.noDaemon, "the daemon went away: \(error)")
    }
    if case .resolved(let r) = reply { return printDryRun(r, json: args.json) }
    guard case .submitted(let s) = reply else {
        if case .error(let e) = reply { throw fail(.rejected, e.error.message) }
        throw unexpected(reply)
    }
    let job = s.job
    if args.flags.contains("quiet") && !follow { print(job.id); return .ok }
    if args.json || (follow && !stdoutIsTerminal) {
        printJSON(job)
    } else {
        print("submitted \(job.id) (\(job.kind)) on \(conn.path)" + (follow ? "" : " — watch it with: diffctl follow \(job.id)"))
    }
    guard follow else {
        if let out { printNote("\(job.id) writes --out on the daemon's machine; when it is done, copy it here with: diffctl get \(job.id) \((out as NSString).deletingLastPathComponent)") }
        return .ok
    }
    let outcome = try streamEvents(conn, job: job, recentLosses: [], json: args.json || !stdoutIsTerminal, pending: early)
    if outcome == .ok, let out {
        do {
            let bytes = try downloadOutput(conn, job: job.id, output: "out", to: out)
            printNote("\(job.id): downloaded --out to \(out) (\(byteText(bytes)))")
        } catch let e as ClientFailure {
            printError("\(e.message); copy the outputs with: diffctl get \(job.id) DIR")
            return e.code
        }
    }
    return outcome
}
