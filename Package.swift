// swift-tools-version:5.10
// diffusiond: a daemon that trains and samples diffusion models (Vulkan GPU, CPU SIMD fallback)
// and its client diffctl. No third-party packages: Foundation, Dispatch, Swift Testing and the
// system's Vulkan headers only. See ../shared/DESIGN.md (or docs/) for the module arrows.
import PackageDescription

// Swift SIMD only becomes real FMA instructions when a target CPU is named; without it
// `addingProduct` lowers to a per-lane library call (~200x slower). haswell = AVX2 + FMA,
// the common baseline of every x86-64 server of the last decade.
//
// Every module builds with -O, so Swift's bounds checks and every `precondition` hold in release
// builds. The one exception is CPUBackend, the SIMD kernels: measured on the 2-core CI machine,
// -O made matmul 512³ 0.6× and reference training 0.81× as fast as -Ounchecked. There the
// Backend-boundary checks use `shapeCheck` (fatalError, kept at every optimisation level), so
// no op can be handed views too small for its shapes.
#if arch(x86_64)
let simdFlags: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell"], .when(configuration: .release))]
let kernelFlags: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell", "-Ounchecked"], .when(configuration: .release))]
#else
let simdFlags: [SwiftSetting] = []
let kernelFlags: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]
#endif

let package = Package(
    name: "diffusiond",
    products: [
        .executable(name: "diffusiond", targets: ["diffusiond"]),
        .executable(name: "diffctl", targets: ["diffctl"]),
        .executable(name: "diffbench", targets: ["diffbench"]),
    ],
    targets: [
        .systemLibrary(name: "CVulkan", path: "Sources/CVulkan"),
        .systemLibrary(name: "CEpoll", path: "Sources/CEpoll"),
        .target(name: "DiffusionCore", swiftSettings: simdFlags),
        .target(name: "CPUBackend", dependencies: ["DiffusionCore"], swiftSettings: kernelFlags),
        .target(name: "VulkanBackend", dependencies: ["DiffusionCore", "CVulkan"]),
        .target(name: "Plots"),
        .target(name: "Jobs", dependencies: ["DiffusionCore", "CPUBackend", "VulkanBackend", "Plots"], swiftSettings: simdFlags),
        .target(name: "DiffProtocol"),
        .target(name: "Daemon", dependencies: ["Jobs", "DiffProtocol", "CEpoll"]),
        .executableTarget(name: "diffusiond", dependencies: ["Daemon"]),
        .executableTarget(name: "diffctl", dependencies: ["DiffProtocol"], path: "client"),
        .executableTarget(name: "diffbench", dependencies: ["Jobs"], swiftSettings: simdFlags),
        .testTarget(name: "DiffusionCoreTests", dependencies: ["DiffusionCore", "CPUBackend"]),
        .testTarget(name: "CPUBackendTests", dependencies: ["CPUBackend"]),
        .testTarget(name: "VulkanBackendTests", dependencies: ["VulkanBackend", "CPUBackend"]),
        .testTarget(name: "JobsTests", dependencies: ["Jobs"]),
        .testTarget(name: "DaemonTests", dependencies: ["Daemon", "DiffProtocol", "Jobs"]),
        .testTarget(name: "PlotsTests", dependencies: ["Plots"]),
    ]
)
