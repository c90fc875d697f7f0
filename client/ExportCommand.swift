// ExportCommand.swift — `diffctl export MODEL --format safetensors|npz --out FILE`: the model's EMA
// weights with tensor names and shapes, and FILE.json, the sidecar describing the architecture,
// schedule, objective, preconditioning and normalization (README, "Export").
// As with sample's --out, diffctl creates both files itself with the user's rights (an existing
// file is refused unless --force) and passes them open to the daemon (SCM_RIGHTS), which writes
// them; the daemon never opens a path the client named. Files this run created are removed again
// when the daemon refuses.
import DiffProtocol
import Foundation
#if canImport(Glibc)
import Glibc
#endif

let exportOptions: [OptionSpec] = [
    OptionSpec(["--format"], "format", .string, "safetensors|npz", "container of the weights (default: from the --out extension)"),
    OptionSpec(["--out", "-o"], "out", .path, "FILE", "the weights file; the sidecar is written to FILE.json"),
    OptionSpec(["--force"], "force", .flag, "", "replace existing files (they are refused otherwise)"),
]

let exportHelp = helpText(
    usage: "diffctl export MODEL --format safetensors|npz --out FILE [--force] [--json]",
    summary: "Write a model's EMA weights (float32, tensor names and shapes) and FILE.json, a sidecar with the architecture, time and class embeddings, schedule, objective, preconditioning constants and data normalization, so the model can be rebuilt elsewhere. See `diffctl forward` for the network's raw output to compare with.",
    options: exportOptions,
    examples: ["diffctl export ring --format safetensors --out ring.safetensors",
               "diffctl export ring --format npz --out ring.npz --force",
               "python3 scripts/export-check.py --model ring --weights ring.safetensors --weights ring.npz"])

let exportFormats = ["safetensors", "npz"]

/// Create `path` for the daemon to fill: O_EXCL unless `force` (then it is opened as it is and
/// truncated by the daemon only once the export is ready). Returns the descriptor and whether
/// this run created the file.
func createOutputFile(_ path: String, force: Bool, flag: String) throws -> (fd: Int32, created: Bool) {
    let existed = access(path, F_OK) == 0
    let flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY | (force ? O_NONBLOCK : O_EXCL)
    let fd = open(path, flags, 0o644)
    guard fd >= 0 else {
        if errno == EEXIST { throw fail(.rejected, "\(flag): '\(path)' already exists; pass --force to overwrite it") }
        throw fail(.rejected, "\(flag): cannot create '\(path)': \(String(cString: strerror(errno)))")
    }
    var st = stat()
    guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG else {
        close(fd)
        throw fail(.rejected, "\(flag): '\(path)' is not a regular file")
    }
    return (fd, !existed)
}

/// Remove a file this run created if nothing was written into it.
func removeIfEmpty(_ path: String) {
    var st = stat()
    if stat(path, &st) == 0, st.st_size == 0 { unlink(path) }
}

func exportCommand(_ argv: [String]) throws -> ExitCode {
    let args = try parseArguments(argv, options: exportOptions)
    if args.help { print(exportHelp); return .ok }
    guard args.positionals.count == 1 else {
        throw UsageError(description: args.positionals.isEmpty ? "export needs a MODEL (see diffctl models)"
                         : "unexpected argument '\(args.positionals[1])' (see diffctl export --help)")
    }
    let model = args.positionals[0]
    guard let out = args.spec["out"]?.stringValue, !out.isEmpty else {
        throw UsageError(description: "export needs --out FILE (e.g. --out \(model).safetensors)")
    }
    let ext = (out as NSString).pathExtension.lowercased()
    let format = args.spec["format"]?.stringValue ?? (exportFormats.contains(ext) ? ext : "")
    guard exportFormats.contains(format) else {
        throw UsageError(description: args.spec["format"] == nil
                         ? "--format is required when --out does not end in .safetensors or .npz (--format safetensors|npz)"
                         : "--format must be safetensors or npz, got '\(format)'")
    }
    let force = args.spec["force"]?.boolValue == true
    let sidecar = out + ".json"
    let conn = try openSession(args)
    // a remote daemon (--host ssh://…) cannot be handed open files; export is not routed through download yet
    guard conn.passesFiles else { throw fail(.rejected, "export over --host is not supported yet; run it on the box (diffctl export there, then copy the files)") }
    var created: [String] = []
    var fds: [Int32] = []
    func discard() { for p in created { removeIfEmpty(p) } }
    do {
        for (path, flag) in [(out, "--out"), (sidecar, "--out (its sidecar)")] {
            let f = try createOutputFile(path, force: force, flag: flag)
            fds.append(f.fd)
            if f.created { created.append(path) }
        }
    } catch { for fd in fds { close(fd) }; discard(); throw error }
    let request = ExportRequest(model: model, format: format, fileName: (out as NSString).lastPathComponent, files: ["out", "sidecar"])
    let reply: ResponseBody
    do {
        defer { for fd in fds { close(fd) } }
        let id = try conn.send(.export(request), passing: fds)
        reply = try conn.response(to: id, timeout: 300)
    } catch { discard(); throw fail(.noDaemon, "the daemon went away: \(error)") }
    guard case .exported(let r) = reply else {
        discard()
        if case .error(let e) = reply { throw fail(.rejected, e.error.message) }
        throw unexpected(reply)
    }
    if args.json { printJSON(r); return .ok }
    print("exported '\(r.model)' (\(r.parameters) parameters, \(r.tensors.count) tensors, EMA weights) as \(r.format):")
    print(table(["TENSOR", "SHAPE"], r.tensors.map { [$0.name, "[" + $0.shape.map(String.init).joined(separator: ", ") + "]"] }))
    print("weights: \(out) (\(r.bytes) bytes)")
    print("sidecar: \(sidecar) (\(r.sidecarBytes) bytes)")
    return .ok
}
