// DataTestSupport.swift — helpers shared by the data, checkpoint, metric and GMM tests:
// a fresh temp directory, text files in it, and error-message capture.
import Foundation
import DiffusionCore

/// A new empty directory under the system temp dir (removed by `removeDataTestDirectory`).
func makeDataTestDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("diffusiond-data-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

func removeDataTestDirectory(_ url: URL) { try? FileManager.default.removeItem(at: url) }

/// Writes `text` to dir/name and returns the path.
func writeDataTestFile(_ dir: URL, _ name: String, _ text: String) throws -> String {
    let url = dir.appendingPathComponent(name)
    try Data(text.utf8).write(to: url)
    return url.path
}

/// The DataError message thrown by `body`, or nil when it does not throw a DataError.
func dataErrorMessage(_ body: () throws -> Void) -> String? {
    do { try body() } catch let e as DataError { return e.message } catch { return "unexpected error type: \(error)" }
    return nil
}

/// Per-label mean (classes, dim), std (classes, dim) and counts of a labelled dataset.
func perLabelStatistics(_ ds: Dataset) -> (means: [[Double]], stds: [[Double]], counts: [Int]) {
    let k = ds.numClasses, dim = ds.dim
    var sum = [[Double]](repeating: [Double](repeating: 0, count: dim), count: k)
    var sq = sum
    var counts = [Int](repeating: 0, count: k)
    for i in 0..<ds.count {
        let c = ds.labels![i]
        counts[c] += 1
        for d in 0..<dim { let v = Double(ds.points[i * dim + d]); sum[c][d] += v; sq[c][d] += v * v }
    }
    let means = (0..<k).map { c in sum[c].map { $0 / Double(max(counts[c], 1)) } }
    let stds = (0..<k).map { c in
        (0..<dim).map { d in (sq[c][d] / Double(max(counts[c], 1)) - means[c][d] * means[c][d]).squareRoot() }
    }
    return (means, stds, counts)
}
