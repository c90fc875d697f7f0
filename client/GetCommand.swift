// GetCommand.swift — `diffctl get ID DIR`: copy a job's outputs (samples, model, plots, loss
// curve) to a directory the user names; from a remote daemon (--host) they are downloaded.
import DiffProtocol
import Foundation

let getHelp = helpText(
    usage: "diffctl get ID DIR [--json]",
    summary: "Copy a job's outputs into DIR (created if missing). Existing files of the same name are replaced.",
    options: [],
    examples: ["diffctl get j3 ./results", "diffctl get j5 /tmp/j5 --json"])

func getCommand(_ argv: [String]) throws -> ExitCode {
    let args = try parseArguments(argv, options: [])
    if args.help { print(getHelp); return .ok }
    guard args.positionals.count == 2 else { throw UsageError(description: "get needs a job id and a directory: diffctl get ID DIR") }
    let conn = try openSession(args)
    guard case .job(let s) = try call(conn, .show(ShowRequest(job: args.positionals[0]))) else {
        throw fail(.protocolError, "unexpected reply to show")
    }
    let outputs = s.job.outputs ?? [:]
    if outputs.isEmpty {
        throw fail(.rejected, "job \(s.job.id) has no outputs yet (state: \(s.job.state.rawValue))")
    }
    let dest = absolutePath(args.positionals[1])
    let fm = FileManager.default
    do { try fm.createDirectory(atPath: dest, withIntermediateDirectories: true) } catch {
        throw fail(.rejected, "cannot create \(dest): \(error.localizedDescription)")
    }
    var copied: [String: String] = [:]
    // a remote daemon (--host ssh://…): the outputs come through the protocol
    if !conn.passesFiles { copied = try downloadOutputs(conn, job: s.job.id, outputs: outputs, to: dest) }
    for name in outputs.keys.sorted() where conn.passesFiles {
        let src = outputs[name]!
        let target = dest + "/" + (src as NSString).lastPathComponent
        guard fm.fileExists(atPath: src) else { printError("skipped \(name): \(src) no longer exists"); continue }
        if copied.values.contains(target) { continue }
        do {
            if fm.fileExists(atPath: target) { try fm.removeItem(atPath: target) }
            try fm.copyItem(atPath: src, toPath: target)
            copied[name] = target
        } catch {
            throw fail(.rejected, "cannot copy \(src) to \(target): \(error.localizedDescription)")
        }
    }
    if args.json { printJSON(JSONValue.object(["job": .string(s.job.id), "copied": .object(copied.mapValues { .string($0) })])); return .ok }
    print(table(["output", "copied to"], copied.keys.sorted().map { [$0, copied[$0]!] }))
    return .ok
}

/// Download every output of `job` into `dest` (remote use); returns output → file written.
func downloadOutputs(_ conn: ClientConnection, job: String, outputs: [String: String], to dest: String) throws -> [String: String] {
    var copied: [String: String] = [:]
    for name in outputs.keys.sorted() {
        let target = dest + "/" + (outputs[name]! as NSString).lastPathComponent
        if copied.values.contains(target) { continue }
        do { try downloadOutput(conn, job: job, output: name, to: target) } catch let e as ClientFailure where e.code == .rejected {
            printError("skipped \(name): \(e.message)"); continue
        }
        copied[name] = target
    }
    return copied
}
