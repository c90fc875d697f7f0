// TestSupport.swift — shared helpers of the CPU backend tests: seeded inputs from PhiloxStream,
// the two backends under comparison, and the `abs + rel·|ref|` closeness check.
import CPUBackend
import DiffusionCore
import Testing

/// Backends compared against the reference: the default thread count, one thread and an odd
/// count (uneven splits).
let simdBackends: [SIMDBackend] = [SIMDBackend(), SIMDBackend(threads: 1), SIMDBackend(threads: 3)]

/// `count` uniform floats in [lo, hi) from a seeded Philox stream.
func randomFloats(_ count: Int, seed: UInt64, in range: ClosedRange<Float> = -1...1) -> [Float] {
    var s = PhiloxStream(seed: seed)
    return (0..<count).map { _ in range.lowerBound + (range.upperBound - range.lowerBound) * s.uniform() }
}

/// Index of the first element where |got − want| > abs + rel·|want| (NaN counts as a mismatch), or nil.
func firstMismatch(_ got: [Float], _ want: [Float], abs: Float, rel: Float) -> Int? {
    if got.count != want.count { return 0 }
    for i in 0..<got.count {
        let tol = abs + rel * Swift.abs(want[i])
        if !(Swift.abs(got[i] - want[i]) <= tol) { return i }
    }
    return nil
}

/// Records an issue naming the first mismatching element.
func expectClose(_ got: [Float], _ want: [Float], abs: Float, rel: Float, _ what: @autoclosure () -> String,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(got.count == want.count, "\(what()): \(got.count) values, expected \(want.count)", sourceLocation: sourceLocation)
    if let i = firstMismatch(got, want, abs: abs, rel: rel) {
        Issue.record("\(what()): element \(i) is \(got[i]), reference \(want[i]) (tol abs \(abs) + rel \(rel))",
                     sourceLocation: sourceLocation)
    }
}

/// A buffer holding `values` at `offset`, surrounded by guard values, and the view of them.
func guardedView(_ backend: Backend, _ values: [Float], offset: Int, tail: Int = 5, guardValue: Float = 12345) throws -> BufferView {
    let buf = try backend.makeBuffer(count: offset + values.count + tail)
    backend.fill(BufferView(buf), value: guardValue)
    let v = BufferView(buf, offset: offset, count: values.count)
    backend.write(values, to: v)
    return v
}

/// The guard values around a guarded view are untouched.
func guardsIntact(_ backend: Backend, _ v: BufferView, guardValue: Float = 12345) -> Bool {
    let all = backend.cpuRead(BufferView(v.buffer))
    for i in 0..<all.count where i < v.offset || i >= v.offset + v.count {
        if all[i] != guardValue { return false }
    }
    return true
}

extension Backend {
    /// `read` through the protocol for the CPU backends, whose `read` cannot fail (only a device
    /// backend's does); a failure here is a test failure, reported with the error.
    func cpuRead(_ view: BufferView) -> [Float] {
        do { return try read(view) } catch {
            Issue.record("read on \(type(of: self)) threw \(error)")
            return []
        }
    }
}
