// DeviceTraffic.swift — a device backend's running counters (command-buffer submissions,
// recorded dispatches, host↔device bytes), for diffbench's per-step figures. nil on the CPU.
import DiffusionCore
import VulkanBackend

public struct DeviceTraffic: Sendable {
    public var submissions: Int
    public var dispatches: Int
    public var bytesToDevice: Int
    public var bytesFromDevice: Int

    public static func of(_ backend: Backend) -> DeviceTraffic? {
        guard let vk = backend as? VulkanComputeBackend else { return nil }
        return DeviceTraffic(submissions: vk.submissionCount, dispatches: vk.dispatchCount,
                             bytesToDevice: vk.bytesToDevice, bytesFromDevice: vk.bytesFromDevice)
    }

    /// self − earlier, per `steps` (each counter divided by steps).
    public func perStep(since earlier: DeviceTraffic, steps: Int) -> [String: Double] {
        let n = Double(max(steps, 1))
        return ["submissions": Double(submissions - earlier.submissions) / n,
                "dispatches": Double(dispatches - earlier.dispatches) / n,
                "bytes_to_device": Double(bytesToDevice - earlier.bytesToDevice) / n,
                "bytes_from_device": Double(bytesFromDevice - earlier.bytesFromDevice) / n]
    }
}
