// AllocationTests.swift — a buffer the system cannot provide is an error the job can report, not
// a trap that takes the daemon down; small buffers still come back zero-filled.
import CPUBackend
import DiffusionCore
import Testing

@Suite struct AllocationTests {
    @Test func anImpossibleBufferThrowsANamedErrorOnBothCPUBackends() {
        for backend in [SIMDBackend(threads: 1) as Backend, ReferenceBackend()] {
            // 2^58 floats = 1 EiB: refused by calloc on any machine
            #expect(throws: HostBufferError.self) { _ = try backend.makeBuffer(count: 1 << 58) }
            do { _ = try backend.makeBuffer(count: 1 << 58) } catch {
                #expect("\(error)".contains("1048576.0 TiB") && "\(error)".contains("out of memory"), "\(error)")
            }
            #expect(throws: (any Error).self) { _ = try backend.makeBuffer(count: -1) }
        }
    }

    @Test func buffersComeBackZeroFilled() throws {
        let b = SIMDBackend(threads: 1)
        let buf = try b.makeBuffer(count: 1000)
        #expect(b.read(BufferView(buf)).allSatisfy { $0 == 0 })
    }
}
