// DataNormalizerTests.swift — Normalizer (fit, apply/undo round trip, std floor, identity,
// conditions, Codable) and ClassPrior (per-class statistics, floor, noise mapping).
import Foundation
import Testing
import DiffusionCore

@Suite struct DataNormalizerTests {
    @Test func fitStandardisesAndUndoRoundTrips() throws {
        let ds = try BuiltinDatasets.make("swissroll", count: 5000, seed: 1)
        let norm = Normalizer(fit: ds)
        #expect(norm.dim == 2 && !norm.isIdentity)
        var x = ds.points
        norm.apply(&x)
        let fitted = Normalizer(fitPoints: x, dim: 2)
        for d in 0..<2 {
            #expect(abs(fitted.mean[d]) < 1e-5)
            #expect(abs(fitted.std[d] - 1) < 1e-4)
        }
        norm.undo(&x)
        for i in x.indices { #expect(abs(x[i] - ds.points[i]) < 1e-5) }
    }

    @Test func constantColumnUsesTheStdFloor() {
        let points: [Float] = [5, 1, 5, 2, 5, 3]          // column 0 constant
        let norm = Normalizer(fitPoints: points, dim: 2)
        #expect(norm.std[0] == Normalizer.defaultStdFloor)
        #expect(norm.mean[0] == 5)
        var x = points
        norm.apply(&x)
        #expect(x.allSatisfy { $0.isFinite })
        #expect(x[0] == 0 && x[2] == 0)
        let custom = Normalizer(fitPoints: points, dim: 2, stdFloor: 0.5)
        #expect(custom.std[0] == 0.5)
    }

    @Test func identityLeavesPointsAlone() {
        let id = Normalizer.identity(dim: 3)
        #expect(id.isIdentity)
        var x: [Float] = [1, -2, 3.5, 4, 5, 6]
        id.apply(&x)
        #expect(x == [1, -2, 3.5, 4, 5, 6])
        id.undo(&x)
        #expect(x == [1, -2, 3.5, 4, 5, 6])
    }

    @Test func conditionsGetTheirOwnNormalizerAndCodableRoundTrips() throws {
        let ds = try BuiltinDatasets.make("policy_obstacle", count: 2000, seed: 2)
        let cond = Normalizer(fitConditions: ds)
        #expect(cond.dim == 4)
        #expect(abs(cond.mean[3] - 4) < 0.02 && abs(cond.std[3] - PolicyTask.endpointStd) < 0.01)
        let points = Normalizer(fit: ds)
        #expect(points.dim == 32)
        let normalized = points.applied(to: ds, conditions: cond)
        let refit = Normalizer(fitConditions: normalized)
        for d in 0..<4 { #expect(abs(refit.mean[d]) < 1e-4 && abs(refit.std[d] - 1) < 1e-3) }
        #expect(Normalizer(fitConditions: try BuiltinDatasets.make("ring8", count: 10, seed: 0)).dim == 0)

        let data = try JSONEncoder().encode(cond)
        #expect(try JSONDecoder().decode(Normalizer.self, from: data) == cond)
    }

    @Test func appliedMapsKnownModes() throws {
        let ds = try BuiltinDatasets.make("ring8", count: 4000, seed: 3)
        let norm = Normalizer(fit: ds)
        let out = norm.applied(to: ds)
        let modes = try #require(out.modes)
        #expect(abs(modes[0][0] - (2 - norm.mean[0]) / norm.std[0]) < 1e-5)
        #expect(out.labels == ds.labels)
    }
}

@Suite struct DataClassPriorTests {
    @Test func matchesPerClassStatistics() throws {
        let ds = try BuiltinDatasets.make("grid25", count: 10_000, seed: 4)
        let prior = ClassPrior.fit(dataset: ds)
        let stats = perLabelStatistics(ds)
        #expect(prior.numClasses == 25 && prior.dim == 2)
        #expect(prior.counts == stats.counts)
        for c in 0..<25 {
            for d in 0..<2 {
                #expect(abs(Double(prior.means[c][d]) - stats.means[c][d]) < 1e-4)
                #expect(abs(Double(prior.stds[c][d]) - stats.stds[c][d]) < 1e-4)
                #expect(abs(prior.means[c][d] - ds.modes![c][d]) < 0.02)
                #expect(abs(prior.stds[c][d] - 0.05) < 0.01)
            }
        }
    }

    @Test func floorEmptyClassesAndUnlabelledData() throws {
        // class 0: constant points; class 2: no points; class 1: spread
        let ds = Dataset(name: "t", points: [1, 1, 1, 1, 0, 0, 2, 4], dim: 2, labels: [0, 0, 1, 1], numClasses: 3)
        let prior = ClassPrior.fit(dataset: ds, stdFloor: 0.01)
        #expect(prior.stds[0] == [0.01, 0.01])
        #expect(prior.means[1] == [1, 2] && prior.stds[1] == [1, 2])
        #expect(prior.means[2] == [0, 0] && prior.stds[2] == [1, 1] && prior.counts == [2, 2, 0])
        let unlabelled = ClassPrior.fit(dataset: Dataset(name: "u", points: [0, 2, 4, 6], dim: 1))
        #expect(unlabelled.numClasses == 1 && unlabelled.means == [[3]])
        #expect(abs(unlabelled.stds[0][0] - Float(5).squareRoot()) < 1e-6)
    }

    @Test func noiseMappingRoundTripsAndCodable() throws {
        let ds = try BuiltinDatasets.make("ring8", count: 2000, seed: 5)
        let prior = ClassPrior.fit(dataset: ds)
        let labels = [0, 3, 7]
        var z: [Float] = [0, 0, 1, -1, 2, 0.5]
        prior.fromStandard(&z, labels: labels)
        #expect(z[0] == prior.means[0][0] && z[1] == prior.means[0][1])
        #expect(abs(z[2] - (prior.means[3][0] + prior.stds[3][0])) < 1e-6)
        prior.toStandard(&z, labels: labels)
        let expected: [Float] = [0, 0, 1, -1, 2, 0.5]
        for i in 0..<6 { #expect(abs(z[i] - expected[i]) < 1e-4) }
        let data = try JSONEncoder().encode(prior)
        #expect(try JSONDecoder().decode(ClassPrior.self, from: data) == prior)
    }
}
