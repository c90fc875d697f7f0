// CommandFrame.swift — one in-flight unit of recorded work: a command buffer, its fence, a
// descriptor pool and a host-visible staging ring, plus the buffers its commands use (kept alive
// until the fence signals). CommandStream alternates between two frames so the host records
// the next frame while the device runs the previous one.
import CVulkan
import Foundation

final class CommandFrame: @unchecked Sendable {
    static let maxDispatches = 1024
    static let stagingBytes = 8 << 20

    let device: VulkanDevice
    let commandPool: VkCommandPool
    let commandBuffer: VkCommandBuffer
    let fence: VkFence
    let descriptorPool: VkDescriptorPool
    let staging: RawBuffer
    var stagingUsed = 0
    var dispatches = 0
    var recording = false
    /// submitted and not yet waited for
    var inFlight = false
    /// buffers referenced by the recorded commands
    var retained: [RawBuffer] = []

    init(device: VulkanDevice) throws {
        self.device = device
        let fn = device.fn, dev = device.device

        var poolInfo = VkCommandPoolCreateInfo()
        poolInfo.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO
        poolInfo.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT.rawValue
        poolInfo.queueFamilyIndex = device.queueFamily
        var pool: VkCommandPool?
        try check(fn.createCommandPool(dev, &poolInfo, nil, &pool), "vkCreateCommandPool")
        commandPool = pool!

        var allocInfo = VkCommandBufferAllocateInfo()
        allocInfo.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO
        allocInfo.commandPool = pool
        allocInfo.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY
        allocInfo.commandBufferCount = 1
        var cb: VkCommandBuffer?
        try check(fn.allocateCommandBuffers(dev, &allocInfo, &cb), "vkAllocateCommandBuffers")
        commandBuffer = cb!

        var fenceInfo = VkFenceCreateInfo()
        fenceInfo.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO
        var f: VkFence?
        try check(fn.createFence(dev, &fenceInfo, nil, &f), "vkCreateFence")
        fence = f!

        var size = VkDescriptorPoolSize(type: VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
                                        descriptorCount: UInt32(Self.maxDispatches * Pipelines.maxBindings))
        var dp: VkDescriptorPool?
        let r: VkResult = withUnsafePointer(to: &size) { sp in
            var info = VkDescriptorPoolCreateInfo()
            info.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO
            info.maxSets = UInt32(Self.maxDispatches)
            info.poolSizeCount = 1
            info.pPoolSizes = sp
            return fn.createDescriptorPool(dev, &info, nil, &dp)
        }
        try check(r, "vkCreateDescriptorPool")
        descriptorPool = dp!
        staging = try RawBuffer(device: device, bytes: Self.stagingBytes, hostVisible: true)
    }

    deinit {
        let fn = device.fn, dev = device.device
        if inFlight { var f: VkFence? = fence; _ = fn.waitForFences(dev, 1, &f, VkBool32(VK_TRUE), device.fenceTimeoutNanoseconds) }
        fn.destroyDescriptorPool(dev, descriptorPool, nil)
        fn.destroyFence(dev, fence, nil)
        fn.destroyCommandPool(dev, commandPool, nil)
    }

    /// A free descriptor set of `layout` from this frame's pool.
    func allocateSet(_ layout: VkDescriptorSetLayout) throws -> VkDescriptorSet {
        var set: VkDescriptorSet?
        var setLayout: VkDescriptorSetLayout? = layout
        let r: VkResult = withUnsafePointer(to: &setLayout) { lp in
            var info = VkDescriptorSetAllocateInfo()
            info.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO
            info.descriptorPool = descriptorPool
            info.descriptorSetCount = 1
            info.pSetLayouts = lp
            return device.fn.allocateDescriptorSets(device.device, &info, &set)
        }
        try check(r, "vkAllocateDescriptorSets")
        return set!
    }

    /// Ends and submits the recorded commands (does not wait).
    func submit() throws {
        guard recording else { return }
        let fn = device.fn
        recording = false
        try check(fn.endCommandBuffer(commandBuffer), "vkEndCommandBuffer")
        var cb: VkCommandBuffer? = commandBuffer
        let r: VkResult = withUnsafePointer(to: &cb) { cp in
            var submit = VkSubmitInfo()
            submit.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO
            submit.commandBufferCount = 1
            submit.pCommandBuffers = cp
            return fn.queueSubmit(device.queue, 1, &submit, fence)
        }
        if r != VK_SUCCESS { reset(); throw VulkanError.deviceError(call: "vkQueueSubmit", result: r.rawValue) }
        inFlight = true
    }

    /// Waits for the submitted commands (if any) and makes the frame free for recording.
    func wait() throws {
        defer { reset() }
        guard inFlight else { return }
        let fn = device.fn, dev = device.device
        var f: VkFence? = fence
        inFlight = false
        let r = fn.waitForFences(dev, 1, &f, VkBool32(VK_TRUE), device.fenceTimeoutNanoseconds)
        if r == VK_TIMEOUT {
            // no driver timeout fired: treat a submission that never completes as a lost device
            let seconds = Double(device.fenceTimeoutNanoseconds) / 1e9
            throw VulkanError.deviceError(call: "vkWaitForFences (no completion within \(seconds) s)",
                                          result: VulkanResultNames.deviceLost)
        }
        try check(r, "vkWaitForFences")
        try check(fn.resetFences(dev, 1, &f), "vkResetFences")
    }

    private func reset() {
        guard !inFlight else { return }
        if recording { _ = device.fn.endCommandBuffer(commandBuffer); recording = false }
        _ = device.fn.resetCommandBuffer(commandBuffer, 0)
        _ = device.fn.resetDescriptorPool(device.device, descriptorPool, 0)
        retained.removeAll(keepingCapacity: true)
        stagingUsed = 0
        dispatches = 0
    }
}
