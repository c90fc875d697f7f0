// JobPlots.swift — the pictures every job writes into jobDir/plots: samples over the data (SVG,
// and PNG for dense clouds), the loss curve with the learning rate, per-mode weights, reverse
// trajectories, and the noise schedule. Every plot is drawn from the job's own numbers; a plot
// that cannot be drawn is logged in the outputs' absence, never faked.
import DiffusionCore
import Foundation
import Plots

enum JobPlots {
    static func plotsDir(_ jobDir: URL) -> URL { jobDir.appendingPathComponent("plots", isDirectory: true) }

    /// Writes a figure as SVG (and PNG when `png`), returns output name → path entries.
    static func write(_ figure: Figure, name: String, jobDir: URL, png: Bool = false) -> [String: String] {
        let dir = plotsDir(jobDir)
        var out: [String: String] = [:]
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let svg = dir.appendingPathComponent("\(name).svg")
            try AtomicFile.write(Data(figure.svg.utf8), to: svg)
            out["plot_\(name)"] = svg.path
            if png {
                let url = dir.appendingPathComponent("\(name).png")
                try AtomicFile.write(figure.png(scale: 2), to: url)
                out["plot_\(name)_png"] = url.path
            }
        } catch {
            out["plot_\(name)_error"] = "\(error)"
        }
        return out
    }

    static func samplesFigure(samples: [Float], reference: Dataset, dim: Int, title: String) -> Figure? {
        let data = Array(reference.points.prefix(4000 * dim))
        return try? Charts.samplesVsData(samples: samples, data: data, dimension: dim, title: title,
                                         axisNames: reference.columnNames, maxPointsPerSeries: 5000)
    }

    static func modeFigure(_ modes: ModeMetrics, reference: Dataset, title: String) -> Figure? {
        guard let labels = reference.labels, modes.modeCount > 0 else { return nil }
        var dataShare = [Double](repeating: 0, count: modes.modeCount)
        for l in labels where l < modes.modeCount { dataShare[l] += 1 }
        let total = max(dataShare.reduce(0, +), 1)
        return try? Charts.modeBars(labels: (0..<modes.modeCount).map { "\($0)" }, sample: modes.modeWeights,
                                    data: dataShare.map { $0 / total }, title: "\(title) · mode weights")
    }

    static func training(jobDir: URL, log: LossLog, samples: [Float], reference: Dataset, dim: Int,
                         modes: ModeMetrics?, schedule: ScheduleConfig?, title: String) -> [String: String] {
        var out: [String: String] = [:]
        if !log.rows.isEmpty, let f = try? Charts.lossCurve(steps: log.rows.map { Double($0.step) }, loss: log.rows.map(\.loss),
                                                            lr: log.rows.map(\.lr), title: "\(title) · training loss") {
            out.merge(write(f, name: "loss", jobDir: jobDir), uniquingKeysWith: { $1 })
        }
        if let f = samplesFigure(samples: samples, reference: reference, dim: dim, title: "\(title) · samples (DDIM-50) over data") {
            out.merge(write(f, name: "samples", jobDir: jobDir, png: true), uniquingKeysWith: { $1 })
        }
        if let modes, let f = modeFigure(modes, reference: reference, title: title) {
            out.merge(write(f, name: "modes", jobDir: jobDir), uniquingKeysWith: { $1 })
        }
        if let schedule, let f = scheduleFigure([schedule]) {
            out.merge(write(f, name: "schedule", jobDir: jobDir), uniquingKeysWith: { $1 })
        }
        return out
    }

    static func sampling(jobDir: URL, samples: [Float], reference: Dataset?, dim: Int, modes: ModeMetrics?,
                         trajectory: [[Float]], trajectorySteps: [Int] = [], title: String) -> [String: String] {
        var out: [String: String] = [:]
        if let reference, reference.dim == dim,
           let f = samplesFigure(samples: samples, reference: reference, dim: dim, title: "\(title) · samples over data") {
            out.merge(write(f, name: "samples", jobDir: jobDir, png: true), uniquingKeysWith: { $1 })
        }
        if let modes, let reference, let f = modeFigure(modes, reference: reference, title: title) {
            out.merge(write(f, name: "modes", jobDir: jobDir), uniquingKeysWith: { $1 })
        }
        if !trajectory.isEmpty {
            let background = reference.map { Array($0.points.prefix(3000 * dim)) }
            if let f = try? Charts.trajectories(snapshots: trajectory, dimension: dim,
                                                steps: trajectorySteps.isEmpty ? nil : trajectorySteps.map(Double.init),
                                                background: background, title: "\(title) · reverse trajectories") {
                out.merge(write(f, name: "trajectories", jobDir: jobDir), uniquingKeysWith: { $1 })
            }
        }
        return out
    }

    /// √ᾱ_t, √(1−ᾱ_t) and SNR over t for one or more schedules side by side.
    static func scheduleFigure(_ configs: [ScheduleConfig]) -> Figure? {
        let curves: [ScheduleCurve] = configs.compactMap { c in
            guard let s = try? NoiseSchedule(c) else { return nil }
            let name = c.kind.rawValue + (c.zeroTerminalSNR ? " (zero-terminal SNR)" : "") + " T=\(c.timesteps)"
            return ScheduleCurve(name: name, t: (1...c.timesteps).map(Double.init), alphaBar: s.alphaBars)
        }
        guard !curves.isEmpty else { return nil }
        return try? Charts.schedules(curves)
    }
}
