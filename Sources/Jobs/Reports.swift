// Reports.swift — read-only answers the daemon serves without running a job: which backend
// would run jobs and why, what a noise schedule looks like, a text preview of a finished job.
import DiffusionCore
import Foundation

/// Which backend jobs run on, and why (for `diffctl info` and the daemon's start-up log).
public struct BackendReport: Codable, Equatable, Sendable {
    public var requested: String        // auto | cpu | vulkan
    public var selected: String         // cpu | vulkan
    public var deviceName: String
    public var deviceType: String
    public var detail: String           // thread count, Vulkan version, shader cache state
    public var reason: String           // why this backend (e.g. "vulkan: only a CPU-type device (llvmpipe); auto skips it")
    public var vulkanDevices: [String]  // every Vulkan device seen, or empty
    public init(requested: String, selected: String, deviceName: String, deviceType: String,
                detail: String, reason: String, vulkanDevices: [String]) {
        self.requested = requested; self.selected = selected; self.deviceName = deviceName
        self.deviceType = deviceType; self.detail = detail; self.reason = reason; self.vulkanDevices = vulkanDevices
    }
}

/// A noise schedule inspected (for `diffctl schedule`).
public struct ScheduleReport: Codable, Equatable, Sendable {
    public var schedule: String
    public var timesteps: Int
    public var alphaBarFirst: Double    // ᾱ at t = 1
    public var alphaBarLast: Double     // ᾱ at t = T
    public var snrMax: Double           // ᾱ/(1−ᾱ) at t = 1
    public var snrMin: Double           // at t = T
    public var warnings: [String]       // e.g. "the forward process does not reach noise: ᾱ_T = 0.08"
    /// sampled rows: t, beta, ᾱ_t, √ᾱ_t, √(1−ᾱ_t), SNR
    public var rows: [[Double]]
    public init(schedule: String, timesteps: Int, alphaBarFirst: Double, alphaBarLast: Double,
                snrMax: Double, snrMin: Double, warnings: [String], rows: [[Double]]) {
        self.schedule = schedule; self.timesteps = timesteps; self.alphaBarFirst = alphaBarFirst
        self.alphaBarLast = alphaBarLast; self.snrMax = snrMax; self.snrMin = snrMin
        self.warnings = warnings; self.rows = rows
    }
}

public enum JobReports {
    /// Which backend `choice` resolves to on this machine, with the reason.
    public static func backend(choice: BackendChoice, device: DeviceSelector?, shaderDir: URL?, cpuThreads: Int? = nil) -> BackendReport {
        let options = BackendOptions(choice: choice, device: device, shaderDir: shaderDir, cpuThreads: cpuThreads)
        let devices = VulkanSupport.deviceList(options)
        do {
            let (b, reason) = try BackendSelection.make(options)
            return BackendReport(requested: choice.rawValue, selected: b.info.kind, deviceName: b.info.deviceName,
                                 deviceType: b.info.deviceType, detail: b.info.detail, reason: reason, vulkanDevices: devices)
        } catch {
            return BackendReport(requested: choice.rawValue, selected: "none", deviceName: "", deviceType: "",
                                 detail: "", reason: "\(error)", vulkanDevices: devices)
        }
    }

    /// The backend policy requests run on: one CPU thread (one observation is far too small to
    /// split across threads or to send to a GPU).
    public static func policyBackend() -> Backend { CPUBackendFactory.make(threads: 1) }

    /// Inspect a schedule described by the schedule fields of a spec (schedule, timesteps,
    /// betaStart, betaEnd, zeroTerminalSNR). Throws JobError.invalid on bad values.
    public static func schedule(_ spec: JobSpec) throws -> ScheduleReport {
        var s = spec
        s.kind = .train
        if s.name == nil { s.name = "schedule" }
        if s.dataset == nil { s.dataset = "ring8" }
        let config = try s.resolvedTrain().config.schedule
        let sched: NoiseSchedule
        do { sched = try NoiseSchedule(config) } catch { throw JobError.invalid(field: "schedule", message: "\(error)") }
        let T = sched.timesteps
        var picks = Set([0, T - 1])
        for k in 0..<20 { picks.insert(Int((Double(k) / 19 * Double(T - 1)).rounded())) }
        let rows: [[Double]] = picks.sorted().map { i in
            let ab = sched.alphaBar(i)
            return [Double(i + 1), sched.betas[i], ab, ab.squareRoot(), (1 - ab).squareRoot(), sched.snr(i)]
        }
        return ScheduleReport(schedule: config.kind.rawValue + (config.zeroTerminalSNR ? "+zero-terminal-snr" : ""), timesteps: T,
                              alphaBarFirst: sched.alphaBar(0), alphaBarLast: sched.alphaBar(T - 1),
                              snrMax: sched.snr(0), snrMin: sched.snr(T - 1), warnings: sched.warnings, rows: rows)
    }

    /// An SVG of √ᾱ_t, √(1−ᾱ_t) and the SNR over t for the spec's schedule beside the default
    /// linear and cosine schedules (T = 1000), computed from the schedules themselves.
    public static func schedulePlot(_ spec: JobSpec) throws -> String {
        var s = spec
        s.kind = .train
        if s.name == nil { s.name = "schedule" }
        if s.dataset == nil { s.dataset = "ring8" }
        let requested = try s.resolvedTrain().config.schedule
        var configs = [requested]
        for kind in ScheduleKind.allCases {
            let c = ScheduleConfig(kind: kind)
            if !configs.contains(c) { configs.append(c) }
        }
        guard let figure = JobPlots.scheduleFigure(configs) else {
            throw JobError.invalid(field: "schedule", message: "this schedule cannot be drawn")
        }
        return figure.svg
    }

    /// A terminal preview (Unicode braille scatter of samples and/or the loss curve) of the job
    /// whose directory is `jobDir`, `width` × `height` characters; nil when there is nothing to show.
    public static func preview(jobDir: URL, width: Int, height: Int) -> String? {
        JobPreview.render(jobDir: jobDir, width: width, height: height)
    }
}
