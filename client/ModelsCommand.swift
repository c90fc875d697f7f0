// ModelsCommand.swift — `diffctl models`: the named models the daemon holds.
import DiffProtocol
import Foundation

let modelsHelp = helpText(
    usage: "diffctl models [--json]",
    summary: "List named models (saved by train jobs with --name) with what they were trained on.",
    options: [],
    examples: ["diffctl models", "diffctl models --json"])

func modelsCommand(_ argv: [String]) throws -> ExitCode {
    let args = try parseArguments(argv, options: [])
    if args.help { print(modelsHelp); return .ok }
    let conn = try openSession(args)
    guard case .models(let m) = try call(conn, .models) else { throw fail(.protocolError, "unexpected reply to models") }
    if args.json { printJSON(m); return .ok }
    if m.models.isEmpty { print("no models yet (train one: diffctl train --dataset ring8 --steps 3000 --name ring)"); return .ok }
    // (column, paths tried in the runner's model.json, first hit wins)
    let columns: [(String, [[String]])] = [
        ("KIND", [["kind"]]),
        ("DATASET", [["dataset", "name"], ["dataset"]]),
        ("OBJECTIVE", [["train", "config", "objective"], ["objective"]]),
        ("STEPS", [["train", "config", "steps"], ["steps"]]),
        ("WIDTH", [["train", "config", "model", "width"], ["width"]]),
        ("DEPTH", [["train", "config", "model", "depth"], ["depth"]]),
        ("FINAL LOSS", [["finalLoss"]]),
    ]
    let rows = m.models.map { model -> [String] in
        [model.name] + columns.map { _, paths in
            for p in paths { if let v = lookup(model.metadata, p), v.objectValue == nil { return v.doubleValue.map(formatNumber) ?? v.displayText } }
            return "-"
        } + [formatTime(model.modifiedAt), model.path]
    }
    print(table(["NAME"] + columns.map(\.0) + ["SAVED", "PATH"], rows))
    return .ok
}

func lookup(_ v: JSONValue?, _ path: [String]) -> JSONValue? {
    var cur = v
    for k in path { cur = cur?[k] }
    return cur
}
