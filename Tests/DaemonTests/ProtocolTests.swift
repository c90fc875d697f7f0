// ProtocolTests.swift — the wire format on its own: framing and the size limit, request parsing
// and its error messages, response round trips, harmless decoding of unknown types and codes.
import DiffProtocol
import Foundation
import Testing

@Suite struct FramingTests {
    @Test func splitsLinesAcrossChunks() {
        var f = LineFramer(limit: 100)
        #expect(f.append(Data("{\"a\":1}\n{\"b\"".utf8)) == [.line(Data("{\"a\":1}".utf8))])
        #expect(f.append(Data(":2}\n\n".utf8)) == [.line(Data("{\"b\":2}".utf8)), .line(Data())])
        #expect(f.pendingBytes == 0)
    }

    @Test func oversizedLineIsReportedOnceThenStreamRecovers() {
        var f = LineFramer(limit: 10)
        #expect(f.append(Data(repeating: 0x41, count: 8)).isEmpty)
        #expect(f.append(Data(repeating: 0x41, count: 8)).isEmpty)      // over the limit: discarding
        #expect(f.append(Data(repeating: 0x41, count: 1000)).isEmpty)
        let frames = f.append(Data("AA\nok\n".utf8))
        #expect(frames == [.oversized(bytes: 1018), .line(Data("ok".utf8))])
    }

    @Test func lineExactlyAtTheLimitPasses() {
        var f = LineFramer(limit: 4)
        #expect(f.append(Data("abcd\nabcde\n".utf8)) == [.line(Data("abcd".utf8)), .oversized(bytes: 5)])
    }
}

@Suite struct RequestParsingTests {
    func decodeError(_ text: String) -> ProtocolError? {
        do { _ = try Request.decode(line: Data(text.utf8)); return nil } catch { return error as? ProtocolError }
    }

    @Test func roundTripsEveryRequest() throws {
        let bodies: [RequestBody] = [
            .hello(Hello(version: 1, client: "t")), .submit(SubmitRequest(spec: .object(["kind": .string("train"), "steps": .int(5)]), follow: true)),
            .jobs, .show(ShowRequest(job: "j1", previewWidth: 40, previewHeight: 10, events: 3)), .follow(JobRequest(job: "j2")),
            .cancel(JobRequest(job: "j3")), .remove(JobRequest(job: "j4")), .models, .info,
            .schedule(ScheduleRequest(spec: .object(["schedule": .string("cosine")]))),
        ]
        for (i, b) in bodies.enumerated() {
            var line = Wire.line(Request(id: i, b))
            #expect(line.last == 0x0A)
            line.removeLast()
            #expect(try Request.decode(line: line) == Request(id: i, b))
        }
    }

    @Test func badJSONSaysSo() throws {
        let e = try #require(decodeError("{\"type\": "))
        #expect(e.code == .badJSON)
        #expect(e.message.contains("not valid JSON"))
        #expect(decodeError("\u{1}\u{2}garbage")?.code == .badJSON)
        let notUTF8 = Data([0xFF, 0xFE, 0x7B])
        #expect(throws: ProtocolError.self) { try Request.decode(line: notUTF8) }
    }

    @Test func unknownTypeNamesItAndTheKnownOnes() throws {
        let e = try #require(decodeError(#"{"id":4,"type":"frobnicate"}"#))
        #expect(e.code == .unknownType)
        #expect(e.message.contains("frobnicate") && e.message.contains("submit"))
        #expect(Request.idOf(line: Data(#"{"id":4,"type":"frobnicate"}"#.utf8)) == 4)
    }

    @Test func wrongFieldTypesNameTheField() throws {
        let e = try #require(decodeError(#"{"id":1,"type":"show","job":42}"#))
        #expect(e.code == .invalidRequest)
        #expect(e.message.contains("'job'") && e.message.contains("string"))
        let missing = try #require(decodeError(#"{"type":"follow"}"#))
        #expect(missing.message.contains("missing field 'job'"))
        #expect(decodeError(#"{"type":"hello","version":"one"}"#)?.field == "version")
        #expect(decodeError(#"{"id":"abc","type":"jobs"}"#)?.field == "id")
        #expect(decodeError(#"[1,2,3]"#)?.code == .invalidRequest)
        #expect(decodeError(#"{"id":1}"#)?.field == "type")
    }

    @Test func unknownFieldsAreIgnored() throws {
        let r = try Request.decode(line: Data(#"{"id":9,"type":"follow","job":"j1","future":{"x":1}}"#.utf8))
        #expect(r == Request(id: 9, .follow(JobRequest(job: "j1"))))
    }
}

@Suite struct ResponseTests {
    func roundTrip(_ r: Response) throws -> Response {
        try JSONDecoder().decode(Response.self, from: Wire.line(r))
    }

    @Test func roundTripsResponsesAndEvents() throws {
        var job = JobInfo(id: "j1", kind: "train", state: .running)
        job.step = 10; job.total = 100; job.loss = 0.5; job.spec = .object(["kind": .string("train")])
        var ev = JobEventMessage(job: "j1", kind: "progress", time: 1)
        ev.step = 10; ev.loss = 0.25
        let all: [Response] = [
            Response(id: 1, .hello(HelloReply(version: 1, daemon: "d", pid: 3))),
            Response(id: 2, .submitted(JobReply(job: job))),
            Response(id: 3, .jobs(JobListReply(jobs: [job]))),
            Response(id: 4, .job(ShowReply(job: job, preview: "⣿", events: [ev]))),
            Response(id: 5, .following(FollowReply(job: job, recentLosses: [1, 0.5]))),
            Response(id: 6, .removed(RemovedReply(job: "j1"))),
            Response(id: 7, .models(ModelsReply(models: [ModelInfo(name: "m", path: "/p", modifiedAt: 2, metadata: .object(["steps": .int(5)]))]))),
            .error(id: 8, ProtocolError(.notFound, "no job", field: "job")),
            .event(ev),
        ]
        for r in all { #expect(try roundTrip(r) == r) }
    }

    @Test func unknownTypesAndCodesDecodeHarmlessly() throws {
        let unknown = try JSONDecoder().decode(Response.self, from: Data(#"{"id":3,"type":"telemetry","x":1}"#.utf8))
        #expect(unknown == Response(id: 3, .unknown("telemetry")))
        let future = try JSONDecoder().decode(Response.self, from: Data(#"{"type":"error","error":{"code":"quota_exceeded","message":"m","extra":1}}"#.utf8))
        #expect(future.protocolError?.code == ErrorCode("quota_exceeded"))
        let state = try JSONDecoder().decode(JobInfo.self, from: Data(#"{"id":"j1","kind":"train","state":"paused","newField":true}"#.utf8))
        #expect(state.state.rawValue == "paused" && !state.state.isTerminal)
    }

    @Test func jsonValueKeepsIntegersExact() throws {
        let v = try JSONDecoder().decode(JSONValue.self, from: Data(#"{"seed":9007199254740993,"lr":0.001,"ok":true,"l":[1,"a",null]}"#.utf8))
        #expect(v["seed"] == .int(9007199254740993))
        #expect(v["lr"] == .double(0.001))
        #expect(v["ok"] == .bool(true))
        #expect(v["l"] == .array([.int(1), .string("a"), .null]))
        #expect(try JSONDecoder().decode(JSONValue.self, from: v.jsonData()) == v)
    }
}
