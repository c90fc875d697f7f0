// JobPreview.swift — the text preview of a job the daemon sends to diffctl: a braille scatter of
// its samples over the data (first two coordinates; histograms in 1-D), a closed-loop eval's
// episodes over the obstacles, and its loss curve, read
// from the files in the job directory.
import DiffusionCore
import Foundation
import Plots

enum JobPreview {
    static func render(jobDir: URL, width: Int, height: Int, color: Bool = true) -> String? {
        var parts: [String] = []
        let w = min(max(width, 20), 200), h = min(max(height, 4), 60)
        let samplesURL = jobDir.appendingPathComponent("samples.csv")
        if let samples = try? SampleReader.read(path: samplesURL.path), samples.count > 0 {
            let data = referencePoints(jobDir: jobDir, dim: samples.dim)
            parts.append(TextPlot.samplesOverData(samples: Array(samples.points.prefix(4000 * samples.dim)), data: data,
                                                  dimension: samples.dim, width: w, height: h, useColor: color,
                                                  title: "samples (red) over data (blue)"))
        }
        if let episodes = PolicyEvalOutputs.preview(jobDir: jobDir, width: w, height: h, color: color) { parts.append(episodes) }
        if let sweep = sweepTable(jobDir: jobDir) { parts.append(sweep) }
        let rows = LossLog.read(jobDir: jobDir)
        if rows.count >= 2 {
            parts.append(TextPlot.line([TextPlot.LineSeries(name: "loss", y: rows.map(\.loss), x: rows.map { Double($0.step) })],
                                       width: w, height: max(4, h / 2), logY: true, useColor: color,
                                       title: "training loss (log scale), step \(rows.first!.step)–\(rows.last!.step)"))
        }
        return parts.isEmpty ? nil : parts.joined(separator: "\n")
    }

    /// A sweep job's results as an aligned table, and its pick of the cheapest good-enough run.
    static func sweepTable(jobDir: URL) -> String? {
        guard let text = try? String(contentsOf: jobDir.appendingPathComponent("sweep.csv"), encoding: .utf8) else { return nil }
        let rows = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        guard let header = rows.first, rows.count > 1 else { return nil }
        let widths = header.indices.map { c in rows.map { c < $0.count ? $0[c].count : 0 }.max() ?? 0 }
        var lines = rows.map { r in
            header.indices.map { c in
                let v = c < r.count ? r[c] : ""
                return c < 3 ? v.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                             : String(repeating: " ", count: widths[c] - v.count) + v
            }.joined(separator: "  ")
        }
        if let summary = try? String(contentsOf: jobDir.appendingPathComponent("sweep-summary.txt"), encoding: .utf8) {
            lines.append("")
            lines.append(summary.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return lines.joined(separator: "\n")
    }

    /// The data a job's samples are compared with: the reference points saved next to them.
    static func referencePoints(jobDir: URL, dim: Int) -> [Float] {
        let url = jobDir.appendingPathComponent("reference.csv")
        guard let d = try? SampleReader.read(path: url.path), d.dim == dim else { return [] }
        return d.points
    }
}
