// BackendFactories.swift — the constructors of the concrete backends, in one place.
import CPUBackend
import DiffusionCore
import Foundation
import VulkanBackend

enum CPUBackendFactory {
    static func make(threads: Int?) -> Backend { SIMDBackend(threads: threads) }
    /// The plain reference backend, shared, for host-only work (GMM sampling needs no device).
    static let hostOnly: Backend = ReferenceBackend()
}

enum VulkanSupport {
    static func vulkanOptions(_ options: BackendOptions, allowCPUDevice: Bool) -> VulkanOptions {
        var o = VulkanOptions(allowCPUDevice: allowCPUDevice, shaderDir: options.shaderDir)
        switch options.device {
        case let .index(i)?: o.deviceIndex = i
        case let .uuid(u)?: o.deviceUUID = u
        case let .pciBusID(p)?: o.devicePCIBusID = p
        case nil: break
        }
        if let lib = ProcessInfo.processInfo.environment["DIFFUSIOND_VULKAN_LIBRARY"], !lib.isEmpty { o.libraryPath = lib }
        return o
    }

    /// A Vulkan backend; throws the plain-words reason when none is usable.
    static func make(_ options: BackendOptions, allowCPUDevice: Bool) throws -> Backend {
        try VulkanComputeBackend(options: vulkanOptions(options, allowCPUDevice: allowCPUDevice))
    }

    /// Every Vulkan device seen (one line each), or the reason there are none.
    static func deviceList(_ options: BackendOptions) -> [String] {
        let probe = VulkanComputeBackend.probe(options: vulkanOptions(options, allowCPUDevice: true))
        if probe.devices.isEmpty { return probe.error.map { [$0.description] } ?? ["no Vulkan device found"] }
        return probe.devices.map { $0.description }
    }
}
