// CommandStream.swift — records ops into one command buffer and submits it only on flush
// (synchronize / read, or when the buffer holds `maxDispatches` dispatches), so a training step
// is one submission. Barriers are inserted only on a hazard (a buffer read or written after an
// unbarriered write, or written after an unbarriered read). Descriptor sets come from a pool
// that is reset after each submission; uploads go through a host-visible staging ring.
import CVulkan
import Foundation

/// A buffer binding of one dispatch: the raw buffer and the view's element offset.
struct Binding {
    let raw: RawBuffer
    let offset: Int
}

final class CommandStream: @unchecked Sendable {
    static let maxDispatches = 1024
    static let stagingBytes = 8 << 20

    let device: VulkanDevice
    let pipelines: Pipelines
    private let commandPool: VkCommandPool
    private let commandBuffer: VkCommandBuffer
    private let fence: VkFence
    private let descriptorPool: VkDescriptorPool
    private let staging: RawBuffer
    private var stagingUsed = 0
    private var recording = false
    private var dispatches = 0
    private var lastPipeline: VkPipeline?
    /// Buffers referenced by the recorded commands, kept alive until the submission finished.
    private var retained: [RawBuffer] = []
    private var unbarrieredWrites = Set<ObjectIdentifier>()
    private var unbarrieredReads = Set<ObjectIdentifier>()
    /// Totals for info / benchmarks.
    private(set) var submissions = 0
    private(set) var totalDispatches = 0

    init(device: VulkanDevice, pipelines: Pipelines) throws {
        self.device = device
        self.pipelines = pipelines
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
        _ = fn.deviceWaitIdle(dev)
        fn.destroyDescriptorPool(dev, descriptorPool, nil)
        fn.destroyFence(dev, fence, nil)
        fn.destroyCommandPool(dev, commandPool, nil)
    }

    private func begin() throws {
        guard !recording else { return }
        var info = VkCommandBufferBeginInfo()
        info.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO
        info.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT.rawValue
        try check(device.fn.beginCommandBuffer(commandBuffer, &info), "vkBeginCommandBuffer")
        recording = true
        lastPipeline = nil
    }

    /// Global execution + memory barrier between compute and transfer work.
    private func barrier(dstHost: Bool = false) {
        let shaderRW = VK_ACCESS_SHADER_READ_BIT.rawValue | VK_ACCESS_SHADER_WRITE_BIT.rawValue
        let transferRW = VK_ACCESS_TRANSFER_READ_BIT.rawValue | VK_ACCESS_TRANSFER_WRITE_BIT.rawValue
        let stages = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT.rawValue | VK_PIPELINE_STAGE_TRANSFER_BIT.rawValue
        var mb = VkMemoryBarrier()
        mb.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER
        mb.srcAccessMask = shaderRW | transferRW
        mb.dstAccessMask = dstHost ? VK_ACCESS_HOST_READ_BIT.rawValue : shaderRW | transferRW
        let dst = dstHost ? VK_PIPELINE_STAGE_HOST_BIT.rawValue : stages
        device.fn.cmdPipelineBarrier(commandBuffer, stages, dst, 0, 1, &mb, 0, nil, 0, nil)
        unbarrieredWrites.removeAll(keepingCapacity: true)
        unbarrieredReads.removeAll(keepingCapacity: true)
    }

    /// Emits a barrier if the next command (reading `reads`, writing `writes`) has a hazard with
    /// commands since the last barrier, then records its accesses.
    private func track(reads: [RawBuffer], writes: [RawBuffer]) {
        let r = reads.map(ObjectIdentifier.init), w = writes.map(ObjectIdentifier.init)
        let hazard = r.contains(where: unbarrieredWrites.contains) || w.contains(where: unbarrieredWrites.contains)
            || w.contains(where: unbarrieredReads.contains)
        if hazard { barrier() }
        unbarrieredReads.formUnion(r)
        unbarrieredWrites.formUnion(w)
        retained += reads
        retained += writes
    }

    /// Records one dispatch. `bindings` are bound at 0, 1, ...; the last `outputs` of them are
    /// written. Push constants: the bindings' offsets, then `params`.
    func dispatch(_ variant: ShaderVariant, _ bindings: [Binding], outputs: Int, params: [UInt32],
                  groups: (UInt32, UInt32, UInt32)) throws {
        precondition(bindings.count <= Pipelines.maxBindings && bindings.count + params.count <= Pipelines.pushBytes / 4)
        if groups.0 == 0 || groups.1 == 0 || groups.2 == 0 { return }
        if dispatches >= Self.maxDispatches { try flush() }
        let pipeline = try pipelines.pipeline(variant)
        try begin()
        let fn = device.fn, dev = device.device

        var set: VkDescriptorSet?
        var setLayout: VkDescriptorSetLayout? = pipelines.setLayout
        let ar: VkResult = withUnsafePointer(to: &setLayout) { lp in
            var info = VkDescriptorSetAllocateInfo()
            info.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO
            info.descriptorPool = descriptorPool
            info.descriptorSetCount = 1
            info.pSetLayouts = lp
            return fn.allocateDescriptorSets(dev, &info, &set)
        }
        try check(ar, "vkAllocateDescriptorSets")
        var infos = bindings.map { VkDescriptorBufferInfo(buffer: $0.raw.buffer, offset: 0, range: VkDeviceSize(VK_WHOLE_SIZE)) }
        infos.withUnsafeMutableBufferPointer { ip in
            var write = VkWriteDescriptorSet()
            write.sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET
            write.dstSet = set
            write.dstBinding = 0
            write.descriptorCount = UInt32(ip.count)
            write.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER
            write.pBufferInfo = UnsafePointer(ip.baseAddress)
            fn.updateDescriptorSets(dev, 1, &write, 0, nil)
        }

        let raws = bindings.map { $0.raw }
        track(reads: Array(raws.prefix(raws.count - outputs)), writes: Array(raws.suffix(outputs)))
        if lastPipeline != pipeline {
            fn.cmdBindPipeline(commandBuffer, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline)
            lastPipeline = pipeline
        }
        fn.cmdBindDescriptorSets(commandBuffer, VK_PIPELINE_BIND_POINT_COMPUTE, pipelines.layout, 0, 1, &set, 0, nil)
        var push = bindings.map { UInt32($0.offset) } + params
        push.withUnsafeMutableBytes { pb in
            fn.cmdPushConstants(commandBuffer, pipelines.layout, VK_SHADER_STAGE_COMPUTE_BIT.rawValue, 0,
                                UInt32(pb.count), pb.baseAddress)
        }
        fn.cmdDispatch(commandBuffer, groups.0, groups.1, groups.2)
        dispatches += 1
        totalDispatches += 1
    }

    /// A host-visible region of `bytes` for this submission: in the staging ring, or a dedicated
    /// buffer when it does not fit. Returns (buffer, byte offset).
    private func stagingRegion(bytes: Int) throws -> (RawBuffer, Int) {
        if bytes > Self.stagingBytes {
            let big = try RawBuffer(device: device, bytes: bytes, hostVisible: true)
            retained.append(big)
            return (big, 0)
        }
        if stagingUsed + bytes > Self.stagingBytes { try flush() }
        let at = stagingUsed
        stagingUsed = (stagingUsed + bytes + 15) & ~15
        retained.append(staging)
        return (staging, at)
    }

    /// Records a host → device copy of `values` into `dst` at element `offset`.
    func upload(_ values: [Float], to dst: RawBuffer, offset: Int) throws {
        guard !values.isEmpty else { return }
        let bytes = values.count * 4
        let (stage, at) = try stagingRegion(bytes: bytes)
        values.withUnsafeBytes { src in stage.mapped!.advanced(by: at).copyMemory(from: src.baseAddress!, byteCount: bytes) }
        try begin()
        track(reads: [], writes: [dst])
        var region = VkBufferCopy(srcOffset: VkDeviceSize(at), dstOffset: VkDeviceSize(offset * 4), size: VkDeviceSize(bytes))
        device.fn.cmdCopyBuffer(commandBuffer, stage.buffer, dst.buffer, 1, &region)
    }

    /// Device → host copy of `count` floats of `src` at element `offset`; flushes.
    func download(_ src: RawBuffer, offset: Int, count: Int) throws -> [Float] {
        guard count > 0 else { return [] }
        let bytes = count * 4
        let (stage, at) = try stagingRegion(bytes: bytes)
        try begin()
        track(reads: [src], writes: [])
        barrier()   // the copy below reads what earlier commands wrote
        var region = VkBufferCopy(srcOffset: VkDeviceSize(offset * 4), dstOffset: VkDeviceSize(at), size: VkDeviceSize(bytes))
        device.fn.cmdCopyBuffer(commandBuffer, src.buffer, stage.buffer, 1, &region)
        barrier(dstHost: true)
        try flush()
        var out = [Float](repeating: 0, count: count)
        out.withUnsafeMutableBytes { dst in dst.baseAddress!.copyMemory(from: stage.mapped!.advanced(by: at), byteCount: bytes) }
        return out
    }

    /// Submits what was recorded and waits for it; resets the pool, staging and tracking.
    func flush() throws {
        guard recording else { return }
        let fn = device.fn, dev = device.device
        recording = false
        defer {
            _ = fn.resetCommandBuffer(commandBuffer, 0)
            _ = fn.resetDescriptorPool(dev, descriptorPool, 0)
            retained.removeAll(keepingCapacity: true)
            unbarrieredReads.removeAll(keepingCapacity: true)
            unbarrieredWrites.removeAll(keepingCapacity: true)
            stagingUsed = 0
            dispatches = 0
        }
        try check(fn.endCommandBuffer(commandBuffer), "vkEndCommandBuffer")
        var cb: VkCommandBuffer? = commandBuffer
        let sr: VkResult = withUnsafePointer(to: &cb) { cp in
            var submit = VkSubmitInfo()
            submit.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO
            submit.commandBufferCount = 1
            submit.pCommandBuffers = cp
            return fn.queueSubmit(device.queue, 1, &submit, fence)
        }
        try check(sr, "vkQueueSubmit")
        submissions += 1
        var f: VkFence? = fence
        try check(fn.waitForFences(dev, 1, &f, VkBool32(VK_TRUE), UInt64.max), "vkWaitForFences")
        try check(fn.resetFences(dev, 1, &f), "vkResetFences")
    }
}
