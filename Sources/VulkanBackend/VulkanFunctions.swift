// VulkanFunctions.swift — dlopen of the Vulkan loader and the function tables resolved through
// vkGetInstanceProcAddr / vkGetDeviceProcAddr. Nothing links libvulkan: a machine without it
// gets `VulkanError.loaderMissing` at run time and the binary still runs on the CPU.
import CVulkan
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The dlopen'ed loader. Never closed: drivers register atexit handlers.
final class VulkanLibrary: @unchecked Sendable {
    let path: String
    let getInstanceProcAddr: PFN_vkGetInstanceProcAddr

    init(path: String) throws {
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "dlopen failed"
            throw VulkanError.loaderMissing(path: path, reason: reason)
        }
        guard let sym = dlsym(handle, "vkGetInstanceProcAddr") else {
            throw VulkanError.missingFunction("vkGetInstanceProcAddr")
        }
        self.path = path
        getInstanceProcAddr = unsafeBitCast(sym, to: PFN_vkGetInstanceProcAddr.self)
    }

    /// A global or instance-level entry point (`instance` nil for global ones).
    func load<T>(_ name: String, _ instance: VkInstance?) throws -> T {
        guard let f = getInstanceProcAddr(instance, name) else { throw VulkanError.missingFunction(name) }
        return unsafeBitCast(f, to: T.self)
    }
    func loadOptional<T>(_ name: String, _ instance: VkInstance?) -> T? {
        guard let f = getInstanceProcAddr(instance, name) else { return nil }
        return unsafeBitCast(f, to: T.self)
    }
}

/// Instance-level functions.
struct InstanceFunctions {
    let destroyInstance: PFN_vkDestroyInstance
    let enumeratePhysicalDevices: PFN_vkEnumeratePhysicalDevices
    let getPhysicalDeviceProperties: PFN_vkGetPhysicalDeviceProperties
    let getPhysicalDeviceProperties2: PFN_vkGetPhysicalDeviceProperties2?
    let enumerateDeviceExtensionProperties: PFN_vkEnumerateDeviceExtensionProperties?
    let getPhysicalDeviceQueueFamilyProperties: PFN_vkGetPhysicalDeviceQueueFamilyProperties
    let getPhysicalDeviceMemoryProperties: PFN_vkGetPhysicalDeviceMemoryProperties
    let createDevice: PFN_vkCreateDevice
    let getDeviceProcAddr: PFN_vkGetDeviceProcAddr

    init(_ lib: VulkanLibrary, _ instance: VkInstance) throws {
        destroyInstance = try lib.load("vkDestroyInstance", instance)
        enumeratePhysicalDevices = try lib.load("vkEnumeratePhysicalDevices", instance)
        getPhysicalDeviceProperties = try lib.load("vkGetPhysicalDeviceProperties", instance)
        getPhysicalDeviceProperties2 = lib.loadOptional("vkGetPhysicalDeviceProperties2", instance)
        enumerateDeviceExtensionProperties = lib.loadOptional("vkEnumerateDeviceExtensionProperties", instance)
        getPhysicalDeviceQueueFamilyProperties = try lib.load("vkGetPhysicalDeviceQueueFamilyProperties", instance)
        getPhysicalDeviceMemoryProperties = try lib.load("vkGetPhysicalDeviceMemoryProperties", instance)
        createDevice = try lib.load("vkCreateDevice", instance)
        getDeviceProcAddr = try lib.load("vkGetDeviceProcAddr", instance)
    }
}

/// Device-level functions.
struct DeviceFunctions {
    let destroyDevice: PFN_vkDestroyDevice
    let getDeviceQueue: PFN_vkGetDeviceQueue
    let deviceWaitIdle: PFN_vkDeviceWaitIdle
    let createBuffer: PFN_vkCreateBuffer
    let destroyBuffer: PFN_vkDestroyBuffer
    let getBufferMemoryRequirements: PFN_vkGetBufferMemoryRequirements
    let allocateMemory: PFN_vkAllocateMemory
    let freeMemory: PFN_vkFreeMemory
    let bindBufferMemory: PFN_vkBindBufferMemory
    let mapMemory: PFN_vkMapMemory
    let unmapMemory: PFN_vkUnmapMemory
    let createShaderModule: PFN_vkCreateShaderModule
    let destroyShaderModule: PFN_vkDestroyShaderModule
    let createDescriptorSetLayout: PFN_vkCreateDescriptorSetLayout
    let destroyDescriptorSetLayout: PFN_vkDestroyDescriptorSetLayout
    let createPipelineLayout: PFN_vkCreatePipelineLayout
    let destroyPipelineLayout: PFN_vkDestroyPipelineLayout
    let createComputePipelines: PFN_vkCreateComputePipelines
    /// optional: a loader without them builds pipelines uncached
    let createPipelineCache: PFN_vkCreatePipelineCache?
    let destroyPipelineCache: PFN_vkDestroyPipelineCache?
    let getPipelineCacheData: PFN_vkGetPipelineCacheData?
    let destroyPipeline: PFN_vkDestroyPipeline
    let createDescriptorPool: PFN_vkCreateDescriptorPool
    let destroyDescriptorPool: PFN_vkDestroyDescriptorPool
    let resetDescriptorPool: PFN_vkResetDescriptorPool
    let allocateDescriptorSets: PFN_vkAllocateDescriptorSets
    let updateDescriptorSets: PFN_vkUpdateDescriptorSets
    let createCommandPool: PFN_vkCreateCommandPool
    let destroyCommandPool: PFN_vkDestroyCommandPool
    let allocateCommandBuffers: PFN_vkAllocateCommandBuffers
    let beginCommandBuffer: PFN_vkBeginCommandBuffer
    let endCommandBuffer: PFN_vkEndCommandBuffer
    let resetCommandBuffer: PFN_vkResetCommandBuffer
    let cmdBindPipeline: PFN_vkCmdBindPipeline
    let cmdBindDescriptorSets: PFN_vkCmdBindDescriptorSets
    let cmdPushConstants: PFN_vkCmdPushConstants
    let cmdDispatch: PFN_vkCmdDispatch
    let cmdPipelineBarrier: PFN_vkCmdPipelineBarrier
    let cmdCopyBuffer: PFN_vkCmdCopyBuffer
    let createFence: PFN_vkCreateFence
    let destroyFence: PFN_vkDestroyFence
    let resetFences: PFN_vkResetFences
    let waitForFences: PFN_vkWaitForFences
    let queueSubmit: PFN_vkQueueSubmit

    init(_ getProc: PFN_vkGetDeviceProcAddr, _ device: VkDevice) throws {
        func load<T>(_ name: String) throws -> T {
            guard let f = getProc(device, name) else { throw VulkanError.missingFunction(name) }
            return unsafeBitCast(f, to: T.self)
        }
        func loadOptional<T>(_ name: String) -> T? { getProc(device, name).map { unsafeBitCast($0, to: T.self) } }
        createPipelineCache = loadOptional("vkCreatePipelineCache")
        destroyPipelineCache = loadOptional("vkDestroyPipelineCache")
        getPipelineCacheData = loadOptional("vkGetPipelineCacheData")
        destroyDevice = try load("vkDestroyDevice")
        getDeviceQueue = try load("vkGetDeviceQueue")
        deviceWaitIdle = try load("vkDeviceWaitIdle")
        createBuffer = try load("vkCreateBuffer")
        destroyBuffer = try load("vkDestroyBuffer")
        getBufferMemoryRequirements = try load("vkGetBufferMemoryRequirements")
        allocateMemory = try load("vkAllocateMemory")
        freeMemory = try load("vkFreeMemory")
        bindBufferMemory = try load("vkBindBufferMemory")
        mapMemory = try load("vkMapMemory")
        unmapMemory = try load("vkUnmapMemory")
        createShaderModule = try load("vkCreateShaderModule")
        destroyShaderModule = try load("vkDestroyShaderModule")
        createDescriptorSetLayout = try load("vkCreateDescriptorSetLayout")
        destroyDescriptorSetLayout = try load("vkDestroyDescriptorSetLayout")
        createPipelineLayout = try load("vkCreatePipelineLayout")
        destroyPipelineLayout = try load("vkDestroyPipelineLayout")
        createComputePipelines = try load("vkCreateComputePipelines")
        destroyPipeline = try load("vkDestroyPipeline")
        createDescriptorPool = try load("vkCreateDescriptorPool")
        destroyDescriptorPool = try load("vkDestroyDescriptorPool")
        resetDescriptorPool = try load("vkResetDescriptorPool")
        allocateDescriptorSets = try load("vkAllocateDescriptorSets")
        updateDescriptorSets = try load("vkUpdateDescriptorSets")
        createCommandPool = try load("vkCreateCommandPool")
        destroyCommandPool = try load("vkDestroyCommandPool")
        allocateCommandBuffers = try load("vkAllocateCommandBuffers")
        beginCommandBuffer = try load("vkBeginCommandBuffer")
        endCommandBuffer = try load("vkEndCommandBuffer")
        resetCommandBuffer = try load("vkResetCommandBuffer")
        cmdBindPipeline = try load("vkCmdBindPipeline")
        cmdBindDescriptorSets = try load("vkCmdBindDescriptorSets")
        cmdPushConstants = try load("vkCmdPushConstants")
        cmdDispatch = try load("vkCmdDispatch")
        cmdPipelineBarrier = try load("vkCmdPipelineBarrier")
        cmdCopyBuffer = try load("vkCmdCopyBuffer")
        createFence = try load("vkCreateFence")
        destroyFence = try load("vkDestroyFence")
        resetFences = try load("vkResetFences")
        waitForFences = try load("vkWaitForFences")
        queueSubmit = try load("vkQueueSubmit")
    }
}

/// Throws `VulkanError.deviceError` unless `result` is VK_SUCCESS.
@inline(__always)
func check(_ result: VkResult, _ call: String) throws {
    if result != VK_SUCCESS { throw VulkanError.deviceError(call: call, result: result.rawValue) }
}

/// VK_MAKE_API_VERSION(0, major, minor, patch) and its inverse (the macros are not imported).
enum VulkanVersion {
    static func make(_ major: UInt32, _ minor: UInt32, _ patch: UInt32 = 0) -> UInt32 {
        (major << 22) | (minor << 12) | patch
    }
    static func string(_ v: UInt32) -> String { "\((v >> 22) & 0x7f).\((v >> 12) & 0x3ff).\(v & 0xfff)" }
    static let v1_1 = make(1, 1)
    static let v1_2 = make(1, 2)
    static let v1_3 = make(1, 3)
}
