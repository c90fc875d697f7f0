// ActCommand.swift — `diffctl act`: ask a policy model for one action chunk for one observation,
// answered directly by the daemon (no job), as a robot's control loop would.
import DiffProtocol
import Foundation

let actOptions: [OptionSpec] = [
    OptionSpec(["--model", "-m"], "model", .string, "MODEL", "a model trained with conditioning vectors (e.g. on policy_obstacle or policy_maze)"),
    OptionSpec(["--observation", "--obs"], "observation", .numberList, "V1,V2,...", "the observation, in the data's units (policy_maze: x_prev,y_prev,x,y,gx,gy)"),
    OptionSpec(["--sampler"], "sampler", .string, "NAME", "sampler (default ddim; flow-euler for flow models)"),
    OptionSpec(["--steps"], "steps", .int, "N", "sampler steps (default 10)"),
    OptionSpec(["--seed"], "seed", .uint, "S", "random seed (same seed, same chunk)"),
]

let actHelp = helpText(
    usage: "diffctl act --model MODEL --observation V1,V2,... [--sampler NAME] [--steps N] [--seed S] [--json]",
    summary: "Sample one action chunk for one observation from a diffusion policy. Prints the chunk as rows of the action's dimensions (e.g. 16 waypoints × 2) and the time the daemon took.",
    options: actOptions,
    examples: ["diffctl train --dataset policy_obstacle --steps 4000 --name policy --follow",
               "diffctl act --model policy --observation 0,0,0,4",
               "diffctl act --model policy --observation 0.1,-0.05,0,4 --steps 20 --seed 3 --json",
               "diffctl act --model maze --observation 0,0,0,0,0,6"])

func actCommand(_ argv: [String]) throws -> ExitCode {
    let args = try parseArguments(argv, options: actOptions)
    if args.help { print(actHelp); return .ok }
    guard args.positionals.isEmpty else { throw UsageError(description: "unexpected argument '\(args.positionals[0])'") }
    guard case .string(let model)? = args.spec["model"] else { throw UsageError(description: "--model is required") }
    guard case .array(let values)? = args.spec["observation"], !values.isEmpty else {
        throw UsageError(description: "--observation is required, e.g. --observation 0,0,0,4")
    }
    let observation = values.compactMap { $0.doubleValue }
    let sampler: String? = { if case .string(let s)? = args.spec["sampler"] { return s }; return nil }()
    let steps = args.spec["steps"]?.intValue
    let seed = args.spec["seed"]?.intValue.map { UInt64(max($0, 0)) }
    let conn = try openSession(args)
    guard case .action(let r) = try call(conn, .act(ActRequest(model: model, observation: observation, sampler: sampler,
                                                                steps: steps, seed: seed))) else {
        throw fail(.protocolError, "unexpected reply to act")
    }
    if args.json { printJSON(r); return .ok }
    let width = r.action.count % 2 == 0 ? 2 : 1
    let rows = stride(from: 0, to: r.action.count, by: width).map { i in
        ["\(i / width)"] + (0..<width).map { String(format: "%.4f", r.action[i + $0]) }
    }
    print(table(["step"] + (0..<width).map { "a\($0)" }, rows))
    print(String(format: "%@ %d steps, %.0f µs in the daemon", r.sampler, r.steps, r.microseconds))
    if let c = r.check {
        let path = c.collides ? "collides with the obstacle" : c.side.map { "passes \($0) of the obstacle" } ?? "wavers at the obstacle"
        print("\(path); \(c.reachesGoal ? "reaches" : "misses") the goal")
    }
    return .ok
}
