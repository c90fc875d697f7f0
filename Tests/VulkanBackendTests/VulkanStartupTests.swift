// VulkanStartupTests.swift — every fallback reason produces its own error, the SPIR-V cache is
// hit on a second start, and probe lists the devices.
import DiffusionCore
import Foundation
import Testing
import VulkanBackend

/// A private copy of the repository's shaders in <tmp>/<unique>/shaders.
func copyShaders() throws -> URL {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("diffusiond-vk-\(UUID().uuidString)")
    let dir = root.appendingPathComponent("shaders")
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    try FileManager.default.copyItem(at: VulkanTestEnv.shaderDir, to: dir)
    return dir
}

func freshCacheDir() -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("diffusiond-vk-cache-\(UUID().uuidString)")
}

@Suite("Vulkan start-up errors that need no device")
struct VulkanLoaderErrorTests {
    @Test("a loader path that does not exist → loaderMissing, in init and in probe")
    func loaderMissing() {
        let options = VulkanOptions(libraryPath: "/nonexistent/libvulkan.so.1", allowCPUDevice: true)
        #expect {
            _ = try VulkanComputeBackend(options: options)
        } throws: { error in
            guard case .loaderMissing(let path, _)? = error as? VulkanError else { return false }
            return path == "/nonexistent/libvulkan.so.1" && "\(error)".contains("cannot be opened")
        }
        let probe = VulkanComputeBackend.probe(options: options)
        #expect(probe.devices.isEmpty)
        if case .loaderMissing? = probe.error {} else { Issue.record("probe error \(String(describing: probe.error))") }
    }

    @Test("a library without vkGetInstanceProcAddr → missingFunction")
    func notALoader() {
        #expect {
            _ = try VulkanComputeBackend(options: VulkanOptions(libraryPath: "libm.so.6"))
        } throws: { error in
            (error as? VulkanError) == .missingFunction("vkGetInstanceProcAddr")
        }
    }

    @Test("shader discovery: explicit dir, then DIFFUSIOND_SHADER_DIR, then next to the executable")
    func shaderDiscovery() throws {
        let repo = VulkanTestEnv.shaderDir.standardizedFileURL.path
        // the test binary lives in .build/<triple>/release/: walking up finds the repo's shaders/
        #expect(try VulkanComputeBackend.locateShaders(environment: [:]).path == repo)
        let copy = try copyShaders()
        defer { try? FileManager.default.removeItem(at: copy.deletingLastPathComponent()) }
        #expect(try VulkanComputeBackend.locateShaders(environment: ["DIFFUSIOND_SHADER_DIR": copy.path]).path
                == copy.standardizedFileURL.path)
        #expect(try VulkanComputeBackend.locateShaders(explicit: copy, environment: ["DIFFUSIOND_SHADER_DIR": "/nowhere"]) == copy)
        #expect(throws: VulkanError.shadersNotFound(searched: ["/nowhere"])) {
            _ = try VulkanComputeBackend.locateShaders(explicit: URL(fileURLWithPath: "/nowhere"))
        }
    }

    @Test("every error reads as plain words")
    func descriptions() {
        #expect(VulkanError.instanceCreationFailed(result: -9).description.contains("no Vulkan driver is installed"))
        #expect(VulkanError.cpuDeviceOnly(name: "llvmpipe").description.contains("only a CPU-type device (llvmpipe)"))
        #expect(VulkanError.noComputeDevice(devices: []).description.contains("no Vulkan device"))
        #expect(VulkanError.glslangMissing(searched: ["/x/glslangValidator"]).description.contains("glslang-tools"))
        #expect(VulkanError.deviceError(call: "vkQueueSubmit", result: -4).description.contains("VK_ERROR_DEVICE_LOST"))
    }
}

@Suite("Vulkan start-up with a device", .serialized, .enabled(if: VulkanTestEnv.enabled, VulkanTestEnv.skipReason))
struct VulkanStartupTests {
    @Test("probe lists the devices with name, type, version and driver")
    func probe() throws {
        _ = try VulkanTestEnv.require()
        let probe = VulkanComputeBackend.probe(options: VulkanTestEnv.options())
        #expect(probe.error == nil)
        #expect(!probe.devices.isEmpty)
        for d in probe.devices {
            #expect(!d.name.isEmpty && !d.driver.isEmpty && d.apiVersion.hasPrefix("1."))
            #expect(["discrete-gpu", "integrated-gpu", "virtual-gpu", "cpu-vulkan", "other"].contains(d.type))
        }
        #expect(probe.selectedIndex != nil)
    }

    @Test("info reports kind, device, type, Vulkan version and cache state")
    func info() throws {
        let vk = try VulkanTestEnv.require()
        let info = vk.info
        #expect(info.kind == "vulkan")
        #expect(info.deviceName == vk.deviceDescription.name)
        #expect(info.deviceType == vk.deviceDescription.type)
        #expect(info.detail.contains("Vulkan 1."))
        #expect(info.detail.contains("compiled") && info.detail.contains("from cache"))
    }

    @Test("allowCPUDevice = false on a machine with only CPU-type devices → cpuDeviceOnly")
    func cpuDeviceOnly() throws {
        _ = try VulkanTestEnv.require()
        let probe = VulkanComputeBackend.probe(options: VulkanTestEnv.options())
        let usable = probe.devices.filter { $0.hasComputeQueue }
        var options = VulkanTestEnv.options()
        options.allowCPUDevice = false
        if usable.allSatisfy({ $0.type == "cpu-vulkan" }) {
            #expect {
                _ = try VulkanComputeBackend(options: options)
            } throws: { error in
                guard case .cpuDeviceOnly(let name)? = error as? VulkanError else { return false }
                return name == usable[0].name
            }
            let probe = VulkanComputeBackend.probe(options: options)
            #expect(probe.error == .cpuDeviceOnly(name: usable[0].name))
            #expect(probe.description.contains(usable[0].name) && probe.description.contains("only a CPU-type device"))
        } else {
            // a real GPU is present: auto must pick it, never the CPU device
            let vk = try VulkanComputeBackend(options: options)
            #expect(vk.deviceDescription.type != "cpu-vulkan")
        }
    }

    @Test("a device index that does not exist → deviceIndexOutOfRange")
    func badDeviceIndex() throws {
        _ = try VulkanTestEnv.require()
        var options = VulkanTestEnv.options()
        options.deviceIndex = 99
        #expect {
            _ = try VulkanComputeBackend(options: options)
        } throws: { error in
            guard case .deviceIndexOutOfRange(99, _)? = error as? VulkanError else { return false }
            return true
        }
    }

    @Test("a device UUID selects that device; an unknown UUID or PCI bus id lists the devices")
    func selectByUUIDOrPCI() throws {
        _ = try VulkanTestEnv.require()
        let probe = VulkanComputeBackend.probe(options: VulkanTestEnv.options())
        let target = try #require(probe.devices.first { $0.hasComputeQueue && $0.uuid != nil })
        var options = VulkanTestEnv.options()
        options.deviceUUID = try #require(target.uuid).uppercased()
        let vk = try VulkanComputeBackend(options: options)
        #expect(vk.deviceDescription.uuid == target.uuid && vk.deviceDescription.index == target.index)
        if let pci = target.pciBusID {
            var byPCI = VulkanTestEnv.options()
            byPCI.devicePCIBusID = pci
            #expect(try VulkanComputeBackend(options: byPCI).deviceDescription.index == target.index)
        }
        for (uuid, pci) in [("00000000-0000-0000-0000-0000000000ff", nil), (nil, "ffff:ff:1f.7")] as [(String?, String?)] {
            var bad = VulkanTestEnv.options()
            bad.deviceUUID = uuid; bad.devicePCIBusID = pci
            #expect {
                _ = try VulkanComputeBackend(options: bad)
            } throws: { error in
                guard let e = error as? VulkanError, case .deviceNotFound(_, let devices) = e else { return false }
                let text = e.description
                return devices.count == probe.devices.count && text.contains(uuid ?? pci!)
                    && text.contains(target.name) && text.contains(target.uuid!)
            }
        }
    }

    @Test("no glslang at the given path → glslangMissing")
    func glslangMissing() throws {
        _ = try VulkanTestEnv.require()
        var options = VulkanTestEnv.options()
        options.glslangPath = "/nonexistent/glslangValidator"
        #expect {
            _ = try VulkanComputeBackend(options: options)
        } throws: { error in
            guard case .glslangMissing(let searched)? = error as? VulkanError else { return false }
            return searched == ["/nonexistent/glslangValidator"]
        }
    }

    @Test("a shader directory without shaders → shadersNotFound")
    func shadersNotFound() throws {
        _ = try VulkanTestEnv.require()
        var options = VulkanTestEnv.options()
        options.shaderDir = URL(fileURLWithPath: "/nonexistent/shaders")
        #expect(throws: VulkanError.shadersNotFound(searched: ["/nonexistent/shaders"])) {
            _ = try VulkanComputeBackend(options: options)
        }
    }

    @Test("a syntax error in a shader → shaderCompileFailed naming shaders/<file>:<line>")
    func brokenShader() throws {
        _ = try VulkanTestEnv.require()
        let dir = try copyShaders()
        defer { try? FileManager.default.removeItem(at: dir.deletingLastPathComponent()) }
        let file = dir.appendingPathComponent("axpby.comp")
        var lines = try String(contentsOf: file, encoding: .utf8).components(separatedBy: "\n")
        let bad = lines.firstIndex { $0.contains("outv[p.oOut + i] =") }!
        lines[bad] = "        outv[p.oOut + i] = undefinedThing * 2.0;"
        try lines.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        var options = VulkanTestEnv.options()   // the other shaders come from the shared cache
        options.shaderDir = dir
        #expect {
            _ = try VulkanComputeBackend(options: options)
        } throws: { error in
            guard case .shaderCompileFailed(let f, let message)? = error as? VulkanError else { return false }
            return f == "shaders/axpby.comp" && message.contains("shaders/axpby.comp:\(bad + 1): error:")
                && message.contains("undefinedThing") && "\(error)".contains("shaders/axpby.comp:\(bad + 1)")
        }
    }

    @Test("the SPIR-V cache: a second start compiles nothing; editing one shader recompiles only it")
    func cache() throws {
        _ = try VulkanTestEnv.require()
        let dir = try copyShaders()
        let cacheDir = freshCacheDir()
        defer {
            try? FileManager.default.removeItem(at: dir.deletingLastPathComponent())
            try? FileManager.default.removeItem(at: cacheDir)
        }
        var options = VulkanTestEnv.options(cacheDir: cacheDir)
        options.shaderDir = dir
        let first = try VulkanComputeBackend(options: options)
        #expect(first.shadersCompiled > 20 && first.shadersFromCache == 0)
        let second = try VulkanComputeBackend(options: options)
        #expect(second.shadersCompiled == 0 && second.shadersFromCache == first.shadersCompiled)
        #expect(second.info.detail.contains("0 compiled, \(first.shadersCompiled) from cache"))

        let fill = dir.appendingPathComponent("fill.comp")
        try (String(contentsOf: fill, encoding: .utf8) + "\n// edited\n").write(to: fill, atomically: true, encoding: .utf8)
        let third = try VulkanComputeBackend(options: options)
        #expect(third.shadersCompiled == 1 && third.shadersFromCache == first.shadersCompiled - 1)
        // the edited build still works
        let b = try third.makeBuffer(count: 5)
        third.fill(BufferView(b), value: 2)
        #expect(try third.read(BufferView(b)) == [2, 2, 2, 2, 2])
    }
}
