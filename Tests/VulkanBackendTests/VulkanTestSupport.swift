// VulkanTestSupport.swift — the shared Vulkan backend of the tests, the skip rule, seeded
// inputs, the tolerance check `|vk − ref| <= abs + rel·|ref|` and the per-element check
// `|vk − ref| <= bound[i]` (bounds from SpecTolerance).
//
// Skip rule: with CI=true every Vulkan test runs and fails when Vulkan is unusable; otherwise,
// without a usable Vulkan device, the tests are skipped with the reason.
import CPUBackend
import DiffusionCore
import Foundation
import Testing
import VulkanBackend

enum VulkanTestEnv {
    static let isCI = ProcessInfo.processInfo.environment["CI"] == "true"

    /// The repository's shaders/ directory (this file is Tests/VulkanBackendTests/…).
    static let shaderDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shaders")

    static func options(cacheDir: URL? = nil) -> VulkanOptions {
        VulkanOptions(allowCPUDevice: true, shaderDir: shaderDir, cacheDir: cacheDir ?? sharedCache)
    }

    static let sharedCache = FileManager.default.temporaryDirectory.appendingPathComponent("diffusiond-vk-test-cache")

    static let result: Result<VulkanComputeBackend, Error> = Result { try VulkanComputeBackend(options: options()) }
    static var backend: VulkanComputeBackend? { try? result.get() }

    static var enabled: Bool { isCI || backend != nil }
    static var skipReason: Comment {
        if case .failure(let error) = result { return Comment(rawValue: "Vulkan unusable: \(error)") }
        return "Vulkan usable"
    }

    /// A backend forced to one matmul kernel (both are checked on every device).
    static func backend(kernel: MatmulKernel) throws -> VulkanComputeBackend {
        let shared = try require()
        if shared.matmulKernel == kernel { return shared }
        var options = options()
        options.matmulKernel = kernel
        return try VulkanComputeBackend(options: options)
    }

    /// The backend, or a recorded failure (CI=true with Vulkan unusable).
    static func require() throws -> VulkanComputeBackend {
        switch result {
        case .success(let b): return b
        case .failure(let error):
            Issue.record("Vulkan backend unusable with CI=true: \(error)")
            throw error
        }
    }
}

/// Seeded uniform values in [lo, hi).
func randomValues(_ count: Int, seed: UInt64, lo: Float = -1, hi: Float = 1) -> [Float] {
    var rng = PhiloxStream(seed: seed)
    return (0..<count).map { _ in lo + (hi - lo) * rng.uniform() }
}

/// Expects |got − want| <= abs + rel·|want| elementwise; a NaN passes only where `want` is NaN
/// (untouched NaN padding).
func expectClose(_ got: [Float], _ want: [Float], abs: Float = 1e-5, rel: Float = 1e-5, _ what: String,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(got.count == want.count, "\(what): \(got.count) values, expected \(want.count)", sourceLocation: sourceLocation)
    var worst = -1
    var worstExcess: Float = 0
    var bad = 0
    for i in 0..<min(got.count, want.count) {
        let err = Swift.abs(got[i] - want[i]), tol = abs + rel * Swift.abs(want[i])
        if want[i].isNaN && got[i].isNaN { continue }
        if !(err <= tol) {
            bad += 1
            let excess = err.isNaN ? .infinity : err - tol
            if worst < 0 || excess > worstExcess { worst = i; worstExcess = excess }
        }
    }
    #expect(bad == 0, "\(what): \(bad) of \(want.count) values off, worst at \(worst): got \(worst >= 0 ? got[worst] : 0), want \(worst >= 0 ? want[worst] : 0)",
            sourceLocation: sourceLocation)
}

/// Expects |vk − ref| <= bound[i] for each element of the view pair's payload and equality in the
/// padding around it (which no op may touch); a NaN passes only against a NaN.
func expectWithin(_ t: Twin, _ pair: (BufferView, BufferView), _ bound: [Double], _ what: String,
                  sourceLocation: SourceLocation = #_sourceLocation) {
    let (got, want) = t.whole(pair)
    #expect(bound.count == pair.1.count && got.count == want.count, "\(what): \(bound.count) bounds for \(pair.1.count) values",
            sourceLocation: sourceLocation)
    guard bound.count == pair.1.count, got.count == want.count else { return }
    var full = [Double](repeating: 0, count: want.count)
    for (i, b) in bound.enumerated() { full[pair.1.offset + i] = b }
    var bad = 0, worst = -1, worstRatio = 0.0
    for i in want.indices {
        if got[i].isNaN && want[i].isNaN { continue }
        let err = Swift.abs(Double(got[i]) - Double(want[i]))
        if !(err <= full[i]) {
            bad += 1
            let ratio = err.isNaN || full[i] == 0 ? .infinity : err / full[i]
            if worst < 0 || ratio > worstRatio { worst = i; worstRatio = ratio }
        }
    }
    #expect(bad == 0, "\(what): \(bad) of \(want.count) values off, worst at \(worst): got \(worst >= 0 ? got[worst] : 0), want \(worst >= 0 ? want[worst] : 0), bound \(worst >= 0 ? full[worst] : 0)",
            sourceLocation: sourceLocation)
}

/// Expects |got − want| <= tolerance[i] elementwise (results read back from whole runs).
func expectClose(_ got: [Float], _ want: [Float], perElement tolerance: [Float], _ what: String,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(got.count == want.count && want.count == tolerance.count, "\(what): \(got.count) values, expected \(want.count)",
            sourceLocation: sourceLocation)
    let bad = zip(zip(got, want), tolerance).enumerated().filter { !(Swift.abs($1.0.0 - $1.0.1) <= $1.1) }
    let worst = bad.max { Swift.abs($0.1.0.0 - $0.1.0.1) / $0.1.1 < Swift.abs($1.1.0.0 - $1.1.0.1) / $1.1.1 }
    #expect(bad.isEmpty, "\(what): \(bad.count) of \(want.count) values off, worst at \(worst?.0 ?? -1): got \(worst?.1.0.0 ?? 0), want \(worst?.1.0.1 ?? 0), tolerance \(worst?.1.1 ?? 0)",
            sourceLocation: sourceLocation)
}

/// The same buffers on the Vulkan backend and the reference backend.
struct Twin {
    let vk: VulkanComputeBackend
    let ref = ReferenceBackend()

    /// A buffer of `count` + padding floats holding `values` at `offset` (padding filled with
    /// `pad`), returned as views of the payload on both backends.
    func make(_ values: [Float], offset: Int = 3, tail: Int = 2, pad: Float = 7.5) throws -> (BufferView, BufferView) {
        let full = [Float](repeating: pad, count: offset) + values + [Float](repeating: pad, count: tail)
        let a = try vk.makeBuffer(full), b = try ref.makeBuffer(full)
        return (BufferView(a, offset: offset, count: values.count), BufferView(b, offset: offset, count: values.count))
    }

    /// Both whole buffers behind a pair of views (checks nothing outside the views was touched).
    /// A Vulkan read that throws (a device error) is recorded as a failure and gives [].
    func whole(_ pair: (BufferView, BufferView)) -> ([Float], [Float]) {
        var got: [Float] = []
        do { got = try vk.read(BufferView(pair.0.buffer)) } catch { Issue.record("vulkan read failed: \(error)") }
        return (got, ref.read(BufferView(pair.1.buffer)))
    }
}
