// VulkanError.swift — every reason the Vulkan backend cannot be used, in plain words.
// Jobs falls back to the CPU on any of these with backend = auto and reports them with
// backend = vulkan; the description is what `diffctl info` and the daemon log show.
import Foundation

public enum VulkanError: Error, CustomStringConvertible, Equatable, Sendable {
    /// dlopen of the Vulkan loader failed (libvulkan.so.1 not installed).
    case loaderMissing(path: String, reason: String)
    /// A required entry point could not be resolved from the loader or driver.
    case missingFunction(String)
    /// vkCreateInstance failed (VK_ERROR_INCOMPATIBLE_DRIVER: no Vulkan driver / ICD installed).
    case instanceCreationFailed(result: Int32)
    /// The instance sees no physical device at all, or none with a compute queue.
    case noComputeDevice(devices: [String])
    /// `deviceIndex` does not name an enumerated device.
    case deviceIndexOutOfRange(index: Int, count: Int)
    /// No device has the UUID / PCI bus id given in `device =` (selector: "UUID …" / "PCI bus id …").
    case deviceNotFound(selector: String, devices: [String])
    /// The only usable device is a CPU implementation (lavapipe) and allowCPUDevice is false.
    case cpuDeviceOnly(name: String)
    /// The device supports only Vulkan 1.0; the shaders target Vulkan 1.1.
    case deviceTooOld(name: String, version: String)
    /// The device's limits are below what the shaders need.
    case deviceLimits(name: String, reason: String)
    /// No shader directory with the .comp files was found.
    case shadersNotFound(searched: [String])
    /// glslangValidator could not be found or run.
    case glslangMissing(searched: [String])
    /// A shader failed to compile; `message` is "file:line: error: ..." lines from glslang.
    case shaderCompileFailed(file: String, message: String)
    /// A Vulkan call failed on the device (out of memory, device lost, ...).
    case deviceError(call: String, result: Int32)
    /// A buffer larger than the device can bind as one storage buffer.
    case bufferTooLarge(count: Int, maxFloats: Int)
    /// A Vulkan call failed on a working device (device lost, fence timeout, out of device
    /// memory, map failed). The backend is unusable from then on: every later read and
    /// synchronize throws this same error, and the job fails with it.
    case deviceFailed(device: String, call: String, result: Int32)
    /// Device-local memory ran out (VK_ERROR_OUT_OF_DEVICE_MEMORY on vkAllocateMemory).
    case outOfDeviceMemory(device: String, bytes: Int)

    public var description: String {
        switch self {
        case let .loaderMissing(path, reason):
            return "vulkan: the loader \(path) cannot be opened (\(reason)); install libvulkan1"
        case let .missingFunction(name):
            return "vulkan: the loader or driver does not provide \(name)"
        case let .instanceCreationFailed(result):
            let hint = result == VulkanResultNames.incompatibleDriver
                ? "no Vulkan driver is installed (VK_ERROR_INCOMPATIBLE_DRIVER)"
                : VulkanResultNames.name(result)
            return "vulkan: vkCreateInstance failed: \(hint)"
        case let .noComputeDevice(devices):
            return devices.isEmpty
                ? "vulkan: no Vulkan device found"
                : "vulkan: no device with a compute queue (seen: \(devices.joined(separator: ", ")))"
        case let .deviceIndexOutOfRange(index, count):
            return "vulkan: device index \(index) does not exist (\(count) device(s), numbered from 0)"
        case let .deviceNotFound(selector, devices):
            return "vulkan: no device with \(selector) (seen: \(devices.isEmpty ? "none" : devices.joined(separator: ", ")))"
        case let .cpuDeviceOnly(name):
            return "vulkan: only a CPU-type device (\(name)) is available; it is slower than the CPU backend and is used only with backend = vulkan"
        case let .deviceTooOld(name, version):
            return "vulkan: device \(name) supports Vulkan \(version); Vulkan 1.1 is required"
        case let .deviceLimits(name, reason):
            return "vulkan: device \(name) is too limited: \(reason)"
        case let .shadersNotFound(searched):
            return "vulkan: shader directory not found (looked in: \(searched.joined(separator: ", "))); set shader_dir or DIFFUSIOND_SHADER_DIR"
        case let .glslangMissing(searched):
            return "vulkan: no GLSL compiler: glslangValidator not found (looked in: \(searched.joined(separator: ", "))); install glslang-tools"
        case let .shaderCompileFailed(file, message):
            return "vulkan: shader \(file) failed to compile:\n\(message)"
        case let .deviceError(call, result):
            return "vulkan: \(call) failed: \(VulkanResultNames.name(result))"
        case let .deviceFailed(device, call, result):
            let hint = result == VulkanResultNames.deviceLost
                ? " (the driver reset or lost the device; results since the last synchronize are discarded)" : ""
            return "vulkan: device \(device): \(call) failed: \(VulkanResultNames.name(result))\(hint)"
        case let .outOfDeviceMemory(device, bytes):
            return "vulkan: device \(device) is out of device memory (allocating \(bytes) bytes); use a smaller batch or model, or backend = cpu"
        case let .bufferTooLarge(count, maxFloats):
            return "vulkan: a buffer of \(count) floats exceeds the device's storage-buffer limit of \(maxFloats) floats"
        }
    }
}

/// Names of the VkResult codes that show up in practice.
enum VulkanResultNames {
    static let incompatibleDriver: Int32 = -9
    static let deviceLost: Int32 = -4
    static let outOfDeviceMemory: Int32 = -2
    static func name(_ r: Int32) -> String {
        switch r {
        case 0: return "VK_SUCCESS"
        case 2: return "VK_TIMEOUT"
        case -1: return "VK_ERROR_OUT_OF_HOST_MEMORY"
        case -2: return "VK_ERROR_OUT_OF_DEVICE_MEMORY"
        case -3: return "VK_ERROR_INITIALIZATION_FAILED"
        case -4: return "VK_ERROR_DEVICE_LOST"
        case -5: return "VK_ERROR_MEMORY_MAP_FAILED"
        case -6: return "VK_ERROR_LAYER_NOT_PRESENT"
        case -7: return "VK_ERROR_EXTENSION_NOT_PRESENT"
        case -8: return "VK_ERROR_FEATURE_NOT_PRESENT"
        case -9: return "VK_ERROR_INCOMPATIBLE_DRIVER"
        case -10: return "VK_ERROR_TOO_MANY_OBJECTS"
        case -13: return "VK_ERROR_UNKNOWN"
        case -1000069000: return "VK_ERROR_OUT_OF_POOL_MEMORY"
        default: return "VkResult \(r)"
        }
    }
}
