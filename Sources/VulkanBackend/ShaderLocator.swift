// ShaderLocator.swift — where the `.comp` shaders and the SPIR-V cache live, and which
// glslangValidator compiles them. Shader search order (DESIGN.md): options.shaderDir, env
// DIFFUSIOND_SHADER_DIR, next to the executable (<exe>/../../shaders, <exe>/../share/diffusiond/shaders,
// walking up a few levels), then ./shaders.
import Foundation

enum ShaderLocator {
    /// A directory counts as a shader directory when it holds the shared header.
    static func isShaderDir(_ url: URL) -> Bool {
        FileManager.default.fileExists(atPath: url.appendingPathComponent("common.glsl").path)
    }

    static func executableURL() -> URL? {
        if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return URL(fileURLWithPath: resolved)
        }
        return Bundle.main.executableURL
    }

    static func shaderDirectory(explicit: URL?,
                                environment: [String: String] = ProcessInfo.processInfo.environment) throws -> URL {
        if let explicit {
            guard isShaderDir(explicit) else { throw VulkanError.shadersNotFound(searched: [explicit.path]) }
            return explicit
        }
        var candidates: [URL] = []
        if let env = environment["DIFFUSIOND_SHADER_DIR"], !env.isEmpty {
            candidates.append(URL(fileURLWithPath: env))
        }
        if let exe = executableURL() {
            var dir = exe.deletingLastPathComponent()
            for _ in 0..<6 {
                candidates.append(dir.appendingPathComponent("shaders"))
                candidates.append(dir.appendingPathComponent("share/diffusiond/shaders"))
                dir = dir.deletingLastPathComponent()
                if dir.path == "/" { break }
            }
        }
        candidates.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("shaders"))
        if let found = candidates.first(where: isShaderDir) { return found.standardizedFileURL }
        throw VulkanError.shadersNotFound(searched: candidates.map { $0.standardizedFileURL.path })
    }

    /// options.cacheDir, else $XDG_CACHE_HOME/diffusiond/spirv, else ~/.cache/diffusiond/spirv.
    static func cacheDirectory(explicit: URL?) -> URL {
        if let explicit { return explicit }
        let env = ProcessInfo.processInfo.environment
        if let xdg = env["XDG_CACHE_HOME"], !xdg.isEmpty {
            return URL(fileURLWithPath: xdg).appendingPathComponent("diffusiond/spirv")
        }
        let home = env["HOME"].map { URL(fileURLWithPath: $0) } ?? FileManager.default.homeDirectoryForCurrentUser
        return home.appendingPathComponent(".cache/diffusiond/spirv")
    }

    /// The glslang executable: options.glslangPath, else $DIFFUSIOND_GLSLANG, else glslangValidator /
    /// glslang on PATH, /usr/bin, /usr/local/bin. nil when there is none (or the setting is "none"):
    /// the backend then runs on cached or precompiled SPIR-V (`<shaderDir>/spirv`, see ShaderCompiler).
    static func glslang(explicit: String?,
                        environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String? {
        let fm = FileManager.default
        let setting = explicit ?? environment["DIFFUSIOND_GLSLANG"].flatMap { $0.isEmpty ? nil : $0 }
        if let setting {
            if setting == "none" { return nil }
            guard fm.isExecutableFile(atPath: setting) else { throw VulkanError.glslangMissing(searched: [setting]) }
            return setting
        }
        for name in ["glslangValidator", "glslang"] {
            for dir in searchDirs(environment) where fm.isExecutableFile(atPath: dir + "/" + name) {
                return dir + "/" + name
            }
        }
        return nil
    }

    static func searchDirs(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        var dirs = (environment["PATH"] ?? "").split(separator: ":").map(String.init)
        for dir in ["/usr/bin", "/usr/local/bin"] where !dirs.contains(dir) { dirs.append(dir) }
        return dirs
    }

    /// Where a compiler was looked for, for error messages.
    static var compilerSearchPath: [String] { searchDirs().map { $0 + "/glslangValidator" } }
}
