// Pipelines.swift — shader modules and compute pipelines, built lazily per shader variant.
// All pipelines share one layout: a descriptor set of `maxBindings` storage buffers (binding i =
// the i-th buffer of a dispatch) and a 128-byte push-constant range (offsets, then parameters).
import CVulkan
import Foundation

final class Pipelines: @unchecked Sendable {
    static let maxBindings = 6
    static let pushBytes = 128

    let device: VulkanDevice
    let setLayout: VkDescriptorSetLayout
    let layout: VkPipelineLayout
    private var spirv: [ShaderVariant: [UInt32]]
    private var pipelines: [ShaderVariant: VkPipeline] = [:]
    private var specializations: [ShaderVariant: [UInt32]]
    /// specialization constants of variants without their own entry (the 1-D workgroup size)
    private let defaultSpecialization: [UInt32]
    /// the on-disk VkPipelineCache every pipeline is created through
    let cache: PipelineCache

    init(device: VulkanDevice, spirv: [ShaderVariant: [UInt32]], specializations: [ShaderVariant: [UInt32]],
         defaultSpecialization: [UInt32], cacheDir: URL?) throws {
        self.device = device
        cache = PipelineCache(device: device, directory: cacheDir, properties: device.properties)
        self.spirv = spirv
        self.specializations = specializations
        self.defaultSpecialization = defaultSpecialization
        let fn = device.fn, dev = device.device
        var bindings = (0..<Self.maxBindings).map { i -> VkDescriptorSetLayoutBinding in
            var b = VkDescriptorSetLayoutBinding()
            b.binding = UInt32(i)
            b.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER
            b.descriptorCount = 1
            b.stageFlags = VK_SHADER_STAGE_COMPUTE_BIT.rawValue
            return b
        }
        var setLayout: VkDescriptorSetLayout?
        let r1: VkResult = bindings.withUnsafeMutableBufferPointer { bp in
            var info = VkDescriptorSetLayoutCreateInfo()
            info.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO
            info.bindingCount = UInt32(bp.count)
            info.pBindings = UnsafePointer(bp.baseAddress)
            return fn.createDescriptorSetLayout(dev, &info, nil, &setLayout)
        }
        try check(r1, "vkCreateDescriptorSetLayout")
        guard let setLayout else { throw VulkanError.deviceError(call: "vkCreateDescriptorSetLayout", result: -3) }
        self.setLayout = setLayout

        var range = VkPushConstantRange()
        range.stageFlags = VK_SHADER_STAGE_COMPUTE_BIT.rawValue
        range.offset = 0
        range.size = UInt32(Self.pushBytes)
        var layoutHandle: VkPipelineLayout?
        var setLayoutVar: VkDescriptorSetLayout? = setLayout
        let r2: VkResult = withUnsafePointer(to: &setLayoutVar) { sp in
            withUnsafePointer(to: &range) { rp in
                var info = VkPipelineLayoutCreateInfo()
                info.sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO
                info.setLayoutCount = 1
                info.pSetLayouts = sp
                info.pushConstantRangeCount = 1
                info.pPushConstantRanges = rp
                return fn.createPipelineLayout(dev, &info, nil, &layoutHandle)
            }
        }
        guard r2 == VK_SUCCESS, let layoutHandle else {
            fn.destroyDescriptorSetLayout(dev, setLayout, nil)
            throw VulkanError.deviceError(call: "vkCreatePipelineLayout", result: r2.rawValue)
        }
        layout = layoutHandle
    }

    deinit {
        let fn = device.fn, dev = device.device
        cache.save()
        for (_, p) in pipelines { fn.destroyPipeline(dev, p, nil) }
        fn.destroyPipelineLayout(dev, layout, nil)
        fn.destroyDescriptorSetLayout(dev, setLayout, nil)
    }

    var builtCount: Int { pipelines.count }

    /// The pipeline of `variant`, created on first use. Specialization constant i = spec[i].
    func pipeline(_ variant: ShaderVariant) throws -> VkPipeline {
        if let p = pipelines[variant] { return p }
        guard var code = spirv[variant] else {
            throw VulkanError.shaderCompileFailed(file: variant.file + ".comp", message: "variant \(variant) was not compiled at start")
        }
        let fn = device.fn, dev = device.device
        var module: VkShaderModule?
        let r1: VkResult = code.withUnsafeMutableBufferPointer { cp in
            var info = VkShaderModuleCreateInfo()
            info.sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO
            info.codeSize = cp.count * 4
            info.pCode = UnsafePointer(cp.baseAddress)
            return fn.createShaderModule(dev, &info, nil, &module)
        }
        try check(r1, "vkCreateShaderModule(\(variant))")
        guard let module else { throw VulkanError.deviceError(call: "vkCreateShaderModule", result: -3) }
        defer { fn.destroyShaderModule(dev, module, nil) }

        var specValues = specializations[variant] ?? defaultSpecialization
        var entries = specValues.indices.map { i -> VkSpecializationMapEntry in
            VkSpecializationMapEntry(constantID: UInt32(i), offset: UInt32(i * 4), size: 4)
        }
        var pipeline: VkPipeline?
        let r2: VkResult = "main".withCString { entryName in
            specValues.withUnsafeMutableBufferPointer { vp in
                entries.withUnsafeMutableBufferPointer { ep in
                    var spec = VkSpecializationInfo()
                    spec.mapEntryCount = UInt32(ep.count)
                    spec.pMapEntries = UnsafePointer(ep.baseAddress)
                    spec.dataSize = vp.count * 4
                    spec.pData = UnsafeRawPointer(vp.baseAddress)
                    return withUnsafePointer(to: &spec) { specPtr in
                        var stage = VkPipelineShaderStageCreateInfo()
                        stage.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO
                        stage.stage = VK_SHADER_STAGE_COMPUTE_BIT
                        stage.module = module
                        stage.pName = entryName
                        stage.pSpecializationInfo = specPtr
                        var info = VkComputePipelineCreateInfo()
                        info.sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO
                        info.stage = stage
                        info.layout = layout
                        return fn.createComputePipelines(dev, cache.handle, 1, &info, nil, &pipeline)
                    }
                }
            }
        }
        try check(r2, "vkCreateComputePipelines(\(variant))")
        guard let pipeline else { throw VulkanError.deviceError(call: "vkCreateComputePipelines", result: -3) }
        pipelines[variant] = pipeline
        cache.markDirty()
        return pipeline
    }
}
