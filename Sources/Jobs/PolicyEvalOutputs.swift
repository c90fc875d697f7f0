// PolicyEvalOutputs.swift — what a closed-loop eval leaves in its job directory: episodes.csv
// (one row per visited position: episode, step, x, y, outcome, class), the plot of every
// episode's path over the obstacles (plots/episodes.svg and .png), and the terminal preview
// `diffctl show` draws from episodes.csv.
import DiffusionCore
import Foundation
import Plots

enum PolicyEvalOutputs {
    static let fileName = "episodes.csv"
    /// plot groups: the four classes of successes, then the failures
    static let groupNames = MazeTask.classNames + ["success (class unclear)", "collision", "timeout"]
    static let groupColors: [RGBA] = [Palette.color(0), Palette.color(1), Palette.color(2), Palette.color(4),
                                      Palette.color(7), Palette.color(3), RGBA.black]

    static func outcome(_ e: MazeEpisode) -> String { e.success ? "success" : e.collided ? "collision" : "timeout" }

    static func group(_ e: MazeEpisode) -> Int {
        if e.success { return e.homotopyClass ?? 4 }
        return e.collided ? 5 : 6
    }

    static func write(_ episodes: [MazeEpisode], jobDir: URL, title: String) throws -> [String: String] {
        var text = "episode,step,x,y,outcome,class\n"
        for (i, e) in episodes.enumerated() {
            let o = outcome(e), c = e.homotopyClass.map { MazeTask.classNames[$0] } ?? "-"
            for (k, p) in e.path.enumerated() { text += "\(i),\(k),\(p.x),\(p.y),\(o),\(c)\n" }
        }
        let url = jobDir.appendingPathComponent(fileName)
        try AtomicFile.write(Data(text.utf8), to: url)
        var outputs = ["episodes": url.path]
        let paths = episodes.map { e in
            RolloutPath(xs: e.path.map { Double($0.x) }, ys: e.path.map { Double($0.y) }, group: group(e))
        }
        let discs = MazeTask.obstacleCenters.map { Disc(x: Double($0.x), y: Double($0.y), r: Double(MazeTask.obstacleRadius)) }
        if let f = try? Charts.rollouts(paths, groupNames: groupNames, groupColors: groupColors, discs: discs, title: title) {
            outputs.merge(JobPlots.write(f, name: "episodes", jobDir: jobDir, png: true), uniquingKeysWith: { $1 })
        }
        return outputs
    }

    /// Braille preview: visited positions (red) over the obstacles' outlines (blue).
    static func preview(jobDir: URL, width: Int, height: Int, color: Bool) -> String? {
        guard let text = try? String(contentsOf: jobDir.appendingPathComponent(fileName), encoding: .utf8) else { return nil }
        var points: [Float] = []
        var outcomes: [String: Set<Int>] = [:]
        for line in text.split(separator: "\n").dropFirst() {
            let f = line.split(separator: ",", omittingEmptySubsequences: false)
            guard f.count >= 5, let e = Int(f[0]), let x = Float(f[2]), let y = Float(f[3]) else { continue }
            points += [x, y]
            outcomes[String(f[4]), default: []].insert(e)
        }
        guard !points.isEmpty else { return nil }
        var outline: [Float] = []
        for c in MazeTask.obstacleCenters {
            for k in 0..<90 {
                let a = 2 * Float.pi * Float(k) / 90
                outline += [c.x + MazeTask.obstacleRadius * cosf(a), c.y + MazeTask.obstacleRadius * sinf(a)]
            }
        }
        let counts = ["success", "collision", "timeout"].map { "\($0) \(outcomes[$0]?.count ?? 0)" }.joined(separator: ", ")
        return TextPlot.samplesOverData(samples: points, data: outline, dimension: 2, width: width, height: height,
                                        useColor: color, title: "episodes (red) over obstacles (blue): \(counts)")
    }
}
