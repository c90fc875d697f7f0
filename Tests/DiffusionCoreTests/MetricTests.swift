// MetricTests.swift — mode metrics on hand-made samples and on data, energy distance and MMD on
// same vs different distributions, and the energy distance formula on a tiny exact case.
import Foundation
import Testing
import DiffusionCore

@Suite struct MetricTests {
    let ring = BuiltinDatasets.ring8Centres

    func repeated(_ centres: [[Float]], times: Int) -> [Float] {
        (0..<times).flatMap { _ in centres.flatMap { $0 } }
    }

    @Test func allSamplesOnModes() {
        let m = Metrics.modes(samples: repeated(ring, times: 10), dim: 2, modes: ring, std: 0.05)
        #expect(m.sampleCount == 80 && m.modeCount == 8)
        #expect(m.highQualityFraction == 1 && m.betweenModesFraction == 0)
        #expect(m.modesCovered == 8)
        #expect(m.modeCounts == [Int](repeating: 10, count: 8))
        #expect(m.modeWeights.allSatisfy { abs($0 - 0.125) < 1e-12 })
        #expect(abs(m.weightTotalVariation) < 1e-12)
        #expect(m.summary["modes_covered"] == 8 && m.summary["high_quality"] == 1)
    }

    @Test func halfBetweenModes() {
        // 40 on modes, 40 at the origin (2 away from every mode); 3 std = 0.15
        var samples = repeated(ring, times: 5)
        samples += [Float](repeating: 0, count: 80)
        let m = Metrics.modes(samples: samples, dim: 2, modes: ring, std: 0.05)
        #expect(m.highQualityFraction == 0.5 && m.betweenModesFraction == 0.5)
        #expect(m.modesCovered == 8)
        // gauss1d_close: halfway between modes 1 and 2 is a hallucination, 1.1 is not (2 std)
        let close: [[Float]] = [[1], [2], [3]]
        let h = Metrics.modes(samples: [1.5, 2.5, 1.1, 2.0, 2.9, 1.2], dim: 1, modes: close, std: 0.05)
        #expect(h.betweenModesFraction == 0.5 && h.modeCounts == [1, 1, 1])
    }

    @Test func oneModeOnly() {
        let samples = [Float]((0..<100).flatMap { _ in ring[3] })
        let m = Metrics.modes(samples: samples, dim: 2, modes: ring, std: 0.05)
        #expect(m.modesCovered == 1)
        #expect(m.highQualityFraction == 1)
        #expect(m.modeWeights[3] == 1)
        #expect(abs(m.weightTotalVariation - 0.875) < 1e-12)
    }

    @Test func coverageNeedsTwentyPercentOfTheUniformShare() {
        // 800 samples, 8 modes: uniform share 100, so a mode needs 20 high-quality samples
        var samples: [Float] = []
        for k in 0..<8 {
            let count = k == 0 ? 19 : (k == 1 ? 20 : 108)
            for _ in 0..<count { samples += ring[k] }
        }
        samples += [Float](repeating: 0, count: 2 * (800 - samples.count / 2))
        let m = Metrics.modes(samples: samples, dim: 2, modes: ring, std: 0.05)
        #expect(m.coverageMinCount == 20)
        #expect(m.modesCovered == 7)
        // NaN samples count as between modes
        let withNaN = Metrics.modes(samples: [2, 0, .nan, .nan], dim: 2, modes: ring, std: 0.05)
        #expect(withNaN.highQualityFraction == 0.5)
    }

    @Test func dataFromTheMixtureScoresAsTheMixture() throws {
        let ds = try BuiltinDatasets.make("grid25", count: 5000, seed: 1)
        let m = Metrics.modes(samples: ds.points, dim: 2, modes: ds.modes!, std: ds.modeStd!)
        #expect(m.highQualityFraction > 0.98)      // 2-D: P(|z| ≤ 3) = 1 − e^−4.5 ≈ 0.989
        #expect(m.modesCovered == 25)
        #expect(m.weightTotalVariation < 0.05)
    }

    @Test func energyDistanceExactOnATinyCase() {
        // a = {0, 1, 2}, b = {5, 6, 7}: E|X−Y| = 5, E|X−X'| = E|Y−Y'| = 4/3 (pairs i ≠ j)
        let ed = Metrics.energyDistance([0, 1, 2], [5, 6, 7], dim: 1, maxPoints: 10, seed: 0)
        #expect(abs(ed - (10 - 8.0 / 3)) < 1e-9)
        // identical sets: the cross term keeps i = j, so 2·8/9 − 2·4/3 = −8/9 (U-statistics can go negative)
        #expect(abs(Metrics.energyDistance([0, 1, 2], [0, 1, 2], dim: 1, maxPoints: 10, seed: 0) + 8.0 / 9) < 1e-9)
        // non-finite rows are left out; too few finite rows give NaN instead of a crash
        #expect(abs(Metrics.energyDistance([0, .nan, 1, 2], [5, 6, .infinity, 7], dim: 1, maxPoints: 10, seed: 0) - (10 - 8.0 / 3)) < 1e-9)
        #expect(Metrics.energyDistance([0, .nan], [5, 6, 7], dim: 1, maxPoints: 10, seed: 0).isNaN)
        #expect(Metrics.mmd([.nan, .nan], [5, 6, 7], dim: 1, maxPoints: 10, seed: 0).isNaN)
    }

    @Test func energyDistanceAndMMDSeparateDistributions() throws {
        let a = try BuiltinDatasets.make("ring8", count: 3000, seed: 1).points
        let b = try BuiltinDatasets.make("ring8", count: 3000, seed: 2).points
        let c = try BuiltinDatasets.make("ring8", count: 3000, seed: 3).points.map { $0 * 0.6 }  // a smaller ring
        let shifted = b.enumerated().map { $0.offset % 2 == 0 ? $0.element + 0.3 : $0.element }
        let same = Metrics.energyDistance(a, b, dim: 2, maxPoints: 2000, seed: 7)
        let other = Metrics.energyDistance(a, c, dim: 2, maxPoints: 2000, seed: 7)
        let moved = Metrics.energyDistance(a, shifted, dim: 2, maxPoints: 2000, seed: 7)
        #expect(abs(same) < 0.01, "same distribution: \(same)")
        #expect(other > 0.1, "different distributions: \(other)")
        #expect(moved > 0.03, "shifted by 0.3: \(moved)")
        #expect(other > 20 * abs(same) && moved > 5 * abs(same))
        // deterministic for a seed
        #expect(Metrics.energyDistance(a, c, dim: 2, maxPoints: 2000, seed: 7) == other)

        let mSame = Metrics.mmd(a, b, dim: 2, maxPoints: 2000, seed: 7)
        let mOther = Metrics.mmd(a, c, dim: 2, maxPoints: 2000, seed: 7)
        #expect(abs(mSame) < 0.002, "same distribution MMD²: \(mSame)")
        #expect(mOther > 0.02, "different distributions MMD²: \(mOther)")
        #expect(mOther > 20 * abs(mSame))
    }

    @Test func medianHeuristicOnAKnownSet() {
        // pairwise distances of {0, 1, 3}: 1, 3, 2 → median 2
        #expect(Metrics.medianPairwiseDistance([0, 1, 3], dim: 1) == 2)
        // with the bandwidth given, MMD² of two identical 2-point sets is the U-statistic exactly
        let mmd = Metrics.mmd([0, 1], [0, 1], dim: 1, maxPoints: 10, seed: 0, bandwidth: 1)
        // k(0,1) = e^−0.5: within terms 2·e^−0.5, cross term mean (1 + e^−.5 + e^−.5 + 1)/4
        let k = exp(-0.5)
        #expect(abs(mmd - (2 * k - 2 * (2 + 2 * k) / 4)) < 1e-12)
    }
}

@Suite struct MetricEvaluateTests {
    @Test func evaluateReportsModesAndDistances() throws {
        let reference = try BuiltinDatasets.make("ring8", count: 2000, seed: 100)
        let good = try BuiltinDatasets.make("ring8", count: 2000, seed: 101).points
        let m = Metrics.evaluate(samples: good + [.nan, 0], dim: 2, reference: reference, seed: 1)
        #expect(m["samples"] == 2001 && m["non_finite"] == 1)
        #expect(m["modes_covered"] == 8 && (m["high_quality"] ?? 0) > 0.97)
        #expect(abs(m["energy_distance"] ?? 1) < 0.01 && abs(m["mmd2"] ?? 1) < 0.002)
        let moons = try BuiltinDatasets.make("moons", count: 500, seed: 1)
        let noModes = Metrics.evaluate(samples: moons.points, dim: 2, reference: try BuiltinDatasets.make("moons", count: 500, seed: 2))
        #expect(noModes["modes_covered"] == nil && noModes["energy_distance"] != nil)
    }
}
