// PolicyLatency.swift — latency of one policy request through the daemon socket (issue 6): one
// observation in, a 16-step action chunk out, DDIM with 10 steps, on the CPU backend. diffbench
// trains a policy_obstacle model of the default size into a temporary state directory, starts the
// diffusiond next to it, and times request → reply round trips over the Unix socket (p50, p99).
// It speaks the newline-delimited JSON wire directly (diffbench does not link the protocol module).
import DiffusionCore
import Foundation
import Jobs
#if canImport(Glibc)
import Glibc
#endif

enum PolicyLatency {
    static func measure(quick: Bool, log: (String) -> Void) -> (Double, Double)? {
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let daemonPath = exe.deletingLastPathComponent().appendingPathComponent("diffusiond").path
        guard FileManager.default.isExecutableFile(atPath: daemonPath) else {
            log("policy latency: skipped, no diffusiond next to diffbench (\(daemonPath)); build all products first")
            return nil
        }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("diffbench-policy-\(getpid())")
        defer { try? FileManager.default.removeItem(at: root) }
        let state = root.appendingPathComponent("state")
        do {
            // a policy of the default model size (speed does not depend on how well it is trained)
            var spec = JobSpec(kind: .train)
            spec.dataset = "policy_obstacle"; spec.name = "policy"; spec.steps = quick ? 50 : 200; spec.datasetSize = 2000
            let ctx = JobContext(jobID: "bench", jobDir: root.appendingPathComponent("job"),
                                 modelsDir: state.appendingPathComponent("models"), backend: .cpu)
            _ = try JobRunner.run(spec, context: ctx)
        } catch {
            log("policy latency: could not train the policy model: \(error)")
            return nil
        }
        if ProcessInfo.processInfo.environment["DIFFBENCH_POLICY_INPROCESS"] != nil {
            // the engine alone, without the socket (for profiling)
            let server = PolicyServer(backend: JobReports.policyBackend(), modelsDir: state.appendingPathComponent("models"))
            var us: [Double] = []
            for i in 0..<(quick ? 200 : 2000) {
                if let a = try? server.act(model: "policy", observation: [0.05, -0.02, 0, 4], seed: UInt64(i)) { us.append(a.microseconds) }
            }
            us.sort()
            log(String(format: "policy act in process: p50 %.1f µs, p99 %.1f µs", us[us.count / 2], us[us.count * 99 / 100]))
            return nil
        }
        let socketPath = root.appendingPathComponent("d.sock").path
        let daemon = Process()
        daemon.executableURL = URL(fileURLWithPath: daemonPath)
        daemon.arguments = ["--socket", socketPath, "--state-dir", state.path, "--backend", "cpu"]
        daemon.standardOutput = FileHandle.nullDevice
        daemon.standardError = FileHandle.nullDevice
        do { try daemon.run() } catch { log("policy latency: cannot start diffusiond: \(error)"); return nil }
        defer { daemon.terminate(); daemon.waitUntilExit() }
        guard let conn = LineSocket(path: socketPath, waitSeconds: 10) else {
            log("policy latency: diffusiond did not open its socket"); return nil
        }
        defer { conn.close() }
        guard conn.request(#"{"id":0,"type":"hello","version":1,"client":"diffbench"}"#)?.contains("\"hello\"") == true else {
            log("policy latency: no hello from diffusiond"); return nil
        }
        let count = quick ? 50 : 500
        var times: [Double] = []
        for i in 0..<(count + 20) {
            let line = #"{"id":\#(i + 1),"type":"act","model":"policy","observation":[0.05,-0.02,0,4],"steps":10,"seed":\#(i)}"#
            let start = DispatchTime.now().uptimeNanoseconds
            guard let reply = conn.request(line), reply.contains("\"action\"") else {
                log("policy latency: bad reply to act"); return nil
            }
            if i >= 20 { times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6) }   // 20 warm-up requests
        }
        times.sort()
        let p50 = times[times.count / 2], p99 = times[min(times.count - 1, Int(Double(times.count) * 0.99))]
        log(String(format: "policy request (1 obs → 16×2 chunk, DDIM-10, socket round trip): p50 %.3f ms, p99 %.3f ms (%d requests)", p50, p99, count))
        return (p50, p99)
    }
}

/// A blocking Unix-socket client that sends one line and reads one line back.
final class LineSocket {
    private let fd: Int32
    private var buffer: [UInt8] = []

    init?(path: String, waitSeconds: Double) {
        let deadline = Date().addingTimeInterval(waitSeconds)
        var connected: Int32 = -1
        while Date() < deadline {
            let s = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            var addr = sockaddr_un()
            addr.sun_family = sa_family_t(AF_UNIX)
            let bytes = Array(path.utf8)
            guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else { Glibc.close(s); return nil }
            withUnsafeMutableBytes(of: &addr.sun_path) { raw in
                for (i, b) in bytes.enumerated() { raw[i] = b }
                raw[bytes.count] = 0
            }
            let rc = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(s, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            if rc == 0 { connected = s; break }
            Glibc.close(s)
            usleep(50_000)
        }
        guard connected >= 0 else { return nil }
        fd = connected
    }

    func request(_ line: String) -> String? {
        let out = Array((line + "\n").utf8)
        var sent = 0
        while sent < out.count {
            let n = out[sent...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n <= 0 { return nil }
            sent += n
        }
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            if let nl = buffer.firstIndex(of: 0x0A) {
                let lineBytes = Array(buffer[..<nl])
                buffer.removeSubrange(...nl)
                return String(decoding: lineBytes, as: UTF8.self)
            }
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { return nil }
            buffer += chunk[..<n]
        }
    }

    func close() { Glibc.close(fd) }
}
