// diffctl — the client of diffusiond: submits jobs, streams their progress and shows results.
// It links only the wire protocol; everything it knows arrives over the socket.
import DiffProtocol
import Foundation

let commands: [(name: String, run: ([String]) throws -> ExitCode, summary: String)] = [
    ("train", trainCommand, "train a model on a dataset"),
    ("sample", sampleCommand, "sample a trained model"),
    ("eval", evalCommand, "metrics of a samples file against a dataset, or a policy in closed loop"),
    ("sweep", sweepCommand, "compare samplers and step counts on one model"),
    ("jobs", jobsCommand, "list jobs"),
    ("show", showCommand, "a job's configuration, timings, metrics, outputs and preview"),
    ("follow", followCommand, "stream a job's progress"),
    ("cancel", cancelCommand, "cancel a job"),
    ("resume", resumeCommand, "queue a failed or cancelled job again (training continues from its checkpoint)"),
    ("rm", rmCommand, "remove a job and its files"),
    ("prune", pruneCommand, "remove finished jobs (all, or older than a duration)"),
    ("get", getCommand, "copy a job's outputs to a directory"),
    ("models", modelsCommand, "list named models"),
    ("info", infoCommand, "daemon version, backend, device and why"),
    ("schedule", scheduleCommand, "inspect a noise schedule"),
    ("act", actCommand, "one action chunk for one observation (diffusion policies)"),
    ("export", exportCommand, "write a model's weights (safetensors or npz) and a JSON sidecar"),
    ("forward", forwardCommand, "the raw network output for given inputs (to check an export)"),
    ("logs", logsCommand, "a job's log lines (-f: keep following)"),
    ("wait", waitCommand, "wait for a job to end (exit status = its outcome)"),
    ("completion", completionCommand, "bash or zsh completion script"),
]

let mainHelp = """
usage: diffctl [--socket PATH] [--json] [--no-color] [--version] COMMAND [opts]
       diffctl --host ssh://[user@]box[:port] COMMAND [opts]
       (or DIFFUSIOND_SOCKET=PATH / DIFFUSIOND_HOST=ssh://…; NO_COLOR=1)

Talks to a running diffusiond. Commands:
\(commands.map { "  " + $0.name.padding(toLength: 11, withPad: " ", startingAt: 0) + fitted($0.summary, width: 67) }.joined(separator: "\n"))

Every command has --help with examples. Exit status: 0 ok, 1 job failed,
2 usage, 3 no daemon, 4 request refused, 5 job cancelled, 6 protocol error,
130 detached from follow.

examples:
  diffusiond &
  diffctl train --dataset ring8 --steps 3000 --name ring --follow
  diffctl sample --model ring --sampler ddim --steps 50 -n 2000 --out ring.csv \\
      --follow
  diffctl jobs
  diffctl show j2
"""

/// Global options may come before the command; they are passed on to it.
func run(_ argv: [String]) -> Int32 {
    var leading: [String] = []
    var i = 0
    while i < argv.count, argv[i].hasPrefix("-") {
        let a = argv[i]
        if a == "-h" || a == "--help" { print(mainHelp); return 0 }
        if a == "--version" { print(clientVersion); return 0 }
        if a == "--no-color" { noColorFlag = true }
        leading.append(a)
        if a == "--socket" || a == "--host" || a == "--ssh-option" {
            guard i + 1 < argv.count else { printError("\(a) needs a value"); return 2 }
            leading.append(argv[i + 1]); i += 1
        }
        i += 1
    }
    guard i < argv.count else { print(mainHelp); return ExitCode.usage.rawValue }
    let name = argv[i]
    if name == "help" {
        if i + 1 < argv.count, let c = commands.first(where: { $0.name == argv[i + 1] }) { return (try? c.run(["--help"]).rawValue) ?? 0 }
        print(mainHelp); return 0
    }
    guard let command = commands.first(where: { $0.name == name }) else {
        printError("unknown command '\(name)' (commands: \(commands.map(\.name).joined(separator: ", ")); see diffctl --help)")
        return ExitCode.usage.rawValue
    }
    do {
        return try command.run(leading + Array(argv[(i + 1)...])).rawValue
    } catch let e as UsageError {
        printError("\(e.description)")
        return ExitCode.usage.rawValue
    } catch let e as ClientFailure {
        printError(e.message)
        return e.code.rawValue
    } catch {
        printError("\(error)")
        return ExitCode.protocolError.rawValue
    }
}

setvbuf(stdout, nil, _IOLBF, 0)
exit(run(Array(CommandLine.arguments.dropFirst())))
