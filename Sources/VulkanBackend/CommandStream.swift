// CommandStream.swift — records ops into a command buffer and submits it only on flush
// (synchronize / read) or when a frame is full (`CommandFrame.maxDispatches` dispatches or a
// full staging ring), so a training step is one submission. Two frames alternate: a full frame
// is submitted without waiting and recording continues in the other one. Barriers are inserted
// only on a hazard (a buffer read or written after an unbarriered write, or written after an
// unbarriered read), plus one at the start of every frame for hazards across submissions.
import CVulkan
import Foundation

/// A buffer binding of one dispatch: the raw buffer and the view's element offset.
struct Binding {
    let raw: RawBuffer
    let offset: Int
}

final class CommandStream: @unchecked Sendable {
    let device: VulkanDevice
    let pipelines: Pipelines
    private let frames: [CommandFrame]
    private var current = 0
    private var lastPipeline: VkPipeline?
    private var unbarrieredWrites = Set<ObjectIdentifier>()
    private var unbarrieredReads = Set<ObjectIdentifier>()
    /// Totals for info / benchmarks.
    private(set) var submissions = 0
    private(set) var totalDispatches = 0

    static let plantHazard = ProcessInfo.processInfo.environment["DIFFUSIOND_VK_PLANT_HAZARD"] == "1"

    init(device: VulkanDevice, pipelines: Pipelines) throws {
        self.device = device
        self.pipelines = pipelines
        frames = [try CommandFrame(device: device), try CommandFrame(device: device)]
    }

    deinit { _ = device.fn.deviceWaitIdle(device.device) }

    private var frame: CommandFrame { frames[current] }

    /// The recording frame, begun if needed.
    private func begin() throws -> CommandFrame {
        let f = frame
        guard !f.recording else { return f }
        try f.wait()
        var info = VkCommandBufferBeginInfo()
        info.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO
        info.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT.rawValue
        try check(device.fn.beginCommandBuffer(f.commandBuffer, &info), "vkBeginCommandBuffer")
        f.recording = true
        lastPipeline = nil
        barrier(f)   // orders this frame after the previous submission
        return f
    }

    /// Submits the recording frame without waiting and switches to the other one.
    private func submitAndSwitch() throws {
        guard frame.recording else { return }
        try frame.submit()
        submissions += 1
        current = 1 - current
    }

    /// Global execution + memory barrier between compute and transfer work.
    private func barrier(_ f: CommandFrame, dstHost: Bool = false) {
        let shaderRW = VK_ACCESS_SHADER_READ_BIT.rawValue | VK_ACCESS_SHADER_WRITE_BIT.rawValue
        let transferRW = VK_ACCESS_TRANSFER_READ_BIT.rawValue | VK_ACCESS_TRANSFER_WRITE_BIT.rawValue
        let stages = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT.rawValue | VK_PIPELINE_STAGE_TRANSFER_BIT.rawValue
        var mb = VkMemoryBarrier()
        mb.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER
        mb.srcAccessMask = shaderRW | transferRW
        mb.dstAccessMask = dstHost ? VK_ACCESS_HOST_READ_BIT.rawValue : shaderRW | transferRW
        let dst = dstHost ? VK_PIPELINE_STAGE_HOST_BIT.rawValue : stages
        device.fn.cmdPipelineBarrier(f.commandBuffer, stages, dst, 0, 1, &mb, 0, nil, 0, nil)
        unbarrieredWrites.removeAll(keepingCapacity: true)
        unbarrieredReads.removeAll(keepingCapacity: true)
    }

    /// Emits a barrier if the next command (reading `reads`, writing `writes`) has a hazard with
    /// commands since the last barrier, then records its accesses.
    private func track(_ f: CommandFrame, reads: [RawBuffer], writes: [RawBuffer]) {
        let r = reads.map(ObjectIdentifier.init), w = writes.map(ObjectIdentifier.init)
        let hazard = r.contains(where: unbarrieredWrites.contains) || w.contains(where: unbarrieredWrites.contains)
            || w.contains(where: unbarrieredReads.contains)
        // DIFFUSIOND_VK_PLANT_HAZARD=1 drops these barriers: the validation canary of
        // scripts/vk-validate.sh (a read-after-write the layer must report); never set otherwise
        if hazard && !Self.plantHazard { barrier(f) }
        unbarrieredReads.formUnion(r)
        unbarrieredWrites.formUnion(w)
        f.retained += reads
        f.retained += writes
    }

    /// Records one dispatch. `bindings` are bound at 0, 1, ...; the last `outputs` of them are
    /// written. Push constants: the bindings' offsets, then `params`.
    func dispatch(_ variant: ShaderVariant, _ bindings: [Binding], outputs: Int, params: [UInt32],
                  groups: (UInt32, UInt32, UInt32)) throws {
        precondition(bindings.count <= Pipelines.maxBindings && bindings.count + params.count <= Pipelines.pushBytes / 4)
        if groups.0 == 0 || groups.1 == 0 || groups.2 == 0 { return }
        if frame.dispatches >= CommandFrame.maxDispatches { try submitAndSwitch() }
        let pipeline = try pipelines.pipeline(variant)
        let f = try begin()
        let fn = device.fn, dev = device.device

        var set: VkDescriptorSet? = try f.allocateSet(pipelines.setLayout)
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
        track(f, reads: Array(raws.prefix(raws.count - outputs)), writes: Array(raws.suffix(outputs)))
        if lastPipeline != pipeline {
            fn.cmdBindPipeline(f.commandBuffer, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline)
            lastPipeline = pipeline
        }
        fn.cmdBindDescriptorSets(f.commandBuffer, VK_PIPELINE_BIND_POINT_COMPUTE, pipelines.layout, 0, 1, &set, 0, nil)
        var push = bindings.map { UInt32($0.offset) } + params
        push.withUnsafeMutableBytes { pb in
            fn.cmdPushConstants(f.commandBuffer, pipelines.layout, VK_SHADER_STAGE_COMPUTE_BIT.rawValue, 0,
                                UInt32(pb.count), pb.baseAddress)
        }
        fn.cmdDispatch(f.commandBuffer, groups.0, groups.1, groups.2)
        f.dispatches += 1
        totalDispatches += 1
    }

    /// A host-visible region of `bytes` in the recording frame (its staging ring, or a dedicated
    /// buffer when it does not fit the ring). Returns (frame, buffer, byte offset).
    private func stagingRegion(bytes: Int) throws -> (CommandFrame, RawBuffer, Int) {
        if bytes <= CommandFrame.stagingBytes && frame.stagingUsed + bytes > CommandFrame.stagingBytes {
            try submitAndSwitch()
        }
        let f = try begin()
        if bytes > CommandFrame.stagingBytes {
            let big = try RawBuffer(device: device, bytes: bytes, hostVisible: true)
            f.retained.append(big)
            return (f, big, 0)
        }
        let at = f.stagingUsed
        f.stagingUsed = (f.stagingUsed + bytes + 15) & ~15
        f.retained.append(f.staging)
        return (f, f.staging, at)
    }

    /// Records a host → device copy of `values` into `dst` at element `offset`.
    func upload(_ values: [Float], to dst: RawBuffer, offset: Int) throws {
        guard !values.isEmpty else { return }
        let bytes = values.count * 4
        let (f, stage, at) = try stagingRegion(bytes: bytes)
        values.withUnsafeBytes { src in stage.mapped!.advanced(by: at).copyMemory(from: src.baseAddress!, byteCount: bytes) }
        track(f, reads: [], writes: [dst])
        var region = VkBufferCopy(srcOffset: VkDeviceSize(at), dstOffset: VkDeviceSize(offset * 4), size: VkDeviceSize(bytes))
        device.fn.cmdCopyBuffer(f.commandBuffer, stage.buffer, dst.buffer, 1, &region)
    }

    /// Device → host copy of `count` floats of `src` at element `offset`; flushes.
    func download(_ src: RawBuffer, offset: Int, count: Int) throws -> [Float] {
        guard count > 0 else { return [] }
        let bytes = count * 4
        let (f, stage, at) = try stagingRegion(bytes: bytes)
        track(f, reads: [src], writes: [])
        barrier(f)   // the copy below reads what earlier commands wrote
        var region = VkBufferCopy(srcOffset: VkDeviceSize(offset * 4), dstOffset: VkDeviceSize(at), size: VkDeviceSize(bytes))
        device.fn.cmdCopyBuffer(f.commandBuffer, src.buffer, stage.buffer, 1, &region)
        barrier(f, dstHost: true)
        // keep the staging buffer alive past the flush, which releases the frame's references
        let keep = stage
        try flush()
        var out = [Float](repeating: 0, count: count)
        out.withUnsafeMutableBytes { dst in dst.baseAddress!.copyMemory(from: keep.mapped!.advanced(by: at), byteCount: bytes) }
        return out
    }

    /// Submits what was recorded and waits for every frame; resets tracking.
    func flush() throws {
        var firstError: Error?
        do { try submitAndSwitch() } catch { firstError = error }
        for f in frames {
            do { try f.wait() } catch { if firstError == nil { firstError = error } }
        }
        unbarrieredReads.removeAll(keepingCapacity: true)
        unbarrieredWrites.removeAll(keepingCapacity: true)
        if let firstError { throw firstError }
    }
}
