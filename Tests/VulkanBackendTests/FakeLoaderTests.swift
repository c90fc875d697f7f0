// FakeLoaderTests.swift — the loader-level failures no real machine here shows on demand:
// a loader whose vkCreateInstance returns VK_ERROR_INCOMPATIBLE_DRIVER (no driver installed),
// and one whose instance has no physical devices. The fake loaders are tiny C libraries built
// with the system C compiler at test time (the test is skipped when there is none).
import Foundation
import Testing
import VulkanBackend

enum FakeLoader {
    static let source = """
    #include <string.h>
    typedef int VkResult;
    static int fakeInstance;
    static VkResult createInstance(const void *info, const void *alloc, void **out) {
    #ifdef NO_DRIVER
        return -9; /* VK_ERROR_INCOMPATIBLE_DRIVER */
    #else
        *out = &fakeInstance; return 0;
    #endif
    }
    static VkResult enumerateInstanceVersion(unsigned *v) { *v = (1u << 22) | (3u << 12); return 0; }
    static VkResult enumeratePhysicalDevices(void *inst, unsigned *count, void **list) { *count = 0; return 0; }
    static void destroyInstance(void *inst, const void *alloc) {}
    static void unused(void) {}
    void *vkGetInstanceProcAddr(void *instance, const char *name) {
        if (!strcmp(name, "vkCreateInstance")) return (void *)createInstance;
        if (!strcmp(name, "vkEnumerateInstanceVersion")) return (void *)enumerateInstanceVersion;
        if (!strcmp(name, "vkEnumeratePhysicalDevices")) return (void *)enumeratePhysicalDevices;
        if (!strcmp(name, "vkDestroyInstance")) return (void *)destroyInstance;
        return (void *)unused;
    }
    """

    static let compiler: String? = ["/usr/bin/cc", "/usr/bin/gcc", "/usr/bin/clang", "/usr/local/bin/cc"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Builds the fake loader (with -DNO_DRIVER when `noDriver`) and returns its path.
    static func build(noDriver: Bool) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("diffusiond-fakevk-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let c = dir.appendingPathComponent("fake.c"), so = dir.appendingPathComponent("libfakevulkan.so")
        try source.write(to: c, atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: compiler!)
        p.arguments = ["-shared", "-fPIC", "-o", so.path, c.path] + (noDriver ? ["-DNO_DRIVER"] : [])
        try p.run()
        p.waitUntilExit()
        try #require(p.terminationStatus == 0, "building the fake loader failed")
        return so.path
    }
}

@Suite("Vulkan loader failures (fake loaders)", .enabled(if: FakeLoader.compiler != nil, "no C compiler to build a fake loader"))
struct FakeLoaderTests {
    @Test("vkCreateInstance fails with VK_ERROR_INCOMPATIBLE_DRIVER → instanceCreationFailed, 'no Vulkan driver'")
    func noDriver() throws {
        let path = try FakeLoader.build(noDriver: true)
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path) }
        let options = VulkanOptions(libraryPath: path, allowCPUDevice: true)
        #expect(throws: VulkanError.instanceCreationFailed(result: -9)) { _ = try VulkanComputeBackend(options: options) }
        let probe = VulkanComputeBackend.probe(options: options)
        #expect(probe.error == .instanceCreationFailed(result: -9))
        #expect(probe.description.contains("no Vulkan driver is installed (VK_ERROR_INCOMPATIBLE_DRIVER)"))
    }

    @Test("an instance without devices → noComputeDevice")
    func noDevices() throws {
        let path = try FakeLoader.build(noDriver: false)
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path) }
        let options = VulkanOptions(libraryPath: path, allowCPUDevice: true)
        #expect(throws: VulkanError.noComputeDevice(devices: [])) { _ = try VulkanComputeBackend(options: options) }
        let probe = VulkanComputeBackend.probe(options: options)
        #expect(probe.devices.isEmpty && probe.error == .noComputeDevice(devices: []))
    }
}
