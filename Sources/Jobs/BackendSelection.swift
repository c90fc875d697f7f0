// BackendSelection.swift — picks the backend a job runs on: `auto` uses a Vulkan GPU when one
// is usable and the CPU otherwise (skipping CPU-type Vulkan devices such as lavapipe); `cpu`
// and `vulkan` are explicit, and with `vulkan` every reason to fall back is an error instead.
import DiffusionCore
import Foundation

/// Which Vulkan device `device =` names: an index as `diffctl info` numbers them, the device
/// UUID (stable across reboots and enumeration order), or a PCI bus id (VK_EXT_pci_bus_info).
public enum DeviceSelector: Equatable, Sendable, CustomStringConvertible {
    case index(Int)
    case uuid(String)
    case pciBusID(String)

    /// nil for text that is none of the three forms ("auto" and "" are handled by the caller).
    public init?(parsing text: String) {
        let t = text.lowercased()
        if let i = Int(t) {
            guard (0...64).contains(i) else { return nil }
            self = .index(i)
        } else if DeviceSelector.isUUID(t) {
            self = .uuid(t)
        } else if DeviceSelector.isPCIBusID(t) {
            self = .pciBusID(t.split(separator: ":").count == 2 ? "0000:" + t : t)
        } else {
            return nil
        }
    }

    /// 32 hex digits, as 8-4-4-4-12 with dashes or without any.
    static func isUUID(_ t: String) -> Bool {
        let hex = Set("0123456789abcdef")
        let parts = t.components(separatedBy: "-").map { $0.count }
        guard parts == [8, 4, 4, 4, 12] || parts == [32] else { return false }
        return t.allSatisfy { hex.contains($0) || $0 == "-" }
    }

    /// [dddd:]bb:dd.f in hex (domain optional).
    static func isPCIBusID(_ t: String) -> Bool {
        let hex = Set("0123456789abcdef")
        let fields = t.split(separator: ":", omittingEmptySubsequences: false)
        guard fields.count == 2 || fields.count == 3, let last = fields.last else { return false }
        let devFn = last.split(separator: ".", omittingEmptySubsequences: false)
        guard devFn.count == 2 else { return false }
        let all = fields.dropLast().map(String.init) + devFn.map(String.init)
        let widths = fields.count == 3 ? [4, 2, 2, 1] : [2, 2, 1]
        return zip(all, widths).allSatisfy { f, w in !f.isEmpty && f.count <= w && f.allSatisfy { hex.contains($0) } }
            && all.count == widths.count
    }

    /// The text `init(parsing:)` reads back.
    public var description: String {
        switch self {
        case let .index(i): return String(i)
        case let .uuid(u): return u
        case let .pciBusID(p): return p
        }
    }
}

public struct BackendOptions: Sendable {
    public var choice: BackendChoice
    public var device: DeviceSelector?
    public var shaderDir: URL?
    public var cpuThreads: Int?
    public init(choice: BackendChoice = .auto, device: DeviceSelector? = nil, shaderDir: URL? = nil, cpuThreads: Int? = nil) {
        self.choice = choice; self.device = device; self.shaderDir = shaderDir; self.cpuThreads = cpuThreads
    }
}

public enum BackendSelection {
    /// A backend for `options`, and the plain-words reason it was chosen.
    public static func make(_ options: BackendOptions) throws -> (backend: Backend, reason: String) {
        switch options.choice {
        case .cpu:
            return (cpuBackend(options), "cpu requested")
        case .vulkan:
            return (try VulkanSupport.make(options, allowCPUDevice: true), "vulkan requested")
        case .auto:
            do {
                let b = try VulkanSupport.make(options, allowCPUDevice: false)
                return (b, "auto: using Vulkan GPU \(b.info.deviceName)")
            } catch {
                return (cpuBackend(options), "auto: CPU backend, because \(error)")
            }
        }
    }

    static func cpuBackend(_ options: BackendOptions) -> Backend {
        CPUBackendFactory.make(threads: options.cpuThreads)
    }
}
