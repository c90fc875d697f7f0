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
    let keys = ["dataset", "objective", "steps", "width", "depth", "conditional"]
    let rows = m.models.map { model -> [String] in
        [model.name] + keys.map { model.metadata?[$0]?.displayText ?? "-" } + [formatTime(model.modifiedAt), model.path]
    }
    print(table(["NAME"] + keys.map { $0.uppercased() } + ["SAVED", "PATH"], rows))
    return .ok
}
