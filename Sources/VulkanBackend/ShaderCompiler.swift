// ShaderCompiler.swift — GLSL → SPIR-V with glslangValidator, cached on disk.
// Cache key: a 128-bit FNV-1a hash of the compiler's version string, the -D defines, the
// shader source and every shared header (*.glsl) in the shader directory; a restart with
// unchanged shaders and compiler compiles nothing. Compile errors come back as
// "shaders/<file>:<line>: error: <message>" lines.
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
    let glslang: String
    let compilerVersion: String
    private let headers: String
    private let lock = NSLock()
    private(set) var compiledCount = 0
    private(set) var cachedCount = 0
    private(set) var cacheWritable = true

    init(shaderDir: URL, cacheDir: URL, glslang: String) throws {
        self.shaderDir = shaderDir
        self.cacheDir = cacheDir
        self.glslang = glslang
        let version = try Self.run(glslang, ["--version"], cwd: nil)
        guard version.status == 0 else { throw VulkanError.glslangMissing(searched: [glslang + " (--version failed)"]) }
        compilerVersion = version.output
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
        return "shaders: \(compiledCount) compiled, \(cachedCount) from cache (\(cacheWritable ? cacheDir.path : "cache disabled"))"
    }

    /// SPIR-V words of `variant`, from the cache or freshly compiled.
    func spirv(_ variant: ShaderVariant) throws -> [UInt32] {
        let sourceURL = shaderDir.appendingPathComponent(variant.file + ".comp")
        let relative = shaderDir.lastPathComponent + "/" + variant.file + ".comp"
        guard let source = try? String(contentsOf: sourceURL, encoding: .utf8) else {
            throw VulkanError.shaderCompileFailed(file: relative, message: "\(relative): error: cannot read \(sourceURL.path)")
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
