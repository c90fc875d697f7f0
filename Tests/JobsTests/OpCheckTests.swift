// OpCheckTests.swift — `diffbench --only ops` on the SIMD backend: every case (the image ops
// included) passes its tolerance, and the table names each image op.
import CPUBackend
import Jobs
import Testing

@Test("OpCheck: every op of the SIMD backend matches the reference within its case's tolerance")
func opCheckSIMD() {
    let results = OpCheck.run(on: SIMDBackend(threads: 2))
    let failed = results.filter { !$0.passed }
    #expect(failed.isEmpty, "\(failed.map { "\($0.op) \($0.shape): worst \($0.worstRatio) \($0.error ?? "")" })")
    let ops = Set(results.map(\.op))
    for op in ["conv2dForward", "conv2dBackward", "groupNormForward", "groupNormBackward", "filmForward", "filmBackward",
               "upsampleNearestForward", "upsampleNearestBackward", "activationForward(mish)"] {
        #expect(ops.contains(op), "OpCheck has no case for \(op)")
    }
}
