// diffbench — measures the engine: matmul GFLOP/s, reference training steps/s, sampling time
// for 10,000 points (DDIM-50, DDPM-1000), on the CPU backend and on Vulkan when a device is
// usable, and the policy request latency through the daemon socket.
//
//   swift run -c release diffbench [--json] [--backend cpu|vulkan|all] [--only ops,matmul,train,sample,policy,longrun,quality] [--quick] [--seconds N] [--datasets A,B] [--objectives eps,v] [--samples N] [--set key=value]
import DiffusionCore
import Foundation
import Jobs

struct BenchOptions {
    var json = false
    var backends: [BackendChoice] = [.cpu, .vulkan]
    var only: Set<String> = ["matmul", "train", "sample", "policy"]
    var quick = false
    var seconds = 120.0
    /// quality: datasets, objectives, samples per sampler, train-spec overrides
    var datasets: [String]? = nil
    var objectives: [Objective]? = nil
    var samples = 10_000
    var overrides: [String] = []
}

func parseOptions() -> BenchOptions {
    var o = BenchOptions()
    var args = CommandLine.arguments.dropFirst().makeIterator()
    func fail(_ m: String) -> Never {
        FileHandle.standardError.write(Data("diffbench: \(m)\nusage: diffbench [--json] [--backend cpu|vulkan|all] [--only ops,matmul,train,sample,policy,longrun,quality] [--quick] [--seconds N] [--datasets A,B] [--objectives eps,v] [--samples N] [--set key=value]\n".utf8))
        exit(2)
    }
    while let a = args.next() {
        switch a {
        case "--json": o.json = true
        case "--quick": o.quick = true
        case "--seconds":
            guard let v = args.next(), let n = Double(v), n >= 10 else { fail("--seconds needs a number ≥ 10") }
            o.seconds = n
        case "--backend":
            guard let v = args.next() else { fail("--backend needs a value") }
            switch v {
            case "all": o.backends = [.cpu, .vulkan]
            case "cpu": o.backends = [.cpu]
            case "vulkan": o.backends = [.vulkan]
            default: fail("unknown backend '\(v)'")
            }
        case "--only":
            guard let v = args.next() else { fail("--only needs a value") }
            o.only = Set(v.split(separator: ",").map(String.init))
            if let bad = o.only.first(where: { !["ops", "matmul", "train", "sample", "policy", "longrun", "quality"].contains($0) }) { fail("unknown workload '\(bad)'") }
        case "--datasets":
            guard let v = args.next() else { fail("--datasets needs a value") }
            o.datasets = v.split(separator: ",").map(String.init)
        case "--objectives":
            guard let v = args.next() else { fail("--objectives needs a value") }
            o.objectives = v.split(separator: ",").map { s in
                guard let ob = Objective(rawValue: String(s)) else { fail("unknown objective '\(s)'") }
                return ob
            }
        case "--samples":
            guard let v = args.next(), let n = Int(v), n >= 100 else { fail("--samples needs a number ≥ 100") }
            o.samples = n
        case "--set":
            guard let v = args.next(), v.contains("=") else { fail("--set needs key=value") }
            o.overrides.append(v)
        case "-h", "--help":
            print("usage: diffbench [--json] [--backend cpu|vulkan|all] [--only ops,matmul,train,sample,policy,longrun,quality] [--quick] [--seconds N] [--datasets A,B] [--objectives eps,v] [--samples N] [--set key=value]")
            exit(0)
        default: fail("unknown argument '\(a)'")
        }
    }
    return o
}

func log(_ o: BenchOptions, _ s: String) {
    if o.json { FileHandle.standardError.write(Data((s + "\n").utf8)) } else { print(s) }
}

let options = parseOptions()
var report: [String: Any] = [:]
var perBackend: [String: [String: Any]] = [:]
var opMismatches = 0

for choice in options.backends {
    let backend: Backend
    do {
        backend = try BackendSelection.make(BackendOptions(choice: choice)).backend
    } catch {
        log(options, "\(choice.rawValue): not available — \(error)")
        perBackend[choice.rawValue] = ["available": false, "reason": "\(error)"]
        continue
    }
    var r: [String: Any] = ["backend": backend.info.kind, "device": backend.info.deviceName,
                            "device_type": backend.info.deviceType, "detail": backend.info.detail]
    log(options, "== \(backend.info.kind): \(backend.info.deviceName) (\(backend.info.deviceType)) \(backend.info.detail)")
    let slow = backend.info.deviceType == "cpu-vulkan"   // lavapipe: correctness, not speed
    if options.only.contains("ops") {
        let (table, failed) = OpCheckReport.run(backend, log: { log(options, $0) })
        r["ops"] = table
        opMismatches += failed
    }
    if options.only.contains("matmul") {
        let gpu = backend.info.kind == "vulkan" && !slow
        let sizes = options.quick || slow ? [256, 512] : gpu ? [256, 512, 1024, 2048, 4096] : [256, 512, 1024]
        let g = benchMatmul(backend, sizes: sizes, repeats: options.quick || slow ? 3 : 7)
        var obj: [String: Double] = [:]
        for n in sizes { if let v = g[n] { obj["\(n)"] = v; log(options, String(format: "matmul %4d³         %8.1f GFLOP/s", n, v)) } }
        r["matmul_gflops"] = obj
    }
    do {
        if options.only.contains("train") {
            let steps = options.quick || slow ? 20 : 200
            let sps = try Workloads.trainStepsPerSecond(backend, steps: steps, repeats: options.quick || slow ? 1 : 5)
            r["train_steps_per_s"] = sps
            log(options, String(format: "train (reference)   %8.1f steps/s", sps))
            if let traffic = try Workloads.trainTrafficPerStep(backend, steps: 50) {
                r["train_per_step"] = traffic
                log(options, String(format: "  per step: %.2f submissions, %.1f dispatches, %.0f B to device, %.0f B from device",
                                    traffic["submissions"]!, traffic["dispatches"]!, traffic["bytes_to_device"]!, traffic["bytes_from_device"]!))
            }
        }
        if options.only.contains("sample") {
            let count = options.quick || slow ? 1000 : 10_000
            let ddim = try Workloads.samplingSeconds(backend, kind: .ddim, steps: 50, count: count, repeats: options.quick || slow ? 1 : 3)
            r["ddim50_10k_s"] = ddim * 10_000 / Double(count)
            log(options, String(format: "DDIM-50, 10k points  %7.3f s", ddim * 10_000 / Double(count)))
            let ddpmSteps = options.quick || slow ? 100 : 1000
            let ddpm = try Workloads.samplingSeconds(backend, kind: .ddpm, steps: ddpmSteps, count: count, repeats: 1)
            let scaled = ddpm * 10_000 / Double(count) * 1000 / Double(ddpmSteps)
            r["ddpm1000_10k_s"] = scaled
            log(options, String(format: "DDPM-1000, 10k points %7.2f s%@", scaled, options.quick || slow ? " (extrapolated)" : ""))
        }
    } catch {
        log(options, "\(choice.rawValue): workload failed — \(error)")
        r["error"] = "\(error)"
    }
    perBackend[choice.rawValue] = r
}

// the CPU numbers are the top-level keys; other backends sit under "backends" with ratios
if let cpu = perBackend["cpu"] {
    for (k, v) in cpu { report[k] = v }
} else if let first = perBackend.values.first {
    for (k, v) in first { report[k] = v }
}
if let vk = perBackend["vulkan"], let cpu = perBackend["cpu"],
   let a = vk["train_steps_per_s"] as? Double, let b = cpu["train_steps_per_s"] as? Double, b > 0 {
    var v = vk
    v["train_ratio_to_cpu"] = a / b
    perBackend["vulkan"] = v
    log(options, String(format: "vulkan / cpu training speed: %.3f×", a / b))
}
report["backends"] = perBackend
if options.only.contains("policy") {
    if let (p50, p99) = PolicyLatency.measure(quick: options.quick, log: { log(options, $0) }) {
        report["policy_p50_ms"] = p50
        report["policy_p99_ms"] = p99
    }
}
if options.only.contains("quality") {
    var cases = QualityReport.defaultCases
    if let ds = options.datasets { cases = cases.filter { ds.contains($0.dataset) || ds.contains($0.label.replacingOccurrences(of: "|class 12", with: "-cond")) } }
    if let os = options.objectives { cases = cases.filter { os.contains($0.objective) } }
    let rows = try QualityReport.run(cases: cases, samples: options.quick ? 2000 : options.samples, overrides: options.overrides,
                                     backend: options.backends.first ?? .cpu, log: { log(options, $0) })
    log(options, "\nquality at default settings" + (options.overrides.isEmpty ? "" : " with " + options.overrides.joined(separator: " ")) + ":")
    log(options, QualityBenchmark.format(rows))
    report["quality"] = rows.map { r -> [String: Any] in
        ["dataset": r.testCase.label, "objective": r.testCase.objective.rawValue, "sampler": r.sampler, "steps": r.steps,
         "metrics": r.metrics, "exact_high_quality": r.exactHighQuality ?? NSNull(), "train_seconds": r.trainSeconds]
    }
}
if options.only.contains("longrun") {
    let (windows, bytes) = try LongRun.measure(seconds: options.seconds, log: { log(options, $0) })
    let wall = windows.map { Double($0.steps) / max($0.end - $0.start, 1e-9) }
    let perCPU = windows.map { Double($0.steps) / max($0.cpuSeconds, 1e-9) }
    for (i, w) in windows.enumerated() {
        log(options, String(format: "longrun %6.0f–%6.0f s  %8.1f steps/s wall  %8.1f steps per CPU-second", w.start, w.end, wall[i], perCPU[i]))
    }
    if let first = perCPU.first, let last = perCPU.last, first > 0 {
        log(options, String(format: "longrun last/first window: %.3f× per CPU-second (%.3f× wall); loss.csv %d bytes",
                            last / first, (wall.last ?? 0) / max(wall.first ?? 1, 1e-9), bytes))
        report["longrun_steps_per_s"] = wall
        report["longrun_steps_per_cpu_s"] = perCPU
        report["longrun_last_over_first"] = last / first
        report["longrun_loss_csv_bytes"] = bytes
    }
}
if options.json {
    defer { if opMismatches > 0 { exit(1) } }
    let data = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys, .prettyPrinted])
    print(String(decoding: data, as: UTF8.self))
}
if opMismatches > 0 {
    FileHandle.standardError.write(Data("diffbench: \(opMismatches) op check(s) failed\n".utf8))
    exit(1)
}
