// CompileShadersCommand.swift — `diffusiond compile-shaders [--shader-dir DIR] [--out DIR]`:
// precompiles every shader variant to SPIR-V (what `make dist` ships for boxes without glslang).
import Foundation
import Jobs

public enum CompileShadersCommand {
    public static let usage = "usage: diffusiond compile-shaders [--shader-dir DIR] [--out DIR]"

    /// Returns the process exit status: 0 written, 2 bad arguments, 1 compile failure.
    public static func main(_ arguments: [String]) -> Int32 {
        var shaderDir: URL?, outDir: URL?
        var i = 0
        while i < arguments.count {
            let flag = arguments[i]
            guard flag == "--shader-dir" || flag == "--out" else {
                if flag == "-h" || flag == "--help" { print(usage); return 0 }
                FileHandle.standardError.write(Data("diffusiond compile-shaders: unknown argument '\(flag)'\n\(usage)\n".utf8))
                return 2
            }
            guard i + 1 < arguments.count else {
                FileHandle.standardError.write(Data("diffusiond compile-shaders: \(flag) needs a directory\n".utf8))
                return 2
            }
            let url = URL(fileURLWithPath: arguments[i + 1])
            if flag == "--out" { outDir = url } else { shaderDir = url }
            i += 2
        }
        do {
            let files = try ShaderPrecompile.run(shaderDir: shaderDir, outDir: outDir)
            let dir = files.first?.deletingLastPathComponent().path ?? "-"
            print("compiled \(files.count) shader variants into \(dir)")
            return 0
        } catch {
            FileHandle.standardError.write(Data("diffusiond compile-shaders: \(error)\n".utf8))
            return 1
        }
    }
}
