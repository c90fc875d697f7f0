// PolicyAndScheduleTests.swift — the daemon's direct answers: `act` returns one action chunk for
// one observation of a policy model (and refuses bad observations and non-policy models), and
// `schedule --plot` writes an SVG of the schedules side by side.
import DiffProtocol
import Foundation
import DiffusionCore
import Testing

@Suite(.serialized) struct PolicyAndScheduleTests {
    @Test func actAnswersOneObservationWithOneChunk() throws {
        let d = try DaemonProcess()
        defer { d.cleanup() }
        try d.start()
        let c = try d.connect()
        let policy = try submit(c, .object(["kind": .string("train"), "dataset": .string("policy_obstacle"), "steps": .int(200),
                                            "batchSize": .int(128), "width": .int(64), "name": .string("pol"), "datasetSize": .int(1000)]))
        #expect(try follow(d, policy.id).events.last?.state == .succeeded, "\(d.log)")
        let ring = try submit(c, trainSpec(name: "ring", steps: 50))
        #expect(try follow(d, ring.id).events.last?.state == .succeeded)

        guard case .action(let a) = try c.call(.act(ActRequest(model: "pol", observation: [0, 0, 0, 4], seed: 1)), timeout: 30) else {
            Issue.record("act did not answer 'action'"); return
        }
        #expect(a.action.count == 32 && a.action.allSatisfy { $0.isFinite })
        #expect(a.steps == 10 && a.sampler == "ddim" && a.microseconds > 0)
        guard case .action(let again) = try c.call(.act(ActRequest(model: "pol", observation: [0, 0, 0, 4], seed: 1)), timeout: 30) else {
            Issue.record("second act did not answer"); return
        }
        #expect(again.action == a.action)
        // the obstacle task's verdict on the chunk, as the task's own checks see it
        let check = try #require(a.check)
        let chunk = a.action.map { Float($0) }, obs: [Float] = [0, 0, 0, 4]
        #expect(check.collides == PolicyTask.collides(chunk: chunk, observation: obs))
        #expect(check.reachesGoal == PolicyTask.reachesGoal(chunk: chunk, observation: obs))
        #expect(check.side == PolicyTask.side(chunk: chunk, observation: obs).map { $0 == PolicyTask.left ? "left" : "right" })
        let text = try diffctl(["act", "--model", "pol", "--observation", "0,0,0,4"], socket: d.socket)
        #expect(text.stdout.contains("the obstacle") && text.stdout.contains("the goal"), "\(text.stdout)")

        // wrong observation size, a model without observations, an unknown model: errors, daemon stays up
        for (request, field) in [(ActRequest(model: "pol", observation: [1, 2]), "observation"),
                                 (ActRequest(model: "ring", observation: [0, 0, 0, 4]), "model")] {
            do {
                _ = try c.call(.act(request), timeout: 30)
                Issue.record("expected an error for \(request)")
            } catch let e as ProtocolError {
                #expect(e.field == field, "\(e)")
            }
        }
        #expect(throws: ProtocolError.self) { _ = try c.call(.act(ActRequest(model: "nope", observation: [0, 0, 0, 4])), timeout: 30) }
        // the daemon is still serving
        guard case .action = try c.call(.act(ActRequest(model: "pol", observation: [0.1, 0, 0, 4])), timeout: 30) else {
            Issue.record("act after errors did not answer"); return
        }
        // the CLI prints the chunk
        let cli = try diffctl(["act", "--model", "pol", "--observation", "0,0,0,4", "--json"], socket: d.socket)
        #expect(cli.status == 0, "\(cli.stderr)")
        #expect(cli.stdout.contains("\"action\""))
    }

    @Test func schedulePlotIsWrittenAsSVG() throws {
        let d = try DaemonProcess()
        defer { d.cleanup() }
        try d.start()
        let path = d.dir + "/schedules.svg"
        let r = try diffctl(["schedule", "--schedule", "cosine", "--plot", path], socket: d.socket)
        #expect(r.status == 0, "\(r.stderr)")
        let svg = try String(contentsOfFile: path, encoding: .utf8)
        #expect(svg.contains("<svg") && svg.contains("cosine") && svg.contains("linear"))
    }
}
