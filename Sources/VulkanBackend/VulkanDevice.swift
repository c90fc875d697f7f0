// VulkanDevice.swift — the logical device, its compute queue, memory-type choice, and raw
// buffers (a VkBuffer with its own VkDeviceMemory, optionally persistently mapped).
import CVulkan
import Foundation

final class VulkanDevice: @unchecked Sendable {
    let instance: VulkanInstance
    let physical: VkPhysicalDevice
    let description: VulkanDeviceDescription
    let device: VkDevice
    let queue: VkQueue
    let queueFamily: UInt32
    /// The family has compute but not graphics (a dedicated compute queue).
    let dedicatedCompute: Bool
    let fn: DeviceFunctions
    let memoryProperties: VkPhysicalDeviceMemoryProperties
    let limits: VkPhysicalDeviceLimits
    let properties: VkPhysicalDeviceProperties
    /// vkWaitForFences timeout (VulkanOptions.fenceTimeoutSeconds).
    let fenceTimeoutNanoseconds: UInt64

    init(instance: VulkanInstance, physical: VkPhysicalDevice, description: VulkanDeviceDescription,
         fenceTimeoutSeconds: Double) throws {
        fenceTimeoutNanoseconds = UInt64(max(0.001, min(fenceTimeoutSeconds, 1e9)) * 1e9)
        self.instance = instance
        self.physical = physical
        self.description = description
        guard let family = instance.computeQueueFamily(physical) else {
            throw VulkanError.noComputeDevice(devices: [description.description])
        }
        queueFamily = family
        dedicatedCompute = instance.isComputeOnly(physical, family: family)
        properties = instance.properties(physical)
        limits = properties.limits
        var mem = VkPhysicalDeviceMemoryProperties()
        instance.fn.getPhysicalDeviceMemoryProperties(physical, &mem)
        memoryProperties = mem

        var created: VkDevice?
        var priority: Float = 1
        let result: VkResult = withUnsafePointer(to: &priority) { pp in
            var queueInfo = VkDeviceQueueCreateInfo()
            queueInfo.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO
            queueInfo.queueFamilyIndex = family
            queueInfo.queueCount = 1
            queueInfo.pQueuePriorities = pp
            return withUnsafePointer(to: &queueInfo) { qp in
                var info = VkDeviceCreateInfo()
                info.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO
                info.queueCreateInfoCount = 1
                info.pQueueCreateInfos = qp
                return instance.fn.createDevice(physical, &info, nil, &created)
            }
        }
        guard result == VK_SUCCESS, let created else {
            throw VulkanError.deviceError(call: "vkCreateDevice", result: result.rawValue)
        }
        device = created
        fn = try DeviceFunctions(instance.fn.getDeviceProcAddr, created)
        var q: VkQueue?
        fn.getDeviceQueue(created, family, 0, &q)
        guard let q else { throw VulkanError.deviceError(call: "vkGetDeviceQueue", result: -3) }
        queue = q
    }

    deinit {
        _ = fn.deviceWaitIdle(device)
        fn.destroyDevice(device, nil)
    }

    /// A memory type allowed by `bits` with all `required` flags, preferring `preferred` ones.
    func memoryType(bits: UInt32, required: UInt32, preferred: UInt32) -> UInt32? {
        var props = memoryProperties
        let types: [VkMemoryType] = withUnsafeBytes(of: &props.memoryTypes) { raw in
            Array(raw.bindMemory(to: VkMemoryType.self).prefix(Int(props.memoryTypeCount)))
        }
        var fallback: UInt32?
        for (i, t) in types.enumerated() where bits & (1 << UInt32(i)) != 0 && t.propertyFlags & required == required {
            if t.propertyFlags & preferred == preferred { return UInt32(i) }
            if fallback == nil { fallback = UInt32(i) }
        }
        return fallback
    }

    /// Largest buffer (bytes) that can be bound whole as one storage buffer.
    var maxStorageBytes: Int { Int(limits.maxStorageBufferRange) }
}

/// One VkBuffer with its own memory. Host-visible buffers stay mapped (`mapped`).
final class RawBuffer: @unchecked Sendable {
    let device: VulkanDevice
    let buffer: VkBuffer
    let memory: VkDeviceMemory
    let bytes: Int
    let mapped: UnsafeMutableRawPointer?

    init(device: VulkanDevice, bytes: Int, hostVisible: Bool) throws {
        self.device = device
        self.bytes = max(bytes, 4)
        let fn = device.fn, dev = device.device
        var info = VkBufferCreateInfo()
        info.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO
        info.size = VkDeviceSize(self.bytes)
        info.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT.rawValue | VK_BUFFER_USAGE_TRANSFER_SRC_BIT.rawValue
            | VK_BUFFER_USAGE_TRANSFER_DST_BIT.rawValue
        info.sharingMode = VK_SHARING_MODE_EXCLUSIVE
        var buf: VkBuffer?
        try check(fn.createBuffer(dev, &info, nil, &buf), "vkCreateBuffer")
        guard let buf else { throw VulkanError.deviceError(call: "vkCreateBuffer", result: -3) }
        var req = VkMemoryRequirements()
        fn.getBufferMemoryRequirements(dev, buf, &req)
        let hostFlags = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT.rawValue | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT.rawValue
        let required = hostVisible ? hostFlags : 0
        let preferred = hostVisible ? hostFlags | VK_MEMORY_PROPERTY_HOST_CACHED_BIT.rawValue
                                    : VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT.rawValue
        guard let type = device.memoryType(bits: req.memoryTypeBits, required: required, preferred: preferred) else {
            fn.destroyBuffer(dev, buf, nil)
            throw VulkanError.deviceError(call: "vkAllocateMemory (no suitable memory type)", result: -2)
        }
        var alloc = VkMemoryAllocateInfo()
        alloc.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO
        alloc.allocationSize = req.size
        alloc.memoryTypeIndex = type
        var mem: VkDeviceMemory?
        let r = fn.allocateMemory(dev, &alloc, nil, &mem)
        guard r == VK_SUCCESS, let mem else {
            fn.destroyBuffer(dev, buf, nil)
            if r.rawValue == VulkanResultNames.outOfDeviceMemory {
                throw VulkanError.outOfDeviceMemory(device: device.description.name, bytes: Int(req.size))
            }
            throw VulkanError.deviceError(call: "vkAllocateMemory", result: r.rawValue)
        }
        let bound = fn.bindBufferMemory(dev, buf, mem, 0)
        var ptr: UnsafeMutableRawPointer?
        var mapResult = VK_SUCCESS
        if bound == VK_SUCCESS && hostVisible { mapResult = fn.mapMemory(dev, mem, 0, VkDeviceSize(VK_WHOLE_SIZE), 0, &ptr) }
        guard bound == VK_SUCCESS, mapResult == VK_SUCCESS else {
            fn.destroyBuffer(dev, buf, nil)
            fn.freeMemory(dev, mem, nil)
            throw VulkanError.deviceError(call: bound != VK_SUCCESS ? "vkBindBufferMemory" : "vkMapMemory",
                                          result: bound != VK_SUCCESS ? bound.rawValue : mapResult.rawValue)
        }
        buffer = buf
        memory = mem
        mapped = ptr
    }

    deinit {
        let fn = device.fn, dev = device.device
        if mapped != nil { fn.unmapMemory(dev, memory) }
        fn.destroyBuffer(dev, buffer, nil)
        fn.freeMemory(dev, memory, nil)
    }
}
