// ModelsCommand.swift — `diffctl models`: every version of every named model the daemon holds
// (one row per NAME@V, fitting 80 columns), and `diffctl models rm NAME[@V]`.
import DiffProtocol
import Foundation

let modelsHelp = helpText(
    usage: "diffctl models [--json] | diffctl models rm NAME[@V]",
    summary: "List named models, one row per version (NAME@V), with the job that trained it, its steps, dataset and final loss. "
        + "NAME alone means its latest version wherever a model is accepted. "
        + "models rm NAME@V removes that version; models rm NAME removes EVERY version of NAME. "
        + "Removal is refused (exit 4) while a queued or running job uses or produces the model.",
    options: [],
    examples: ["diffctl models", "diffctl models --json", "diffctl models rm ring@1", "diffctl models rm ring   # all versions"])

func modelsCommand(_ argv: [String]) throws -> ExitCode {
    let args = try parseArguments(argv, options: [])
    if args.help { print(modelsHelp); return .ok }
    if let first = args.positionals.first {
        guard first == "rm" || first == "remove" else {
            throw UsageError(description: "unknown models subcommand '\(first)' (diffctl models, or diffctl models rm NAME[@V])")
        }
        guard args.positionals.count == 2 else { throw UsageError(description: "models rm needs one model: diffctl models rm NAME[@V] (NAME alone: every version)") }
        return try removeModel(args.positionals[1], args)
    }
    let conn = try openSession(args)
    guard case .models(let m) = try call(conn, .models) else { throw fail(.protocolError, "unexpected reply to models") }
    if args.json { printJSON(m); return .ok }
    if m.models.isEmpty { print("no models yet (train one: diffctl train --dataset ring8 --steps 3000 --name ring)"); return .ok }
    let rows = m.models.map { model -> [String] in
        let meta = model.metadata
        func text(_ paths: [[String]], _ width: Int) -> String {
            for p in paths { if let v = lookup(meta, p), v.objectValue == nil { return clip(v.doubleValue.map(formatNumber) ?? v.displayText, width) } }
            return "-"
        }
        let loss = lookup(meta, ["finalLoss"])?.doubleValue.map { String(format: "%.4f", $0) } ?? "-"
        let objective = lookup(meta, ["kind"])?.stringValue == "gmm" ? "gmm" : text([["train", "config", "objective"]], 10)
        return [clip("\(model.name)@\(model.version ?? 1)", 22), text([["jobID"]], 6), text([["dataset", "name"]], 14), objective,
                text([["train", "config", "steps"]], 8), loss]
    }
    print(table(["MODEL", "JOB", "DATASET", "OBJECTIVE", "STEPS", "FINAL LOSS"], rows))
    return .ok
}

private func removeModel(_ ref: String, _ args: ParsedArguments) throws -> ExitCode {
    let conn = try openSession(args)
    guard case .modelRemoved(let r) = try call(conn, .removeModel(RemoveModelRequest(model: ref))) else {
        throw fail(.protocolError, "unexpected reply to remove-model")
    }
    if args.json { printJSON(r); return .ok }
    print("removed " + r.removed.joined(separator: ", "))
    return .ok
}

/// `s` cut to `width` characters (an ellipsis marks the cut): tables truncate, never wrap.
func clip(_ s: String, _ width: Int) -> String { s.count <= width ? s : String(s.prefix(width - 1)) + "…" }

func lookup(_ v: JSONValue?, _ path: [String]) -> JSONValue? {
    var cur = v
    for k in path { cur = cur?[k] }
    return cur
}
