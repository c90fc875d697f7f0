// VulkanInstance.swift — the VkInstance, device enumeration and description, device choice.
// Used both by `VulkanComputeBackend.init` and by `probe` (which only lists devices).
import CVulkan
import Foundation

/// A C fixed-size char array (e.g. VkPhysicalDeviceProperties.deviceName) as a String.
func cString<T>(_ tuple: T) -> String {
    withUnsafeBytes(of: tuple) { raw in
        let bytes = raw.prefix { $0 != 0 }
        return String(decoding: bytes, as: UTF8.self)
    }
}

final class VulkanInstance: @unchecked Sendable {
    let library: VulkanLibrary
    let instance: VkInstance
    let fn: InstanceFunctions
    /// The API version requested at instance creation.
    let apiVersion: UInt32

    init(libraryPath: String) throws {
        library = try VulkanLibrary(path: libraryPath)
        let createInstance: PFN_vkCreateInstance = try library.load("vkCreateInstance", nil)
        var loaderVersion = VulkanVersion.make(1, 0)
        if let enumerate: PFN_vkEnumerateInstanceVersion = library.loadOptional("vkEnumerateInstanceVersion", nil) {
            var v: UInt32 = 0
            if enumerate(&v) == VK_SUCCESS { loaderVersion = v }
        }
        let api = loaderVersion >= VulkanVersion.v1_1 ? min(loaderVersion, VulkanVersion.v1_3) : VulkanVersion.make(1, 0)
        apiVersion = api
        var created: VkInstance?
        let result: VkResult = "diffusiond".withCString { name in
            var app = VkApplicationInfo()
            app.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO
            app.pApplicationName = name
            app.applicationVersion = 1
            app.pEngineName = name
            app.engineVersion = 1
            app.apiVersion = api
            return withUnsafePointer(to: &app) { appPtr in
                var info = VkInstanceCreateInfo()
                info.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO
                info.pApplicationInfo = appPtr
                return createInstance(&info, nil, &created)
            }
        }
        guard result == VK_SUCCESS, let created else {
            throw VulkanError.instanceCreationFailed(result: result.rawValue)
        }
        instance = created
        do { fn = try InstanceFunctions(library, created) } catch {
            if let destroy: PFN_vkDestroyInstance = library.loadOptional("vkDestroyInstance", created) { destroy(created, nil) }
            throw error
        }
    }

    deinit { fn.destroyInstance(instance, nil) }

    func physicalDevices() throws -> [VkPhysicalDevice] {
        var count: UInt32 = 0
        try check(fn.enumeratePhysicalDevices(instance, &count, nil), "vkEnumeratePhysicalDevices")
        var list = [VkPhysicalDevice?](repeating: nil, count: Int(count))
        try check(fn.enumeratePhysicalDevices(instance, &count, &list), "vkEnumeratePhysicalDevices")
        return list.prefix(Int(count)).compactMap { $0 }
    }

    func properties(_ pd: VkPhysicalDevice) -> VkPhysicalDeviceProperties {
        var p = VkPhysicalDeviceProperties()
        fn.getPhysicalDeviceProperties(pd, &p)
        return p
    }

    /// The queue family for compute: a dedicated one (compute without graphics: an async-compute
    /// queue on most GPUs) when present, else the first with compute; nil when there is none.
    func computeQueueFamily(_ pd: VkPhysicalDevice) -> UInt32? {
        var count: UInt32 = 0
        fn.getPhysicalDeviceQueueFamilyProperties(pd, &count, nil)
        var families = [VkQueueFamilyProperties](repeating: VkQueueFamilyProperties(), count: Int(count))
        fn.getPhysicalDeviceQueueFamilyProperties(pd, &count, &families)
        return Self.pickComputeFamily(families.prefix(Int(count)).map { ($0.queueFlags, $0.queueCount) }).map { UInt32($0) }
    }

    /// Whether queue family `family` has compute without graphics.
    func isComputeOnly(_ pd: VkPhysicalDevice, family: UInt32) -> Bool {
        var count: UInt32 = 0
        fn.getPhysicalDeviceQueueFamilyProperties(pd, &count, nil)
        var families = [VkQueueFamilyProperties](repeating: VkQueueFamilyProperties(), count: Int(count))
        fn.getPhysicalDeviceQueueFamilyProperties(pd, &count, &families)
        guard Int(family) < Int(count) else { return false }
        return families[Int(family)].queueFlags & VK_QUEUE_GRAPHICS_BIT.rawValue == 0
    }

    /// The choice of `computeQueueFamily` over (flags, queue count) per family.
    static func pickComputeFamily(_ families: [(flags: UInt32, count: UInt32)]) -> Int? {
        let compute = VK_QUEUE_COMPUTE_BIT.rawValue, graphics = VK_QUEUE_GRAPHICS_BIT.rawValue
        let usable = families.indices.filter { families[$0].flags & compute != 0 && families[$0].count > 0 }
        return usable.first { families[$0].flags & graphics == 0 } ?? usable.first
    }

    /// Fills `ext` (a properties struct with its sType set) through vkGetPhysicalDeviceProperties2,
    /// chained as its pNext; false when the instance is older than Vulkan 1.1 or lacks the call.
    private func chainedProperties<T>(_ pd: VkPhysicalDevice, _ ext: inout T) -> Bool {
        guard apiVersion >= VulkanVersion.make(1, 1), let getProps2 = fn.getPhysicalDeviceProperties2 else { return false }
        withUnsafeMutablePointer(to: &ext) { ep in
            var p2 = VkPhysicalDeviceProperties2()
            p2.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2
            p2.pNext = UnsafeMutableRawPointer(ep)
            getProps2(pd, &p2)
        }
        return true
    }

    /// The device UUID (VkPhysicalDeviceIDProperties, Vulkan 1.1) as 8-4-4-4-12 hex, or nil.
    func deviceUUID(_ pd: VkPhysicalDevice) -> String? {
        guard properties(pd).apiVersion >= VulkanVersion.make(1, 1) else { return nil }
        var idProps = VkPhysicalDeviceIDProperties()
        idProps.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_ID_PROPERTIES
        guard chainedProperties(pd, &idProps) else { return nil }
        let bytes = withUnsafeBytes(of: idProps.deviceUUID) { Array($0) }
        return Self.uuidString(bytes)
    }

    /// Whether the device offers the device extension `name`.
    func hasExtension(_ pd: VkPhysicalDevice, _ name: String) -> Bool {
        guard let enumerate = fn.enumerateDeviceExtensionProperties else { return false }
        var count: UInt32 = 0
        guard enumerate(pd, nil, &count, nil) == VK_SUCCESS, count > 0 else { return false }
        var exts = [VkExtensionProperties](repeating: VkExtensionProperties(), count: Int(count))
        guard enumerate(pd, nil, &count, &exts) == VK_SUCCESS else { return false }
        return exts.prefix(Int(count)).contains { cString($0.extensionName) == name }
    }

    /// "dddd:bb:dd.f" from VK_EXT_pci_bus_info, checked for first; nil when the device lacks it.
    func pciBusID(_ pd: VkPhysicalDevice) -> String? {
        guard hasExtension(pd, "VK_EXT_pci_bus_info") else { return nil }
        var pci = VkPhysicalDevicePCIBusInfoPropertiesEXT()
        pci.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PCI_BUS_INFO_PROPERTIES_EXT
        guard chainedProperties(pd, &pci) else { return nil }
        return Self.pciString(domain: pci.pciDomain, bus: pci.pciBus, device: pci.pciDevice, function: pci.pciFunction)
    }

    static func pciString(domain: UInt32, bus: UInt32, device: UInt32, function: UInt32) -> String {
        String(format: "%04x:%02x:%02x.%x", domain, bus, device, function)
    }

    static func uuidString(_ bytes: [UInt8]) -> String {
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        var out = ""
        for (i, c) in hex.enumerated() {
            if [8, 12, 16, 20].contains(i) { out.append("-") }
            out.append(c)
        }
        return out
    }

    static func typeName(_ t: VkPhysicalDeviceType) -> String {
        switch t {
        case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return "discrete-gpu"
        case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return "integrated-gpu"
        case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return "virtual-gpu"
        case VK_PHYSICAL_DEVICE_TYPE_CPU: return "cpu-vulkan"
        default: return "other"
        }
    }

    /// Preference when no index is given: lower is better.
    static func rank(_ type: String) -> Int {
        ["discrete-gpu": 0, "integrated-gpu": 1, "virtual-gpu": 2, "other": 3, "cpu-vulkan": 4][type] ?? 3
    }

    func describe(_ pd: VkPhysicalDevice, index: Int) -> VulkanDeviceDescription {
        let props = properties(pd)
        var driver = "driver version \(props.driverVersion)"
        if props.apiVersion >= VulkanVersion.v1_2, apiVersion >= VulkanVersion.v1_2,
           let getProps2 = fn.getPhysicalDeviceProperties2 {
            var driverProps = VkPhysicalDeviceDriverProperties()
            driverProps.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES
            withUnsafeMutablePointer(to: &driverProps) { dp in
                var p2 = VkPhysicalDeviceProperties2()
                p2.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2
                p2.pNext = UnsafeMutableRawPointer(dp)
                getProps2(pd, &p2)
            }
            let name = cString(driverProps.driverName), info = cString(driverProps.driverInfo)
            if !name.isEmpty { driver = info.isEmpty ? name : "\(name) (\(info))" }
        }
        return VulkanDeviceDescription(index: index, name: cString(props.deviceName),
                                       type: Self.typeName(props.deviceType),
                                       apiVersion: VulkanVersion.string(props.apiVersion),
                                       driver: driver, hasComputeQueue: computeQueueFamily(pd) != nil,
                                       uuid: deviceUUID(pd), queueFamily: computeQueueFamily(pd).map { Int($0) },
                                       pciBusID: pciBusID(pd))
    }

    /// A PCI bus id compared without case; a missing domain means 0000.
    static func normalizedPCIBusID(_ s: String) -> String {
        let l = s.lowercased()
        return l.split(separator: ":").count == 2 ? "0000:" + l : l
    }

    /// A UUID compared without dashes and case.
    static func normalizedUUID(_ s: String) -> String { s.lowercased().filter { $0 != "-" } }

    /// The device `options` select, or the reason there is none.
    func choose(_ devices: [VulkanDeviceDescription], options: VulkanOptions) throws -> VulkanDeviceDescription {
        let chosen: VulkanDeviceDescription
        if let uuid = options.deviceUUID {
            let want = Self.normalizedUUID(uuid)
            guard let match = devices.first(where: { $0.uuid.map(Self.normalizedUUID) == want }) else {
                throw VulkanError.deviceNotFound(selector: "UUID \(uuid)", devices: devices.map { $0.description })
            }
            guard match.hasComputeQueue else { throw VulkanError.noComputeDevice(devices: [match.description]) }
            chosen = match
        } else if let pci = options.devicePCIBusID {
            let want = Self.normalizedPCIBusID(pci)
            guard let match = devices.first(where: { $0.pciBusID.map(Self.normalizedPCIBusID) == want }) else {
                throw VulkanError.deviceNotFound(selector: "PCI bus id \(pci)", devices: devices.map { $0.description })
            }
            guard match.hasComputeQueue else { throw VulkanError.noComputeDevice(devices: [match.description]) }
            chosen = match
        } else if let index = options.deviceIndex {
            guard index >= 0, index < devices.count else {
                throw VulkanError.deviceIndexOutOfRange(index: index, count: devices.count)
            }
            guard devices[index].hasComputeQueue else {
                throw VulkanError.noComputeDevice(devices: [devices[index].description])
            }
            chosen = devices[index]
        } else {
            let usable = devices.filter { $0.hasComputeQueue }
            guard let best = usable.min(by: { Self.rank($0.type) < Self.rank($1.type) }) else {
                throw VulkanError.noComputeDevice(devices: devices.map { $0.description })
            }
            chosen = best
        }
        if chosen.type == "cpu-vulkan" && !options.allowCPUDevice {
            throw VulkanError.cpuDeviceOnly(name: chosen.name)
        }
        let parts = chosen.apiVersion.split(separator: ".").compactMap { Int($0) }
        if parts.count >= 2 && parts[0] == 1 && parts[1] < 1 {
            throw VulkanError.deviceTooOld(name: chosen.name, version: chosen.apiVersion)
        }
        return chosen
    }
}
