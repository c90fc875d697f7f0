// BackendFactories.swift — the constructors of the concrete backends, in one place.
import CPUBackend
import DiffusionCore
import Foundation
import VulkanBackend

enum CPUBackendFactory {
    static func make(threads: Int?) -> Backend { SIMDBackend(threads: threads) }
}

enum VulkanSupport {
    static func vulkanOptions(_ options: BackendOptions, allowCPUDevice: Bool) -> VulkanOptions {
        VulkanOptions(deviceIndex: options.deviceIndex, allowCPUDevice: allowCPUDevice, shaderDir: options.shaderDir)
    }
    /// Throws a `VulkanError` whose description is the plain-words fallback reason.
    static func make(_ options: BackendOptions, allowCPUDevice: Bool) throws -> Backend {
        try VulkanComputeBackend(options: vulkanOptions(options, allowCPUDevice: allowCPUDevice))
    }
    /// Every Vulkan device seen ("#0 llvmpipe (...) [cpu-vulkan, Vulkan 1.3.230, driver ...]"), or empty.
    static func deviceList(_ options: BackendOptions) -> [String] {
        VulkanComputeBackend.probe(options: vulkanOptions(options, allowCPUDevice: true)).devices.map(\.description)
    }
}
