// BackendSelection.swift — picks the backend a job runs on: `auto` uses a Vulkan GPU when one
// is usable and the CPU otherwise (skipping CPU-type Vulkan devices such as lavapipe); `cpu`
// and `vulkan` are explicit, and with `vulkan` every reason to fall back is an error instead.
import CPUBackend
import DiffusionCore
import Foundation

public struct BackendOptions: Sendable {
    public var choice: BackendChoice
    public var deviceIndex: Int?
    public var shaderDir: URL?
    public var cpuThreads: Int?
    public init(choice: BackendChoice = .auto, deviceIndex: Int? = nil, shaderDir: URL? = nil, cpuThreads: Int? = nil) {
        self.choice = choice; self.deviceIndex = deviceIndex; self.shaderDir = shaderDir; self.cpuThreads = cpuThreads
    }
}

public enum BackendSelection {
    /// A backend for `options`, and the plain-words reason it was chosen.
    public static func make(_ options: BackendOptions) throws -> (backend: Backend, reason: String) {
        switch options.choice {
        case .cpu:
            return (cpuBackend(options), "cpu requested")
        case .vulkan:
            return (try VulkanSupport.make(options, allowCPUDevice: true), "vulkan requested")
        case .auto:
            do {
                let b = try VulkanSupport.make(options, allowCPUDevice: false)
                return (b, "auto: using Vulkan GPU \(b.info.deviceName)")
            } catch {
                return (cpuBackend(options), "auto: CPU backend, because \(error)")
            }
        }
    }

    static func cpuBackend(_ options: BackendOptions) -> Backend {
        CPUBackendFactory.make(threads: options.cpuThreads)
    }
}
