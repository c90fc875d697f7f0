// VulkanComputeBackend.swift — the Vulkan implementation of `Backend`: start-up (loader,
// instance, device choice, shader compile + cache), buffers, read/write, synchronize, info.
// The ops themselves are in VulkanOps+*.swift, one dispatch function per shader.
import CVulkan
import DiffusionCore
import Foundation

/// A buffer of floats resident on the Vulkan device.
public final class VulkanBuffer: DeviceBuffer {
    public let count: Int
    let raw: RawBuffer
    init(count: Int, raw: RawBuffer) { self.count = count; self.raw = raw }
}

/// The Vulkan backend. Construct with `try VulkanComputeBackend(options: VulkanOptions(...))`;
/// every reason it cannot run is a `VulkanError` (see VulkanError.swift). Ops are recorded and
/// submitted on `synchronize()` / `read`; all methods are safe to call from any thread (one lock).
public final class VulkanComputeBackend: Backend, @unchecked Sendable {
    let device: VulkanDevice
    let compiler: ShaderCompiler
    let pipelines: Pipelines
    let stream: CommandStream
    let tiling: MatmulTiling
    /// gaussianNoise, or its worst-case-log variant (VulkanOptions.emulateWorstCaseLog)
    let noiseKernel: ShaderVariant
    /// invocations per workgroup of the 1-D kernels
    let groupSize: UInt32
    /// Per-workgroup partial sums of the two-pass reductions.
    let partials: RawBuffer
    let lock = NSLock()
    /// The first device error; from then on every `read` and `synchronize()` throws it.
    var failure: VulkanError?
    /// Time-embedding frequencies per `half` (see `frequencyTable`).
    var frequencyTables: [Int: RawBuffer] = [:]
    /// Scratch buffers of the convolutions (column matrices, regrouped outputs), grown on demand.
    var convScratch: [Int: VulkanBuffer] = [:]
    /// Held through a whole convolution (its passes share the scratch buffers); never taken
    /// while `lock` is held.
    let convLock = NSLock()

    /// The device in use.
    public let deviceDescription: VulkanDeviceDescription
    /// Where the shaders were found.
    public var shaderDirectory: URL { compiler.shaderDir }
    /// Invocations per workgroup of the 1-D kernels, and the matmul workgroup (x, y).
    public var workgroupShapes: (oneD: Int, matmulX: Int, matmulY: Int) { (Int(groupSize), Int(tiling.wgX), Int(tiling.wgY)) }
    /// The matmul kernel in use (never `.auto`).
    public var matmulKernel: MatmulKernel { tiling.direct ? .direct : .tiled }
    /// Shader variants compiled at start-up / loaded from the SPIR-V cache.
    public var shadersCompiled: Int { compiler.compiledCount }
    public var shadersFromCache: Int { compiler.cachedCount }
    /// Bytes of the on-disk VkPipelineCache accepted at start (0: none, or it did not match this device).
    public var pipelineCacheLoadedBytes: Int { pipelines.cache.loadedBytes }
    /// Where the VkPipelineCache is saved (nil: the cache directory is not writable).
    public var pipelineCacheFile: URL? { pipelines.cache.file }
    /// Writes the VkPipelineCache now if new pipelines were built (it is also saved at deinit).
    public func savePipelineCache() { pipelines.cache.save() }
    /// Command-buffer submissions and recorded dispatches so far (for benchmarks).
    public var submissionCount: Int { lock.lock(); defer { lock.unlock() }; return stream.submissions }
    public var dispatchCount: Int { lock.lock(); defer { lock.unlock() }; return stream.totalDispatches }
    /// Bytes copied host → device (`write`) and device → host (`read`) so far (for benchmarks).
    public var bytesToDevice: Int { lock.lock(); defer { lock.unlock() }; return uploadedBytes }
    public var bytesFromDevice: Int { lock.lock(); defer { lock.unlock() }; return downloadedBytes }
    private var uploadedBytes = 0
    private var downloadedBytes = 0

    /// Opens the loader, creates the instance and device, compiles (or loads from cache) every
    /// shader. Throws a `VulkanError` naming the reason when Vulkan cannot be used.
    public init(options: VulkanOptions = VulkanOptions()) throws {
        let instance = try VulkanInstance(libraryPath: options.libraryPath)
        let physical = try instance.physicalDevices()
        let descriptions = physical.enumerated().map { instance.describe($1, index: $0) }
        let chosen = try instance.choose(descriptions, options: options)
        // Shaders and compiler before the device: a missing compiler or a broken shader fails fast.
        let shaderDir = try ShaderLocator.shaderDirectory(explicit: options.shaderDir)
        let glslang = try ShaderLocator.glslang(explicit: options.glslangPath)
        compiler = try ShaderCompiler(shaderDir: shaderDir, cacheDir: ShaderLocator.cacheDirectory(explicit: options.cacheDir),
                                      glslang: glslang)
        let limits = instance.properties(physical[chosen.index]).limits
        guard limits.maxPerStageDescriptorStorageBuffers >= UInt32(Pipelines.maxBindings) else {
            throw VulkanError.deviceLimits(name: chosen.name, reason: "\(limits.maxPerStageDescriptorStorageBuffers) storage buffers per shader stage, \(Pipelines.maxBindings) needed")
        }
        var maxInvocations = limits.maxComputeWorkGroupInvocations
        if let cap = options.maxWorkgroupInvocations { maxInvocations = min(maxInvocations, UInt32(max(cap, 64))) }
        groupSize = Kernels.groupSize(maxInvocations: maxInvocations, maxSizeX: limits.maxComputeWorkGroupSize.0)
        // DIFFUSIOND_MATMUL_KERNEL=tiled|direct overrides `.auto` (the validation run forces the
        // tiled kernel a GPU would pick, on lavapipe)
        var kernel = options.matmulKernel
        if kernel == .auto, let forced = ProcessInfo.processInfo.environment["DIFFUSIOND_MATMUL_KERNEL"].flatMap(MatmulKernel.init) {
            kernel = forced
        }
        tiling = MatmulTiling.forDevice(type: chosen.type, kernel: kernel, maxInvocations: maxInvocations)
        let variants = Kernels.all(direct: tiling.direct, worstCaseLog: options.emulateWorstCaseLog)
        noiseKernel = options.emulateWorstCaseLog ? Kernels.gaussianNoiseWorstCaseLog : Kernels.gaussianNoise
        let spirv = try compiler.compileAll(variants)

        device = try VulkanDevice(instance: instance, physical: physical[chosen.index], description: chosen,
                                  fenceTimeoutSeconds: options.fenceTimeoutSeconds)
        deviceDescription = chosen
        var specs: [ShaderVariant: [UInt32]] = [:]
        for variant in variants where variant.file == "matmul" { specs[variant] = tiling.specialization }
        pipelines = try Pipelines(device: device, spirv: spirv, specializations: specs, defaultSpecialization: [groupSize],
                                  cacheDir: compiler.cacheWritable ? compiler.cacheDir : nil)
        stream = try CommandStream(device: device, pipelines: pipelines)
        partials = try RawBuffer(device: device, bytes: Kernels.maxReductionGroups * 4, hostVisible: false)
    }

    /// Compiles every shader variant the backend can use (both matmul kernels) and writes each
    /// as `<outDir>/<variant>-<source hash>.spv` (default `<shaderDir>/spirv`), the precompiled
    /// SPIR-V a machine without glslang runs on. Needs glslang; needs no Vulkan device.
    /// Returns the files written.
    public static func precompileShaders(shaderDir explicitDir: URL? = nil, outDir: URL? = nil,
                                         glslangPath: String? = nil) throws -> [URL] {
        let shaderDir = try ShaderLocator.shaderDirectory(explicit: explicitDir)
        guard let glslang = try ShaderLocator.glslang(explicit: glslangPath) else {
            throw VulkanError.glslangMissing(searched: ShaderLocator.compilerSearchPath)
        }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("diffusiond-precompile-\(getpid())")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let compiler = try ShaderCompiler(shaderDir: shaderDir, cacheDir: scratch, glslang: glslang)
        var variants: [ShaderVariant] = []
        for variant in Kernels.all(direct: false) + Kernels.all(direct: true) where !variants.contains(variant) {
            variants.append(variant)
        }
        let spirv = try compiler.compileAll(variants)
        let out = outDir ?? compiler.precompiledDir
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        var written: [URL] = []
        for variant in variants {
            let file = out.appendingPathComponent(compiler.precompiledName(variant, source: try compiler.source(of: variant)))
            let words = spirv[variant]!
            try words.withUnsafeBufferPointer { Data(buffer: $0) }.write(to: file, options: .atomic)
            written.append(file)
        }
        return written
    }

    /// Lists the Vulkan devices (or the reason there are none) without compiling anything.
    public static func probe(options: VulkanOptions = VulkanOptions()) -> VulkanProbe {
        do {
            let instance = try VulkanInstance(libraryPath: options.libraryPath)
            let physical = try instance.physicalDevices()
            let devices = physical.enumerated().map { instance.describe($1, index: $0) }
            var probe = VulkanProbe(devices: devices, error: nil, selectedIndex: nil)
            do { probe.selectedIndex = try instance.choose(devices, options: options).index } catch {
                probe.error = error as? VulkanError
            }
            return probe
        } catch let error as VulkanError {
            return VulkanProbe(devices: [], error: error, selectedIndex: nil)
        } catch {
            return VulkanProbe(devices: [], error: .deviceError(call: "\(error)", result: -13), selectedIndex: nil)
        }
    }

    /// The shader directory the backend would use: `explicit`, else $DIFFUSIOND_SHADER_DIR, else
    /// next to the executable (<exe>/../../shaders, <exe>/../share/diffusiond/shaders, a few
    /// levels up), else ./shaders. Throws `shadersNotFound` listing every place searched.
    public static func locateShaders(explicit: URL? = nil,
                                     environment: [String: String] = ProcessInfo.processInfo.environment) throws -> URL {
        try ShaderLocator.shaderDirectory(explicit: explicit, environment: environment)
    }

    public var info: BackendInfo {
        let d = deviceDescription
        return BackendInfo(kind: "vulkan", deviceName: d.name, deviceType: d.type,
                           detail: "Vulkan \(d.apiVersion), driver \(d.driver); uuid \(d.uuid ?? "n/a"); queue family \(device.queueFamily)\(device.dedicatedCompute ? " (compute-only)" : ""); matmul \(tiling.direct ? "direct" : "tiled") \(tiling.tileM)x\(tiling.tileN); \(compiler.stateDescription)")
    }

    // MARK: helpers

    func binding(_ view: BufferView, _ op: String) -> Binding {
        guard let vb = view.buffer as? VulkanBuffer, vb.raw.device === device else {
            preconditionFailure("vulkan \(op): given a buffer of another backend (\(type(of: view.buffer)))")
        }
        return Binding(raw: vb.raw, offset: view.offset)
    }

    /// Workgroups for a grid-stride kernel over `n` items.
    func groups(_ n: Int) -> (UInt32, UInt32, UInt32) {
        let g = (n + Int(groupSize) - 1) / Int(groupSize)
        return (UInt32(min(g, Int(Kernels.maxGroups))), 1, 1)
    }

    /// Runs `body` under the lock; a device error is kept (named after the device) and thrown
    /// by every later `read` / `synchronize()`. Returns false when it failed or had failed.
    @discardableResult
    func record(_ body: () throws -> Void) -> Bool {
        lock.lock(); defer { lock.unlock() }
        guard failure == nil else { return false }
        do { try body(); return true } catch { failure = named(error); return false }
    }

    /// The error a job reports: device-call failures carry the device's name.
    func named(_ error: Error) -> VulkanError {
        switch error as? VulkanError {
        case let .deviceError(call, result)?:
            return .deviceFailed(device: deviceDescription.name, call: call, result: result)
        case let other?: return other
        case nil: return .deviceFailed(device: deviceDescription.name, call: "\(error)", result: -13)
        }
    }

    func u32(_ n: Int, _ what: String) -> UInt32 {
        precondition(n >= 0 && n <= Int(UInt32.max), "vulkan: \(what) = \(n) does not fit in 32 bits")
        return UInt32(n)
    }

    // MARK: memory

    public func makeBuffer(count: Int) throws -> DeviceBuffer {
        precondition(count >= 0, "vulkan makeBuffer: negative count \(count)")
        if let failure = deviceFailure { throw failure }
        guard count * 4 <= device.maxStorageBytes else {
            throw VulkanError.bufferTooLarge(count: count, maxFloats: device.maxStorageBytes / 4)
        }
        let raw = try RawBuffer(device: device, bytes: count * 4, hostVisible: false)
        let buffer = VulkanBuffer(count: count, raw: raw)
        fill(BufferView(buffer), value: 0)
        return buffer
    }

    public func write(_ values: [Float], to view: BufferView) {
        precondition(values.count == view.count, "vulkan write: \(values.count) floats into a view of \(view.count)")
        let b = binding(view, "write")
        record { try stream.upload(values, to: b.raw, offset: b.offset); uploadedBytes += values.count * 4 }
    }

    /// Device → host copy; waits for all recorded work. Throws the device error when this or
    /// any earlier op failed: no value read after an error is ever returned.
    public func read(_ view: BufferView) throws -> [Float] {
        let b = binding(view, "read")
        var out: [Float] = []
        record { out = try stream.download(b.raw, offset: b.offset, count: view.count); downloadedBytes += view.count * 4 }
        lock.lock(); defer { lock.unlock() }
        if let failure { throw failure }
        return out
    }

    public func synchronize() throws {
        record { try stream.flush() }
        lock.lock(); defer { lock.unlock() }
        if let failure { throw failure }
    }

    /// The device error that made this backend unusable, if any.
    public var deviceFailure: VulkanError? { lock.lock(); defer { lock.unlock() }; return failure }
}
