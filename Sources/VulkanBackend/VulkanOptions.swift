// VulkanOptions.swift — how to construct the Vulkan backend, and what a probe reports.
import Foundation

public struct VulkanOptions: Sendable {
    /// The Vulkan loader to dlopen.
    public var libraryPath: String
    /// Index into the enumerated physical devices; nil picks the best (discrete > integrated >
    /// virtual > CPU).
    public var deviceIndex: Int?
    /// The device's UUID (as `diffctl info` shows it, dashes optional); stable across reboots
    /// and enumeration order on multi-GPU nodes. Takes precedence over `deviceIndex`.
    public var deviceUUID: String?
    /// The device's PCI bus id, domain:bus:device.function in hex (e.g. 0000:65:00.0), from
    /// VK_EXT_pci_bus_info; matches no device that lacks the extension. Takes precedence over
    /// `deviceIndex`; `deviceUUID` takes precedence over it.
    public var devicePCIBusID: String?
    /// Accept a CPU-type device (Mesa lavapipe). `auto` leaves it false, `vulkan` sets it true.
    public var allowCPUDevice: Bool
    /// Directory holding the `.comp` shaders; nil searches (see `ShaderLocator`).
    public var shaderDir: URL?
    /// SPIR-V cache directory; nil uses $XDG_CACHE_HOME/diffusiond/spirv or ~/.cache/diffusiond/spirv.
    public var cacheDir: URL?
    /// glslangValidator to run; nil searches PATH and /usr/bin, /usr/local/bin.
    public var glslangPath: String?
    /// Which matmul kernel: `.auto` = shared-memory tiles on GPUs, register blocking only on
    /// CPU-type devices. Tests force each one to check both on any device.
    public var matmulKernel: MatmulKernel
    /// Caps invocations per workgroup below the device's limit (tests use 128, the smallest
    /// limit Vulkan allows, to check the small-workgroup shapes on any device); nil = no cap.
    public var maxWorkgroupInvocations: Int?
    /// Longest wait for one submission. A driver usually resets a hung GPU after a few seconds
    /// (VK_ERROR_DEVICE_LOST); without such a timeout a hang would block the job forever, so a
    /// wait that exceeds this becomes a device-lost error. One submission holds at most 1,024
    /// dispatches (milliseconds on a GPU, well under a minute on lavapipe).
    public var fenceTimeoutSeconds: Double = 120
    /// Tests only: build gaussianNoise with the driver's log made as inaccurate as the Vulkan
    /// spec allows near 1 (+2^-21), to show the noise stays finite on any conforming driver.
    public var emulateWorstCaseLog = false

    public init(libraryPath: String = "libvulkan.so.1", deviceIndex: Int? = nil, allowCPUDevice: Bool = false,
                shaderDir: URL? = nil, cacheDir: URL? = nil, glslangPath: String? = nil, matmulKernel: MatmulKernel = .auto,
                maxWorkgroupInvocations: Int? = nil) {
        self.libraryPath = libraryPath; self.deviceIndex = deviceIndex; self.allowCPUDevice = allowCPUDevice
        self.shaderDir = shaderDir; self.cacheDir = cacheDir; self.glslangPath = glslangPath
        self.matmulKernel = matmulKernel; self.maxWorkgroupInvocations = maxWorkgroupInvocations
    }
}

/// The two matmul kernels of shaders/matmul.comp.
public enum MatmulKernel: String, Sendable, CaseIterable {
    /// tiled for GPUs on discrete/integrated/virtual GPUs, direct on CPU-type devices
    case auto
    /// shared-memory tiles + register blocking (the default on GPUs)
    case tiled
    /// register blocking only, operands read from the buffers (-DDIRECT; the default on lavapipe)
    case direct
}

/// One physical device as a probe sees it.
public struct VulkanDeviceDescription: Codable, Equatable, Sendable, CustomStringConvertible {
    public var index: Int
    public var name: String
    /// "discrete-gpu" | "integrated-gpu" | "virtual-gpu" | "cpu-vulkan" | "other"
    public var type: String
    /// e.g. "1.3.230"
    public var apiVersion: String
    /// driver name and version, e.g. "llvmpipe (Mesa 22.3.6)" or the raw driver version
    public var driver: String
    public var hasComputeQueue: Bool
    /// VkPhysicalDeviceIDProperties.deviceUUID (8-4-4-4-12 hex); nil before Vulkan 1.1.
    public var uuid: String?
    /// The queue family the backend uses on this device (a compute-only one when present).
    public var queueFamily: Int?
    /// PCI bus id "dddd:bb:dd.f" (VK_EXT_pci_bus_info); nil when the device lacks the extension.
    public var pciBusID: String?

    public init(index: Int, name: String, type: String, apiVersion: String, driver: String, hasComputeQueue: Bool,
                uuid: String? = nil, queueFamily: Int? = nil, pciBusID: String? = nil) {
        self.index = index; self.name = name; self.type = type; self.apiVersion = apiVersion; self.driver = driver
        self.hasComputeQueue = hasComputeQueue; self.uuid = uuid; self.queueFamily = queueFamily
        self.pciBusID = pciBusID
    }

    public var description: String {
        let id = (uuid.map { ", uuid \($0)" } ?? "") + (pciBusID.map { ", pci \($0)" } ?? "")
        let queue = queueFamily.map { ", queue family \($0)" } ?? ""
        return "#\(index) \(name) [\(type), Vulkan \(apiVersion), driver \(driver)\(id)\(queue)\(hasComputeQueue ? "" : ", no compute queue")]"
    }
}

/// What `VulkanComputeBackend.probe` found: the devices, or the reason there are none.
public struct VulkanProbe: Sendable, CustomStringConvertible {
    public var devices: [VulkanDeviceDescription]
    /// Why Vulkan cannot be used at all (loader missing, instance failed); nil when devices were listed.
    public var error: VulkanError?
    /// The device `init(options:)` would pick with these options, if any.
    public var selectedIndex: Int?

    /// One line per device (the selected one marked with *), then the reason Vulkan is not
    /// usable with these options, if any.
    public var description: String {
        var lines = devices.map { ($0.index == selectedIndex ? "* " : "  ") + $0.description }
        if let error { lines.append(error.description) } else if devices.isEmpty { lines.append("vulkan: no Vulkan device found") }
        return lines.joined(separator: "\n")
    }
}
