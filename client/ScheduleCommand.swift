// ScheduleCommand.swift — `diffctl schedule`: inspect a noise schedule (ᾱ, SNR, warnings).
import DiffProtocol
import Foundation

let scheduleOptions: [OptionSpec] = [
    OptionSpec(["--schedule"], "schedule", .string, "linear|cosine", "schedule kind"),
    OptionSpec(["--timesteps"], "timesteps", .int, "T", "number of diffusion steps"),
    OptionSpec(["--beta-start"], "betaStart", .number, "B", "β at t = 1 (linear)"),
    OptionSpec(["--beta-end"], "betaEnd", .number, "B", "β at t = T (linear)"),
    OptionSpec(["--zero-terminal-snr"], "zeroTerminalSNR", .flag, "", "rescale so ᾱ_T = 0"),
    OptionSpec(["--plot"], "plot", .setting, "FILE.svg", "also write √ᾱ_t, √(1−ᾱ_t) and SNR over t beside the default linear and cosine schedules"),
]

let scheduleHelp = helpText(
    usage: "diffctl schedule [--schedule linear|cosine] [--timesteps T] [--beta-start B] [--beta-end B] [--zero-terminal-snr] [--plot FILE.svg] [--json]",
    summary: "Print a noise schedule: ᾱ_t, the signal scale √ᾱ_t, the noise scale √(1−ᾱ_t) and the SNR at sampled t, with warnings.",
    options: scheduleOptions,
    examples: ["diffctl schedule --schedule cosine --timesteps 1000",
               "diffctl schedule --schedule linear --beta-end 0.01   # warns: does not reach noise",
               "diffctl schedule --schedule cosine --zero-terminal-snr --plot schedules.svg"])

func scheduleCommand(_ argv: [String]) throws -> ExitCode {
    let args = try parseArguments(argv, options: scheduleOptions)
    if args.help { print(scheduleHelp); return .ok }
    guard args.positionals.isEmpty else { throw UsageError(description: "unexpected argument '\(args.positionals[0])'") }
    let conn = try openSession(args)
    let plotPath = args.settings["plot"]
    guard case .schedule(let r) = try call(conn, .schedule(ScheduleRequest(spec: .object(args.spec), plot: plotPath != nil))) else {
        throw fail(.protocolError, "unexpected reply to schedule")
    }
    if let plotPath {
        guard let svg = r.svg else { throw fail(.protocolError, "the daemon sent no plot (is it older than this client?)") }
        do { try Data(svg.utf8).write(to: URL(fileURLWithPath: plotPath), options: .atomic) } catch {
            throw fail(.usage, "cannot write \(plotPath): \(error.localizedDescription)")
        }
        if !args.json { print("plot written to \(plotPath)") }
    }
    if args.json { printJSON(r.schedule); return .ok }
    let s = r.schedule
    print("\(s.schedule) schedule, T = \(s.timesteps)")
    print(String(format: "ᾱ_1 = %.6g   ᾱ_T = %.6g   SNR from %.4g down to %.4g", s.alphaBarFirst, s.alphaBarLast, s.snrMax, s.snrMin))
    let rows = s.rows.map { row in row.enumerated().map { $0.offset == 0 ? String(Int($0.element)) : String(format: "%.5g", $0.element) } }
    print(table(["t", "beta", "ᾱ_t", "√ᾱ_t", "√(1−ᾱ_t)", "SNR"], rows))
    let scale = s.rows.compactMap { $0.count > 3 ? $0[3] : nil }
    if scale.count > 1 { print("√ᾱ_t over t: " + sparkline(scale, width: 60)) }
    for w in s.warnings { print("warning: \(w)") }
    return .ok
}
