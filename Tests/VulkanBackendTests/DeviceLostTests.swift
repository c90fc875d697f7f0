// DeviceLostTests.swift — device errors a real GPU produces (a driver reset or timeout) injected
// by a fault loader: a tiny C library that forwards everything to the real libvulkan.so.1 but
// makes vkQueueSubmit, vkWaitForFences or vkMapMemory return VK_ERROR_DEVICE_LOST (or the wait
// VK_TIMEOUT) after N successful calls. Every later read throws, naming the device and the error;
// a sampler on such a backend throws instead of returning samples.
import DiffusionCore
import Foundation
import Testing
import VulkanBackend

enum FaultLoader {
    /// Tests/Fixtures/faultvulkan.c, shared with the daemon's device-lost job test.
    static let source = (try? String(contentsOfFile: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/faultvulkan.c").path, encoding: .utf8)) ?? ""

    /// Builds the fault loader for `mode` (FAIL_SUBMIT, FAIL_WAIT, TIMEOUT_WAIT, FAIL_MAP),
    /// failing every call after the first `after`; returns its path.
    static func build(mode: String, after: Int) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("diffusiond-faultvk-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let c = dir.appendingPathComponent("fault.c"), so = dir.appendingPathComponent("libfaultvulkan.so")
        try source.write(to: c, atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: FakeLoader.compiler!)
        p.arguments = ["-shared", "-fPIC", "-o", so.path, c.path, "-D\(mode)", "-DFAIL_AFTER=\(after)", "-ldl"]
        try p.run()
        p.waitUntilExit()
        try #require(p.terminationStatus == 0, "building the fault loader failed")
        return so.path
    }

    static func backend(mode: String, after: Int) throws -> VulkanComputeBackend {
        var options = VulkanTestEnv.options()
        options.libraryPath = try build(mode: mode, after: after)
        return try VulkanComputeBackend(options: options)
    }
}

@Suite("Vulkan device errors (fault loader)", .serialized,
       .enabled(if: VulkanTestEnv.enabled && FakeLoader.compiler != nil, "no Vulkan device or no C compiler"))
struct DeviceLostTests {
    /// After the injected failure: the read throws deviceFailed naming the device and the call,
    /// and so does every later read, synchronize and makeBuffer.
    func expectDead(_ be: VulkanComputeBackend, _ buf: DeviceBuffer, call: String, result: Int32 = -4) {
        let want = VulkanError.deviceFailed(device: be.deviceDescription.name, call: call, result: result)
        #expect(throws: want) { _ = try be.read(BufferView(buf)) }
        #expect(throws: want) { try be.synchronize() }
        #expect(throws: want) { _ = try be.read(BufferView(buf)) }
        #expect(throws: want) { _ = try be.makeBuffer(count: 4) }
        #expect(be.deviceFailure == want)
        #expect(want.description.contains(be.deviceDescription.name) && want.description.contains("VK_ERROR_DEVICE_LOST"))
    }

    @Test("VK_ERROR_DEVICE_LOST at vkQueueSubmit: the read throws, never returns values")
    func lostAtSubmit() throws {
        let be = try FaultLoader.backend(mode: "FAIL_SUBMIT", after: 0)
        let b = try be.makeBuffer(count: 8)
        be.fill(BufferView(b), value: 3)
        expectDead(be, b, call: "vkQueueSubmit")
    }

    @Test("VK_ERROR_DEVICE_LOST at vkWaitForFences, after one good round trip")
    func lostAtWait() throws {
        let be = try FaultLoader.backend(mode: "FAIL_WAIT", after: 1)
        let b = try be.makeBuffer(count: 8)
        be.fill(BufferView(b), value: 3)
        #expect(try be.read(BufferView(b)) == [Float](repeating: 3, count: 8))   // the one good wait
        be.fill(BufferView(b), value: 4)
        expectDead(be, b, call: "vkWaitForFences")
    }

    @Test("a fence wait that times out (VK_TIMEOUT) becomes a device-lost error")
    func waitTimeout() throws {
        let be = try FaultLoader.backend(mode: "TIMEOUT_WAIT", after: 0)
        let b = try be.makeBuffer(count: 8)
        be.fill(BufferView(b), value: 3)
        expectDead(be, b, call: "vkWaitForFences (no completion within 120.0 s)")
    }

    @Test("VK_ERROR_DEVICE_LOST at vkMapMemory (a read larger than the staging ring maps a new buffer)")
    func lostAtMap() throws {
        // the two frames' staging rings are mapped at start-up: those maps succeed
        let be = try FaultLoader.backend(mode: "FAIL_MAP", after: 2)
        let b = try be.makeBuffer(count: 3 << 20)   // 12 MiB > the 8 MiB staging ring
        #expect(throws: VulkanError.deviceFailed(device: be.deviceDescription.name, call: "vkMapMemory", result: -4)) {
            _ = try be.read(BufferView(b))
        }
        expectDead(be, b, call: "vkMapMemory")
    }

    @Test("a sampler on a device that is lost throws instead of returning samples")
    func samplerFails() throws {
        let be = try FaultLoader.backend(mode: "FAIL_SUBMIT", after: 0)
        let config = ModelConfig(dataDim: 2, width: 16, depth: 2, timeEmbedDim: 8)
        let model = try MLPDenoiser(config: config, backend: be)
        let params = try be.makeBuffer(count: model.parameterCount)
        let denoiser = try TrainedDenoiser(model: model, params: BufferView(params), objective: .flow, maxBatch: 16)
        let sampler = try Sampler(config: SamplerConfig(kind: .flowHeun, steps: 3, seed: 5), denoiser: denoiser, schedule: nil)
        #expect(throws: VulkanError.self) { _ = try sampler.sample(count: 8) }
        #expect(be.deviceFailure != nil)
    }
}
