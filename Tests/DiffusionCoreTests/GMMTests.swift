// GMMTests.swift — the Gaussian mixture baseline: EM log-likelihood never decreases, a known
// 3-component mixture is recovered, too few components visibly collapse modes on ring8,
// densities match closed forms, sampling is seeded, parameters are Codable, bad input errors.
import Foundation
import Testing
import DiffusionCore

@Suite struct GMMTests {
    /// n points from 0.5·N((−3,0), diag(0.5², 0.2²)) + 0.3·N((0,3), 0.3²I) + 0.2·N((3,0), diag(0.2², 0.6²))
    static func knownMixture(n: Int, seed: UInt64) -> [Float] {
        var rng = PhiloxStream(seed: seed)
        var out: [Float] = []
        for _ in 0..<n {
            let u = rng.uniform()
            let (mean, std): ([Float], [Float]) = u < 0.5 ? ([-3, 0], [0.5, 0.2]) : (u < 0.8 ? ([0, 3], [0.3, 0.3]) : ([3, 0], [0.2, 0.6]))
            out += [mean[0] + std[0] * rng.normal(), mean[1] + std[1] * rng.normal()]
        }
        return out
    }

    @Test(arguments: [CovarianceType.diagonal, .full])
    func logLikelihoodNeverDecreases(covariance: CovarianceType) throws {
        let ds = try BuiltinDatasets.make("ring8", count: 3000, seed: 1)
        for k in [3, 8, 12] {
            let (_, ll) = try GaussianMixture.fit(points: ds.points, dim: 2, components: k, covariance: covariance,
                                                  iterations: 60, seed: 5, tolerance: 0)
            #expect(ll.count == 60)
            for i in 1..<ll.count {
                #expect(ll[i] >= ll[i - 1] - 1e-9 * abs(ll[i - 1]), "K=\(k) iteration \(i): \(ll[i - 1]) → \(ll[i])")
            }
            #expect(ll.last! >= ll.first!)
        }
    }

    @Test(arguments: [CovarianceType.diagonal, .full])
    func recoversAKnownThreeComponentMixture(covariance: CovarianceType) throws {
        let points = Self.knownMixture(n: 8000, seed: 2)
        let (g, ll) = try GaussianMixture.fit(points: points, dim: 2, components: 3, covariance: covariance,
                                              iterations: 200, seed: 3)
        #expect(ll.count < 200)      // converged before the limit
        let order = (0..<3).sorted { g.means[$0][0] < g.means[$1][0] }
        let means: [[Double]] = [[-3, 0], [0, 3], [3, 0]], weights = [0.5, 0.3, 0.2]
        let variances: [[Double]] = [[0.25, 0.04], [0.09, 0.09], [0.04, 0.36]]
        for (j, k) in order.enumerated() {
            #expect(abs(g.means[k][0] - means[j][0]) < 0.05 && abs(g.means[k][1] - means[j][1]) < 0.05, "mean \(g.means[k])")
            #expect(abs(g.weights[k] - weights[j]) < 0.02, "weight \(g.weights[k])")
            for d in 0..<2 {
                let v = covariance == .diagonal ? g.covariances[k][d] : g.covariances[k][d * 2 + d]
                #expect(abs(v / variances[j][d] - 1) < 0.1, "variance \(v) vs \(variances[j][d])")
            }
            if covariance == .full { #expect(abs(g.covariances[k][1]) < 0.02 && g.covariances[k][1] == g.covariances[k][2]) }
        }
        #expect(abs(g.weights.reduce(0, +) - 1) < 1e-12)
        // its samples look like the data
        let samples = g.sample(count: 4000, seed: 9)
        #expect(abs(Metrics.energyDistance(samples, points, dim: 2, seed: 1)) < 0.02)
    }

    @Test func tooFewComponentsCollapseModesOnRing8() throws {
        let ds = try BuiltinDatasets.make("ring8", count: 4000, seed: 4)
        func covered(_ k: Int) throws -> ModeMetrics {
            let (g, _) = try GaussianMixture.fit(points: ds.points, dim: 2, components: k, covariance: .full,
                                                 iterations: 200, seed: 6)
            return Metrics.modes(samples: g.sample(count: 4000, seed: 7), dim: 2, modes: ds.modes!, std: ds.modeStd!)
        }
        let four = try covered(4)
        #expect(four.modesCovered < 8, "4 components cover \(four.modesCovered) modes")
        #expect(four.highQualityFraction < 0.8, "4 components: high quality \(four.highQualityFraction)")
        for k in [8, 10] {
            let m = try covered(k)
            #expect(m.modesCovered == 8, "\(k) components cover \(m.modesCovered) modes")
            #expect(m.highQualityFraction > 0.9, "\(k) components: high quality \(m.highQualityFraction)")
        }
    }

    @Test func densityMatchesClosedForms() {
        let half = 0.5 * log(2 * Double.pi)
        let one = GaussianMixture(dim: 1, covarianceType: .diagonal, weights: [1], means: [[0]], covariances: [[1]], regularization: 0)
        #expect(abs(one.logLikelihood(points: [0], dim: 1) + half) < 1e-12)
        #expect(abs(one.logLikelihood(points: [2], dim: 1) + half + 2) < 1e-12)
        // full covariance [[2, 1], [1, 2]]: det 3, inverse (1/3)[[2, −1], [−1, 2]]; x = (1, 0): xᵀΣ⁻¹x = 2/3
        let full = GaussianMixture(dim: 2, covarianceType: .full, weights: [1], means: [[0, 0]], covariances: [[2, 1, 1, 2]], regularization: 0)
        #expect(abs(full.logLikelihood(points: [1, 0], dim: 2) - (-2 * half - 0.5 * log(3) - 1.0 / 3)) < 1e-12)
        // an equal two-component mixture at a point on one mean far from the other
        let two = GaussianMixture(dim: 1, covarianceType: .diagonal, weights: [0.5, 0.5], means: [[0], [100]],
                                  covariances: [[1], [1]], regularization: 0)
        #expect(abs(two.logLikelihood(points: [0], dim: 1) - (log(0.5) - half)) < 1e-12)
    }

    @Test func samplingIsSeededAndFollowsTheParameters() {
        let g = GaussianMixture(dim: 2, covarianceType: .full, weights: [0.25, 0.75], means: [[-5, 0], [5, 1]],
                                covariances: [[1, 0, 0, 1], [1, 0.8, 0.8, 1]], regularization: 0)
        let a = g.sample(count: 20_000, seed: 1)
        #expect(a == g.sample(count: 20_000, seed: 1))
        #expect(a != g.sample(count: 20_000, seed: 2))
        var right = 0, sxy = 0.0
        for i in 0..<20_000 where a[2 * i] > 0 {
            right += 1
            sxy += Double(a[2 * i] - 5) * Double(a[2 * i + 1] - 1)
        }
        #expect(abs(Double(right) / 20_000 - 0.75) < 0.015)
        #expect(abs(sxy / Double(right) - 0.8) < 0.05)     // the covariance is used, not just its diagonal
    }

    @Test func parametersAreCodable() throws {
        let ds = try BuiltinDatasets.make("moons", count: 1000, seed: 2)
        let (g, ll) = try GaussianMixture.fit(points: ds.points, dim: 2, components: 6, covariance: .full, iterations: 50, seed: 1)
        let back = try JSONDecoder().decode(GaussianMixture.self, from: JSONEncoder().encode(g))
        #expect(back == g)
        #expect(abs(back.logLikelihood(points: ds.points, dim: 2) - ll.last!) < 1e-9)
    }

    @Test func degenerateDataStaysFinite() throws {
        // every point identical: more components than distinct points, covariances = regularization
        let points = [Float](repeating: 1.5, count: 2 * 50)
        for covariance in CovarianceType.allCases {
            let (g, ll) = try GaussianMixture.fit(points: points, dim: 2, components: 3, covariance: covariance, iterations: 10, seed: 1)
            #expect(ll.allSatisfy { $0.isFinite })
            #expect(g.means.allSatisfy { $0 == [1.5, 1.5] })
            #expect(g.sample(count: 10, seed: 1).allSatisfy { abs($0 - 1.5) < 0.01 })
        }
    }

    @Test func badInputIsRefused() {
        let m = { (body: () throws -> Void) in dataErrorMessage(body) }
        #expect(m { _ = try GaussianMixture.fit(points: [1, 2, 3], dim: 2, components: 1, covariance: .diagonal, iterations: 5, seed: 0) }
                == "gmm: 3 values do not make rows of dim 2")
        #expect(m { _ = try GaussianMixture.fit(points: [1, 2], dim: 1, components: 3, covariance: .diagonal, iterations: 5, seed: 0) }
                == "gmm: 3 components need at least as many points, got 2")
        #expect(m { _ = try GaussianMixture.fit(points: [1, 2], dim: 1, components: 0, covariance: .diagonal, iterations: 5, seed: 0) }
                == "gmm: components must be at least 1, got 0")
        #expect(m { _ = try GaussianMixture.fit(points: [1, .nan], dim: 1, components: 1, covariance: .full, iterations: 5, seed: 0) }
                == "gmm: point 1, dimension 0 is not finite (nan)")
        #expect(m { _ = try GaussianMixture.fit(points: [1, 2], dim: 1, components: 1, covariance: .full, iterations: 0, seed: 0) }
                == "gmm: iterations must be at least 1, got 0")
    }
}
