// JobPlots.swift — the pictures every job writes into jobDir/plots (SVG, PNG where dense).
import DiffusionCore
import Foundation

enum JobPlots {
    static func training(jobDir: URL, log: LossLog, samples: [Float], reference: Dataset, dim: Int,
                         modes: ModeMetrics?, title: String) -> [String: String] {
        [:]
    }
    static func sampling(jobDir: URL, samples: [Float], reference: Dataset?, dim: Int, modes: ModeMetrics?,
                         trajectory: [[Float]], title: String) -> [String: String] {
        [:]
    }
}
