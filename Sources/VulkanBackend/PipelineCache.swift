// PipelineCache.swift — a VkPipelineCache kept on disk beside the SPIR-V cache, so a second start
// skips the driver's shader compilation. The file is loaded only when its header (version,
// vendor id, device id, pipelineCacheUUID) matches this device; anything else (another driver,
// a truncated or corrupted file) is ignored and a fresh cache is started. Saved atomically
// (temp file + rename) when the backend goes away or on `savePipelineCache()`, and only when
// new pipelines were created since the last save.
import CVulkan
import Foundation

final class PipelineCache: @unchecked Sendable {
    let device: VulkanDevice
    /// nil when the device lacks the entry points or creation failed: pipelines are then built uncached.
    private(set) var handle: VkPipelineCache?
    /// where it is saved; nil → not saved
    let file: URL?
    /// bytes of the file that were accepted and passed to vkCreatePipelineCache (0 → none)
    private(set) var loadedBytes = 0
    private var dirty = false

    init(device: VulkanDevice, directory: URL?, properties: VkPhysicalDeviceProperties) {
        self.device = device
        let name = String(format: "pipelines-%08x-%08x.vkcache", properties.vendorID, properties.deviceID)
        file = directory?.appendingPathComponent(name)
        guard let create = device.fn.createPipelineCache else { return }
        var initial: [UInt8] = []
        if let file, let data = try? Data(contentsOf: file), Self.headerMatches(Array(data), properties) {
            initial = Array(data)
        }
        func make(_ bytes: [UInt8]) -> VkPipelineCache? {
            var cache: VkPipelineCache?
            let r: VkResult = bytes.withUnsafeBytes { bp in
                var info = VkPipelineCacheCreateInfo()
                info.sType = VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO
                info.initialDataSize = bp.count
                info.pInitialData = bp.count > 0 ? bp.baseAddress : nil
                return create(device.device, &info, nil, &cache)
            }
            return r == VK_SUCCESS ? cache : nil
        }
        if !initial.isEmpty, let c = make(initial) {
            handle = c; loadedBytes = initial.count
        } else {
            handle = make([])
        }
    }

    /// The header Vulkan writes first (VkPipelineCacheHeaderVersionOne), checked against `props`.
    static func headerMatches(_ bytes: [UInt8], _ props: VkPhysicalDeviceProperties) -> Bool {
        guard bytes.count >= 32 else { return false }
        func u32(_ at: Int) -> UInt32 {
            UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
        }
        let uuid = withUnsafeBytes(of: props.pipelineCacheUUID) { Array($0) }
        return u32(0) >= 32 && Int(u32(0)) <= bytes.count
            && u32(4) == UInt32(VK_PIPELINE_CACHE_HEADER_VERSION_ONE.rawValue)
            && u32(8) == props.vendorID && u32(12) == props.deviceID && Array(bytes[16..<32]) == uuid
    }

    /// A new pipeline went into the cache.
    func markDirty() { dirty = true }

    /// Writes the cache to `file` (temp + rename) when it changed; failures only skip the save.
    func save() {
        guard dirty, let handle, let file, let get = device.fn.getPipelineCacheData else { return }
        var size = 0
        guard get(device.device, handle, &size, nil) == VK_SUCCESS, size > 0 else { return }
        var bytes = [UInt8](repeating: 0, count: size)
        guard bytes.withUnsafeMutableBytes({ get(device.device, handle, &size, $0.baseAddress) }) == VK_SUCCESS else { return }
        let tmp = file.deletingLastPathComponent().appendingPathComponent(".\(file.lastPathComponent).\(getpid()).tmp")
        do {
            try Data(bytes.prefix(size)).write(to: tmp)
            guard rename(tmp.path, file.path) == 0 else { try? FileManager.default.removeItem(at: tmp); return }
            dirty = false
        } catch {
            try? FileManager.default.removeItem(at: tmp)
        }
    }

    deinit {
        save()
        if let handle, let destroy = device.fn.destroyPipelineCache { destroy(device.device, handle, nil) }
    }
}
