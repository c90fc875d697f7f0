// ShaderCompiler.swift — GLSL → SPIR-V with glslangValidator, cached on disk, or precompiled.
// Cache key: a 128-bit FNV-1a hash of the compiler's version string, the -D defines, the
// shader source and every shared header (*.glsl) in the shader directory; a restart with
// unchanged shaders and compiler compiles nothing. Compile errors come back as
// "shaders/<file>:<line>: error: <message>" lines.
// Without a compiler (a bundle on a GPU box with only a Vulkan driver), SPIR-V comes from
// `<shaderDir>/spirv/`, written by `make dist` (`diffusiond compile-shaders`): one file per
// variant named by a hash of its defines, source and headers (no compiler version), so a
// precompiled file is used only for exactly the source it was compiled from.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One compiled shader: a `.comp` file plus its -D defines.
struct ShaderVariant: Hashable, CustomStringConvertible {
    let file: String          // e.g. "matmul" (shaders/matmul.comp)
    let defines: [String]     // e.g. ["TRANS_A", "BIAS"]
    init(_ file: String, _ defines: [String] = []) { self.file = file; self.defines = defines }
    var description: String { ([file] + defines.map { "-D" + $0 }).joined(separator: " ") }
}

final class ShaderCompiler: @unchecked Sendable {
    let shaderDir: URL
    let cacheDir: URL
    /// nil: no compiler on this machine; only cached or precompiled SPIR-V can be used.
    let glslang: String?
    let compilerVersion: String
    /// `<shaderDir>/spirv`: SPIR-V precompiled for exactly these sources (see the header).
    var precompiledDir: URL { shaderDir.appendingPathComponent("spirv") }
    private let headers: String
    private let lock = NSLock()
    private(set) var compiledCount = 0
    private(set) var cachedCount = 0
    private(set) var precompiledCount = 0
    private(set) var cacheWritable = true

    init(shaderDir: URL, cacheDir: URL, glslang: String?) throws {
        self.shaderDir = shaderDir
        self.cacheDir = cacheDir
        self.glslang = glslang
        if let glslang {
            let version = try Self.run(glslang, ["--version"], cwd: nil)
            guard version.status == 0 else { throw VulkanError.glslangMissing(searched: [glslang + " (--version failed)"]) }
            compilerVersion = version.output
        } else {
            compilerVersion = "none"
        }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: shaderDir.path)) ?? [])
            .filter { $0.hasSuffix(".glsl") }.sorted()
        headers = names.map { name in
            name + "\n" + ((try? String(contentsOf: shaderDir.appendingPathComponent(name), encoding: .utf8)) ?? "")
        }.joined(separator: "\n")
        do { try FileManager.default.createDirectory(at: cacheDir, withIntermediateDirectories: true) } catch {
            cacheWritable = false
        }
    }

    /// "compiled N, loaded M from cache (dir)"
    var stateDescription: String {
        lock.lock(); defer { lock.unlock() }
        let precompiled = precompiledCount > 0 ? ", \(precompiledCount) precompiled" : ""
        return "shaders: \(compiledCount) compiled, \(cachedCount) from cache\(precompiled) (\(cacheWritable ? cacheDir.path : "cache disabled"))"
    }

    /// Hash of what a variant's SPIR-V depends on apart from the compiler: defines, source, headers.
    func sourceKey(_ variant: ShaderVariant, source: String) -> String {
        Self.hashHex([variant.defines.joined(separator: ","), source, headers].joined(separator: "\u{0}"))
    }

    /// `<name>-<sourceKey>.spv`, the precompiled file of `variant`.
    func precompiledName(_ variant: ShaderVariant, source: String) -> String {
        "\(([variant.file] + variant.defines).joined(separator: "-"))-\(sourceKey(variant, source: source)).spv"
    }

    func source(of variant: ShaderVariant) throws -> String {
        let sourceURL = shaderDir.appendingPathComponent(variant.file + ".comp")
        let relative = shaderDir.lastPathComponent + "/" + variant.file + ".comp"
        guard let source = try? String(contentsOf: sourceURL, encoding: .utf8) else {
            throw VulkanError.shaderCompileFailed(file: relative, message: "\(relative): error: cannot read \(sourceURL.path)")
        }
        return source
    }

    /// SPIR-V words of `variant`, from the cache or freshly compiled.
    func spirv(_ variant: ShaderVariant) throws -> [UInt32] {
        let relative = shaderDir.lastPathComponent + "/" + variant.file + ".comp"
        let source = try self.source(of: variant)
        guard let glslang else {
            let file = precompiledDir.appendingPathComponent(precompiledName(variant, source: source))
            guard let data = try? Data(contentsOf: file), let words = Self.words(data) else {
                throw VulkanError.glslangMissing(searched: ShaderLocator.compilerSearchPath
                    + ["no precompiled SPIR-V for \(variant) matching this source in \(precompiledDir.path)"])
            }
            lock.lock(); precompiledCount += 1; lock.unlock()
            return words
        }
        let keyText = [compilerVersion, variant.defines.joined(separator: ","), source, headers].joined(separator: "\u{0}")
        let key = Self.hashHex(keyText)
        let cached = cacheDir.appendingPathComponent("\(([variant.file] + variant.defines).joined(separator: "-"))-\(key).spv")
        if let data = try? Data(contentsOf: cached), let words = Self.words(data) {
            lock.lock(); cachedCount += 1; lock.unlock()
            return words
        }
        let tmp = FileManager.default.temporaryDirectory
            .appendingPathComponent("diffusiond-spv-\(getpid())-\(UUID().uuidString).spv")
        defer { try? FileManager.default.removeItem(at: tmp) }
        let args = ["-V", "--target-env", "vulkan1.1"] + variant.defines.map { "-D" + $0 }
            + ["-I" + shaderDir.path, "-o", tmp.path, relative]
        let result = try Self.run(glslang, args, cwd: shaderDir.deletingLastPathComponent())
        guard result.status == 0, let data = try? Data(contentsOf: tmp), let words = Self.words(data) else {
            throw VulkanError.shaderCompileFailed(file: relative, message: Self.errorLines(result.output, variant: variant))
        }
        if cacheWritable {
            // write a private temp file, then rename over the entry: readers never see a partial file
            let partial = cached.appendingPathExtension("tmp-\(getpid())-\(UUID().uuidString)")
            if (try? data.write(to: partial)) != nil, rename(partial.path, cached.path) != 0 {
                try? FileManager.default.removeItem(at: partial)
            }
        }
        lock.lock(); compiledCount += 1; lock.unlock()
        return words
    }

    /// SPIR-V of every variant, compiling the ones not cached on all cores. The first failure
    /// (in list order) is thrown.
    func compileAll(_ variants: [ShaderVariant]) throws -> [ShaderVariant: [UInt32]] {
        var results = [Result<[UInt32], Error>?](repeating: nil, count: variants.count)
        let resultsLock = NSLock()
        DispatchQueue.concurrentPerform(iterations: variants.count) { i in
            let r = Result { try spirv(variants[i]) }
            resultsLock.lock(); results[i] = r; resultsLock.unlock()
        }
        var out: [ShaderVariant: [UInt32]] = [:]
        for (i, variant) in variants.enumerated() { out[variant] = try results[i]!.get() }
        return out
    }

    /// glslang's "ERROR: file:line: message" lines rewritten as "file:line: error: message".
    static func errorLines(_ output: String, variant: ShaderVariant) -> String {
        var lines: [String] = []
        for raw in output.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            guard line.hasPrefix("ERROR: ") else { continue }
            let body = String(line.dropFirst("ERROR: ".count))
            if body.contains("compilation terminated") || body.hasSuffix("No code generated.") { continue }
            // body = "path:line: 'token' : message"
            let parts = body.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            if parts.count == 3, Int(parts[1]) != nil {
                lines.append("\(parts[0]):\(parts[1]): error:\(parts[2])")
            } else {
                lines.append("error: " + body)
            }
        }
        if lines.isEmpty { lines = [output.trimmingCharacters(in: .whitespacesAndNewlines)] }
        let defines = variant.defines.isEmpty ? "" : " (variant \(variant))"
        return lines.joined(separator: "\n") + defines
    }

    static func words(_ data: Data) -> [UInt32]? {
        guard data.count >= 20, data.count % 4 == 0 else { return nil }
        let words = data.withUnsafeBytes { Array($0.bindMemory(to: UInt32.self)) }
        return words.first == 0x0723_0203 ? words : nil
    }

    /// 128-bit FNV-1a (two 64-bit lanes with different offsets) as hex.
    static func hashHex(_ text: String) -> String {
        var h1: UInt64 = 0xcbf2_9ce4_8422_2325, h2: UInt64 = 0x8422_2325_cbf2_9ce4
        for byte in text.utf8 {
            h1 = (h1 ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
            h2 = (h2 ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
            h2 = h2 &+ (h2 >> 29)
        }
        return String(format: "%016llx%016llx", h1, h2)
    }

    /// Runs a tool, returning exit status and combined stdout+stderr.
    static func run(_ tool: String, _ args: [String], cwd: URL?) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = args
        if let cwd { process.currentDirectoryURL = cwd }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do { try process.run() } catch { throw VulkanError.glslangMissing(searched: [tool + " (cannot run: \(error))"]) }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
