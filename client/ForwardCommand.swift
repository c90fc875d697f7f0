// ForwardCommand.swift — `diffctl forward MODEL --input FILE.csv`: the model's raw network output
// F for rows of (x, t[, class][, cond]), in the network's own space — x is the network's input
// (c_in·x_t in normalized units), t the model time in [0, 1] — so an exported copy of the model
// can be checked against the daemon (scripts/export-check.py). diffctl reads the CSV itself and
// sends the numbers; prints F as CSV (f0, f1, …), or with --json the reply with each row's
// noise level (ᾱ, c_in and the coefficients that turn F into the prediction).
import DiffProtocol
import Foundation

let forwardOptions: [OptionSpec] = [
    OptionSpec(["--input", "-i"], "input", .path, "FILE.csv", "rows x0,…,x(d−1),t[,class][,cond…] (a header line is allowed; - reads stdin)"),
]

let forwardHelp = helpText(
    usage: "diffctl forward MODEL --input FILE.csv [--json]",
    summary: "The raw network output F of a model for given inputs, before preconditioning: each row is the network's input x (= c_in·x_t, normalized units), the model time t in [0, 1], the class label for class-conditional models (numClasses = the null class) and the conditioning vector for policy models. Prints one row of F per input row.",
    options: forwardOptions,
    examples: ["printf 'x0,x1,t\\n0.5,-1.2,0.3\\n0,0,1\\n' > in.csv && diffctl forward ring --input in.csv",
               "diffctl forward cond --input rows.csv --json"])

/// The numeric rows of a CSV text; a first line with a non-number is a header and skipped.
func readForwardRows(_ text: String, name: String) throws -> [[Double]] {
    var rows: [[Double]] = []
    for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
        let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if line.isEmpty || line.hasPrefix("#") { continue }
        let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let values = fields.map { Double($0) }
        if values.contains(where: { $0 == nil }) {
            if rows.isEmpty && i == 0 { continue }   // header
            let bad = fields[values.firstIndex(where: { $0 == nil })!]
            throw fail(.rejected, "--input \(name): line \(i + 1): '\(bad)' is not a number")
        }
        rows.append(values.map { $0! })
    }
    guard !rows.isEmpty else { throw fail(.rejected, "--input \(name): no rows of numbers") }
    return rows
}

func forwardCommand(_ argv: [String]) throws -> ExitCode {
    let args = try parseArguments(argv, options: forwardOptions)
    if args.help { print(forwardHelp); return .ok }
    guard args.positionals.count == 1 else {
        throw UsageError(description: args.positionals.isEmpty ? "forward needs a MODEL (see diffctl models)"
                         : "unexpected argument '\(args.positionals[1])' (see diffctl forward --help)")
    }
    guard let input = args.spec["input"]?.stringValue, !input.isEmpty else {
        throw UsageError(description: "forward needs --input FILE.csv (rows x0,…,t[,class])")
    }
    let fromStdin = input.hasSuffix("/-") && !FileManager.default.fileExists(atPath: input)
    let name = fromStdin ? "-" : input
    let data: Data
    if fromStdin { data = FileHandle.standardInput.readDataToEndOfFile() } else {
        guard let d = FileManager.default.contents(atPath: input) else { throw fail(.rejected, "--input: cannot read '\(input)'") }
        data = d
    }
    let rows = try readForwardRows(String(decoding: data, as: UTF8.self), name: name)
    let conn = try openSession(args)
    let reply: ResponseBody
    do { reply = try conn.call(.forward(ForwardRequest(model: args.positionals[0], rows: rows)), timeout: 120) } catch let e as ProtocolError {
        throw fail(.rejected, e.field == "rows" ? "--input \(name): " + e.message.replacingOccurrences(of: "invalid parameter 'rows': ", with: "") : e.message)
    } catch let e as ConnectError {
        throw fail(.noDaemon, "the daemon went away: \(e)")
    }
    guard case .forwarded(let r) = reply else { throw unexpected(reply) }
    if args.json { printJSON(r); return .ok }
    let d = r.output.first?.count ?? 0
    print((0..<d).map { "f\($0)" }.joined(separator: ","))
    for row in r.output { print(row.map { "\(Float($0))" }.joined(separator: ",")) }
    return .ok
}
