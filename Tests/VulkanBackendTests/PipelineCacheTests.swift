// PipelineCacheTests.swift — the on-disk VkPipelineCache: a second backend with the same cache
// directory loads what the first one saved; a corrupted file is ignored, not a failure.
import DiffusionCore
import Foundation
import Testing
import VulkanBackend

@Suite("Vulkan pipeline cache on disk", .serialized, .enabled(if: VulkanTestEnv.enabled, VulkanTestEnv.skipReason))
struct PipelineCacheTests {
    /// A backend on `dir` that builds at least one pipeline (fill) and then goes away.
    func runOnce(_ dir: URL) throws -> (loaded: Int, file: URL?) {
        let vk = try VulkanComputeBackend(options: VulkanTestEnv.options(cacheDir: dir))
        let b = try vk.makeBuffer(count: 8)
        vk.fill(BufferView(b), value: 2)
        #expect(try vk.read(BufferView(b)) == [Float](repeating: 2, count: 8))
        return (vk.pipelineCacheLoadedBytes, vk.pipelineCacheFile)
    }

    @Test("a second start loads the saved cache; a corrupted file is ignored")
    func savedThenLoaded() throws {
        _ = try VulkanTestEnv.require()
        let dir = freshCacheDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = try runOnce(dir)
        #expect(first.loaded == 0)
        let file = try #require(first.file)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int)
        #expect(size >= 32)
        let second = try runOnce(dir)
        #expect(second.loaded == size)

        try Data(repeating: 0xA5, count: 256).write(to: file)          // wrong header
        #expect(try runOnce(dir).loaded == 0)
        try Data([1, 2, 3]).write(to: file)                             // truncated
        #expect(try runOnce(dir).loaded == 0)
        // the run after the corrupted ones saved a valid cache again
        #expect(try runOnce(dir).loaded > 0)
    }
}
