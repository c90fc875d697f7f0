// ShaderPrecompile.swift — writes the SPIR-V of every shader variant for a bundle (`make dist`
// runs `diffusiond compile-shaders`), so a GPU box without glslang runs on precompiled shaders.
import Foundation
import VulkanBackend

public enum ShaderPrecompile {
    /// Compiles every variant; returns the files written (default `<shaderDir>/spirv`).
    public static func run(shaderDir: URL?, outDir: URL?) throws -> [URL] {
        try VulkanComputeBackend.precompileShaders(shaderDir: shaderDir, outDir: outDir)
    }
}
