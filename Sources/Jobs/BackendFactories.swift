// BackendFactories.swift — the constructors of the concrete backends, in one place.
import CPUBackend
import DiffusionCore
import Foundation

enum CPUBackendFactory {
    static func make(threads: Int?) -> Backend { SIMDBackend(threads: threads) }
}

enum VulkanSupport {
    static func make(_ options: BackendOptions, allowCPUDevice: Bool) throws -> Backend {
        throw JobError.failed("the Vulkan backend is not built yet")
    }
    static func deviceList(_ options: BackendOptions) -> [String] { [] }
}
