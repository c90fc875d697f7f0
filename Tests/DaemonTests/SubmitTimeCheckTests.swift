// SubmitTimeCheckTests.swift — what can be checked against the model is refused at submit with
// exit 4 and the flag's name (never "submitted jN" and a failure later): --class out of range,
// --class / --guidance on an unconditional model, a flow sampler on an ε model and a diffusion
// sampler on a flow model, a --condition-file on a model that takes none, and an eval's
// --samples of another width than its --dataset.
import DiffProtocol
import Foundation
import Testing

@Suite(.serialized) struct SubmitTimeCheckTests {
    @Test func refusedAtSubmitNamingTheFlag() throws {
        let d = try DaemonProcess()
        defer { d.cleanup() }
        try d.start()
        let tiny = ["--dataset", "ring8", "--steps", "50", "--batch-size", "64", "--width", "32", "--depth", "2"]
        #expect(try diffctl(["train"] + tiny + ["--name", "plain", "--follow"], socket: d.socket).status == 0)
        #expect(try diffctl(["train"] + tiny + ["--name", "cond", "--conditional", "--follow"], socket: d.socket).status == 0)
        #expect(try diffctl(["train"] + tiny + ["--name", "fl", "--objective", "flow", "--follow"], socket: d.socket).status == 0)
        let work = d.dir + "/work"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        try "c0,c1\n1,2\n".write(toFile: work + "/cond.csv", atomically: true, encoding: .utf8)

        let cases: [([String], String)] = [
            (["--model", "cond", "--class", "99"], "--class 99 is out of range"),
            (["--model", "plain", "--class", "1"], "--class"),
            (["--model", "plain", "--guidance", "2"], "--guidance"),
            (["--model", "cond", "--guidance", "2"], "--class"),
            (["--model", "plain", "--sampler", "flow-euler"], "--sampler flow-euler"),
            (["--model", "fl", "--sampler", "ddim"], "--sampler ddim"),
            (["--model", "plain", "--condition-file", work + "/cond.csv"], "--condition-file"),
        ]
        let before = try diffctl(["jobs"], socket: d.socket).stdout
        for (args, flag) in cases {
            let r = try diffctl(["sample"] + args + ["-n", "10"], socket: d.socket)
            #expect(r.status == 4, "\(args): \(r.stdout) \(r.stderr)")
            #expect(r.stderr.contains(flag), "\(args): \(r.stderr)")
            #expect(!r.stderr.contains("classLabel") && !r.stderr.contains("conditional=true"), "\(args): \(r.stderr)")
            #expect(!r.stdout.contains("submitted"))
        }
        let sweep = try diffctl(["sweep", "--model", "plain", "--samplers", "flow-heun:5"], socket: d.socket)
        #expect(sweep.status == 4 && sweep.stderr.contains("--sampler"), "\(sweep.stderr)")
        #expect(try diffctl(["jobs"], socket: d.socket).stdout == before, "nothing was queued")
        // eval: a samples file of the wrong width for the dataset
        try "x,y,z\n1,2,3\n4,5,6\n".write(toFile: work + "/three.csv", atomically: true, encoding: .utf8)
        let eval = try diffctl(["eval", "--samples", work + "/three.csv", "--dataset", "ring8"], socket: d.socket)
        #expect(eval.status == 4 && eval.stderr.contains("--samples has 3 columns"), "\(eval.stdout) \(eval.stderr)")
        #expect(try diffctl(["jobs"], socket: d.socket).stdout == before, "nothing was queued")
        // a good one still goes through
        let ok = try diffctl(["sample", "--model", "cond", "--class", "2", "--guidance", "1", "-n", "10", "--steps", "5", "--follow"], socket: d.socket)
        #expect(ok.status == 0, "\(ok.stderr)")
    }
}
