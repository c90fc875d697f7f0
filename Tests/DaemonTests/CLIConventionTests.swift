// CLIConventionTests.swift — the CLI conventions through the real diffctl and daemon: logs,
// wait's exit status per outcome, -q printing ids only, jobs filters, NO_COLOR / --no-color (no
// escape bytes even on a terminal), every line within 80 columns with COLUMNS=80 (also the live
// bar, on a pseudo-terminal), a single final bar, defaults in --help, --version and completion.
import DiffProtocol
import Foundation
import Testing

/// Run diffctl on a pseudo-terminal (util-linux `script`), as a user at a terminal would.
private func onTerminal(_ args: [String], socket: String, env: [String: String] = [:]) throws -> CLIResult {
    let command = ([try binary("diffctl")] + args).map { "'\($0)'" }.joined(separator: " ")
    return try diffctl(["-qec", command, "/dev/null"], socket: socket, timeout: 180, executable: "/usr/bin/script",
                       env: env.merging(["TERM": "xterm", "NO_COLOR": ""]) { a, _ in a })   // not the runner's NO_COLOR
}

private func tinyTrain(_ name: String, steps: Int = 200) -> [String] {
    ["train", "--dataset", "ring8", "--steps", "\(steps)", "--batch-size", "64", "--width", "32", "--name", name, "--seed", "1"]
}

/// Text without its ANSI sequences (colours take no columns).
private func visible(_ s: String) -> String {
    s.replacingOccurrences(of: "\u{1B}\\[[0-9;]*[A-Za-z]", with: "", options: .regularExpression)
}

/// The lines as they stay on screen: each line's text after its last carriage return.
private func screenLines(_ s: String) -> [String] {
    visible(s).replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false).map { line in
        String(line.split(separator: "\r", omittingEmptySubsequences: false).last ?? "")
    }
}

@Suite(.serialized) struct CLIConventionTests {
    @Test func quietLogsWaitAndFilters() throws {
        let d = try DaemonProcess()
        defer { d.cleanup() }
        try d.start()
        let isID = { (s: Substring) in s.first == "j" && Int(s.dropFirst()) != nil }

        // -q: the id and nothing else
        let q = try diffctl(tinyTrain("quiet") + ["-q"], socket: d.socket)
        #expect(q.status == 0, "\(q.stderr)")
        let lines = q.stdout.split(separator: "\n")
        #expect(lines.count == 1 && isID(lines[0]), "-q prints only the id: \(q.stdout)")
        let trained = String(lines[0])

        // wait: exit status 0 for a job that succeeds, and its final state
        let w = try diffctl(["wait", trained], socket: d.socket, timeout: 180)
        #expect(w.status == 0, "\(w.stdout)\n\(w.stderr)\n\(d.log.suffix(1500))")
        #expect(w.stdout.contains("\(trained) succeeded"))

        // logs: the job's own lines (start, saved model, final state), no progress
        let logs = try diffctl(["logs", trained], socket: d.socket)
        #expect(logs.status == 0, "\(logs.stderr)")
        #expect(logs.stdout.contains("saved model 'quiet@1'") && logs.stdout.contains("succeeded"), "\(logs.stdout)")
        let logsJSON = try diffctl(["logs", trained, "--json"], socket: d.socket)
        let kinds = Set(logsJSON.stdout.split(separator: "\n").compactMap { try? JSONDecoder().decode(JobEventMessage.self, from: Data($0.utf8)).kind })
        #expect(!kinds.isEmpty && !kinds.contains("progress"), "logs has no progress events: \(kinds)")
        // logs -f on a finished job prints the same and exits with its outcome
        let logsF = try diffctl(["logs", "-f", trained], socket: d.socket)
        #expect(logsF.status == 0 && logsF.stdout == logs.stdout, "\(logsF.stdout)\n\(logsF.stderr)")

        // a job that fails in the run (a data row that is not a number): wait exits 1
        let csv = d.dir + "/bad.csv"
        let rows = (0..<200).map { i in i == 150 ? "1.0,oops" : "\(Double(i) * 0.01),\(Double(i) * -0.02)" }
        try ("x,y\n" + rows.joined(separator: "\n") + "\n").write(toFile: csv, atomically: true, encoding: .utf8)
        let badSub = try diffctl(["train", "--dataset", csv, "--steps", "50", "--name", "bad", "-q"], socket: d.socket)
        if badSub.status == 0 {
            let badID = badSub.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let wf = try diffctl(["wait", badID], socket: d.socket, timeout: 180)
            #expect(wf.status == 1, "a failed job: wait exits 1: \(wf.stdout) \(wf.stderr)")
            #expect(wf.stdout.contains("\(badID) failed"))
        } else {
            // refused at submit instead (a checked header and rows): then it is no job at all
            #expect(badSub.status == 4, "\(badSub.stderr)")
        }

        // a cancelled job: wait exits 5
        let long = try diffctl(tinyTrain("long", steps: 1_000_000) + ["-q"], socket: d.socket)
        let longID = long.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(long.status == 0 && isID(Substring(longID)))
        #expect(try diffctl(["cancel", longID], socket: d.socket).status == 0)
        let wc = try diffctl(["wait", longID], socket: d.socket, timeout: 180)
        #expect(wc.status == 5, "a cancelled job: wait exits 5: \(wc.stdout) \(wc.stderr)")
        #expect(try diffctl(["wait", "j999"], socket: d.socket).status == 4, "an unknown job is refused")

        // jobs filters and -q
        let all = try diffctl(["jobs", "-q"], socket: d.socket).stdout.split(separator: "\n")
        #expect(all.count >= 2 && all.allSatisfy(isID), "jobs -q: ids only: \(all)")
        let succeeded = try diffctl(["jobs", "-q", "--state", "succeeded"], socket: d.socket).stdout.split(separator: "\n").map(String.init)
        #expect(succeeded == [trained])
        let cancelled = try diffctl(["jobs", "-q", "--state", "cancelled"], socket: d.socket).stdout.split(separator: "\n").map(String.init)
        #expect(cancelled == [longID])
        let both = try diffctl(["jobs", "-q", "--state", "succeeded,cancelled"], socket: d.socket).stdout.split(separator: "\n")
        #expect(both.count == 2)
        #expect(try diffctl(["jobs", "-q", "--kind", "sample"], socket: d.socket).stdout.isEmpty)
        #expect(try diffctl(["jobs", "-q", "--kind", "train", "--model", "long"], socket: d.socket).stdout
            .split(separator: "\n").map(String.init) == [longID])
        let table = try diffctl(["jobs", "--model", "quiet"], socket: d.socket)
        #expect(table.stdout.contains(trained) && !table.stdout.contains(longID + " "), "\(table.stdout)")
        #expect(try diffctl(["jobs", "--state", "bogus"], socket: d.socket).status == 2)
    }

    @Test func colourWidthAndTheFinalBar() throws {
        let d = try DaemonProcess()
        defer { d.cleanup() }
        try d.start()
        let env = ["COLUMNS": "80"]
        // a live run on a terminal, 80 columns wide: the bar fits, and the final bar is there once
        let live = try onTerminal(tinyTrain("wide", steps: 300) + ["--follow"], socket: d.socket, env: env)
        #expect(live.status == 0, "\(live.stderr)")
        let screen = screenLines(live.stdout)
        let barLines = screen.filter { $0.contains("300/300") }
        #expect(barLines.count == 1, "the final bar shows once (\(barLines.count) times)")
        // (Swift takes "\r\n" for one character: make it "\n" before splitting at either)
        for l in visible(live.stdout).replacingOccurrences(of: "\r\n", with: "\n").split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            #expect(l.count <= 80, "live line over 80 columns: '\(l)'")
        }
        let id = try #require(try diffctl(["jobs", "-q"], socket: d.socket).stdout.split(separator: "\n").first.map(String.init))

        // every line of the tables, show, logs and help fits 80 columns (truncated, not wrapped)
        let commands: [[String]] = [["jobs"], ["jobs", "--metrics"], ["show", id], ["logs", id], ["models"], ["--help"],
                                    ["train", "--help"], ["sample", "--help"], ["sweep", "--help"], ["eval", "--help"], ["jobs", "--help"]]
        for args in commands {
            let r = try diffctl(args, socket: d.socket, env: env)
            #expect(r.status == 0, "\(args): \(r.stderr)")
            for l in r.stdout.split(separator: "\n") where l.count > 80 {
                Issue.record("\(args.joined(separator: " ")): line of \(l.count) columns: '\(l)'")
            }
        }
        // ... and the limit is the width, not a constant: a line cut at 40 columns stands whole at 300
        // (which lines are long depends on the machine, e.g. the backend line, so they are paired up)
        let narrow = try diffctl(["show", id], socket: d.socket, env: ["COLUMNS": "40"]).stdout.split(separator: "\n")
        let wide = try diffctl(["show", id], socket: d.socket, env: ["COLUMNS": "300"]).stdout.split(separator: "\n")
        #expect(narrow.count == wide.count && narrow.allSatisfy { $0.count <= 40 }, "\(narrow)")
        let cutThenWhole = zip(narrow, wide).filter { n, w in w.count > 40 && !w.hasSuffix("…") && n == w.prefix(39) + "…" }
        #expect(!cutThenWhole.isEmpty, "no line of show is cut at 40 columns and whole at 300: \(wide)")

        // colour: the preview on a terminal is coloured, unless NO_COLOR or --no-color
        let coloured = try onTerminal(["show", id], socket: d.socket)
        // (booleans, not the outputs, in the expectations: raw terminal output garbles the test log)
        let hasColour = coloured.stdout.contains("\u{1B}[")
        #expect(hasColour, "the preview has colour on a terminal (else this test proves nothing)")
        let noColor = try onTerminal(["show", id], socket: d.socket, env: ["NO_COLOR": "1"])
        let noColorClean = noColor.status == 0 && !noColor.stdout.isEmpty && !noColor.stdout.contains("\u{1B}")
        #expect(noColorClean, "NO_COLOR: no escape bytes")
        let flag = try onTerminal(["--no-color", "show", id], socket: d.socket)
        let flagClean = flag.status == 0 && !flag.stdout.isEmpty && !flag.stdout.contains("\u{1B}")
        #expect(flagClean, "--no-color: no escape bytes")
        let followed = try onTerminal(["--no-color"] + tinyTrain("plain", steps: 100) + ["--follow"], socket: d.socket, env: ["NO_COLOR": "1"])
        let followedClean = followed.status == 0 && !followed.stdout.contains("\u{1B}")
        #expect(followedClean, "a live bar without colour has no escape bytes")
    }

    @Test func versionHelpDefaultsAndCompletion() throws {
        let v = try diffctl(["--version"], socket: nil)
        #expect(v.status == 0 && v.stdout.hasPrefix("diffctl ") && v.stdout.split(separator: "\n").count == 1, "\(v.stdout)")

        // defaults in --help come from the table the daemon's resolution is tested against
        let help = try diffctl(["train", "--help"], socket: nil, env: ["COLUMNS": "200"])
        for (flag, key) in [("--steps", "steps"), ("--lr", "lr"), ("--width", "width"), ("--ema-decay", "emaDecay")] {
            // the option's entry: its line and the wrapped lines after it, up to the next option
            let start = try #require(help.stdout.range(of: "\n  \(flag) "), "\(flag) in train --help")
            let rest = help.stdout[start.upperBound...]
            let entry = rest[..<(rest.range(of: "\n  -")?.lowerBound ?? rest.endIndex)]
                .split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ")
            let value = try #require(SpecDefaults.train[key]).displayText
            #expect(entry.contains("(default: \(value))"), "\(flag) shows its default \(value): \(entry)")
        }
        let sample = try diffctl(["sample", "--help"], socket: nil)
        #expect(sample.stdout.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ")
            .contains("(default: \(SpecDefaults.sample["count"]!.displayText))"))

        // completion: a bash script bash accepts, naming the commands and their options
        let bash = try diffctl(["completion", "bash"], socket: nil)
        #expect(bash.status == 0 && bash.stdout.contains("complete -o filenames -F _diffctl diffctl"))
        #expect(bash.stdout.contains("logs") && bash.stdout.contains("--dry-run") && bash.stdout.contains("--guidance"))
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try bash.stdout.write(toFile: dir + "/diffctl.bash", atomically: true, encoding: .utf8)
        let check = Process()
        check.executableURL = URL(fileURLWithPath: "/bin/bash")
        check.arguments = ["-n", dir + "/diffctl.bash"]
        try check.run(); check.waitUntilExit()
        #expect(check.terminationStatus == 0, "bash -n accepts the completion script")
        // and it completes: COMP_WORDS for `diffctl tr` offers train
        let run = Process()
        run.executableURL = URL(fileURLWithPath: "/bin/bash")
        run.arguments = ["-c", "source \(dir)/diffctl.bash; COMP_WORDS=(diffctl tr); COMP_CWORD=1; _diffctl; echo \"${COMPREPLY[*]}\" > \(dir)/out"]
        try run.run(); run.waitUntilExit()
        #expect((try? String(contentsOfFile: dir + "/out", encoding: .utf8))?.contains("train") == true)
        let zsh = try diffctl(["completion", "zsh"], socket: nil)
        #expect(zsh.status == 0 && zsh.stdout.hasPrefix("#compdef diffctl"))
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/zsh") {
            try zsh.stdout.write(toFile: dir + "/_diffctl", atomically: true, encoding: .utf8)
            let z = Process()
            z.executableURL = URL(fileURLWithPath: "/usr/bin/zsh")
            z.arguments = ["-n", dir + "/_diffctl"]
            try z.run(); z.waitUntilExit()
            #expect(z.terminationStatus == 0, "zsh -n accepts the completion script")
        }
        #expect(try diffctl(["completion", "fish"], socket: nil).status == 2)
    }
}
