// TrainingGuard.swift — the guard rails of a finished training job: warnings when what it made
// is no better than noise, each computed from this job's own numbers:
// - the preview samples' energy distance to fresh data is more than half that of Gaussian noise
//   with the data's per-dimension mean and std (the baseline any untrained model can reach);
// - the loss did not fall: the mean of the last logged losses is ≥ 90% of the first ones.
import DiffusionCore
import Foundation

enum TrainingGuard {
    /// Energy distance of N(mean, diag std²) of the raw data to the reference (2000 draws).
    static func noiseBaseline(raw: Dataset, reference: Dataset, seed: UInt64) -> Double? {
        guard raw.dim == reference.dim, raw.count > 1 else { return nil }
        let norm = Normalizer(fit: raw)
        var noise = Philox.gaussianNoise(count: 2000 * raw.dim, seed: seed ^ 0xBA5E_11E5, counterBase: 0)
        norm.undo(&noise)
        return Metrics.energyDistance(noise, reference.points, dim: raw.dim)
    }

    static func warnings(energyDistance: Double?, noiseEnergyDistance: Double?,
                         losses: [(step: Int, loss: Double, lr: Double)]) -> [String] {
        var out: [String] = []
        if let ed = energyDistance, let base = noiseEnergyDistance, base > 0, ed > 0.5 * base {
            out.append(String(format: "the samples are barely better than noise: energy distance %.4g against %.4g for Gaussian noise with the data's mean and std (want well below half). Train longer, or try another objective or data scale", ed, base))
        }
        if losses.count >= 20 {
            let k = max(5, losses.count / 10)
            let first = losses.prefix(k).map(\.loss).reduce(0, +) / Double(k)
            let last = losses.suffix(k).map(\.loss).reduce(0, +) / Double(k)
            if first > 0, last >= 0.9 * first {
                out.append(String(format: "the loss did not fall: %.4g at the start, %.4g at the end; the network learned little", first, last))
            }
        }
        return out
    }
}
