// JobFile.swift — jobs as files: `-f FILE` reads a JSON job spec (the keys `diffctl show --json`
// prints under "spec", the same the client builds from flags); flags on the command line override
// it. Relative paths in the file are taken from the file's directory. `--dry-run` sends the merged
// spec for the daemon to check and resolve, prints it with every default filled, and queues nothing.
import DiffProtocol
import Foundation

let jobFileOptions: [OptionSpec] = [
    OptionSpec(["-f", "--file"], "file", .setting, "FILE", "a job spec file (JSON object of spec keys); flags given here override it"),
    OptionSpec(["--dry-run"], "dry-run", .flag, "", "print the spec with every default filled and exit; nothing is queued"),
]

/// The client-side flags of every submit command (not spec keys).
let submitSettingFlags: Set<String> = ["follow", "dry-run", "quiet"]

/// Spec keys that name files (made absolute against the job file's directory).
private let pathKeys = ["conditionFile", "samples", "out"]

/// Merge the job file (if `-f` was given) under the command line's spec keys. Returns the file's
/// `kind`, if it has one, and records which keys came from the file (for error messages).
@discardableResult
func applyJobFile(_ args: inout ParsedArguments) throws -> String? {
    guard let path = args.settings["file"] else { return nil }
    let file = try readJobFile(path)
    var merged = file
    merged["kind"] = nil
    for (k, v) in args.spec { merged[k] = v }
    args.fileKeys = Set(merged.keys).subtracting(args.spec.keys)
    args.spec = merged
    args.fileName = path
    return file["kind"]?.stringValue
}

func readJobFile(_ path: String) throws -> [String: JSONValue] {
    let data: Data
    do { data = try Data(contentsOf: URL(fileURLWithPath: absolutePath(path))) } catch {
        throw UsageError(description: "-f: cannot read job file '\(path)': \((error as NSError).localizedDescription)")
    }
    let value: JSONValue
    do { value = try JSONDecoder().decode(JSONValue.self, from: data) } catch {
        throw UsageError(description: "-f: '\(path)' is not valid JSON (\(jsonErrorText(error)))")
    }
    guard case .object(var object) = value else {
        throw UsageError(description: "-f: '\(path)' must hold one JSON object of spec keys, e.g. {\"dataset\": \"ring8\", \"steps\": 3000}")
    }
    let base = (absolutePath(path) as NSString).deletingLastPathComponent
    func anchored(_ p: String) -> String { p.hasPrefix("/") || p.hasPrefix("~/") ? absolutePath(p) : (base as NSString).appendingPathComponent(p) }
    for key in pathKeys { if let p = object[key]?.stringValue, !p.isEmpty { object[key] = .string(anchored(p)) } }
    if let d = object["dataset"]?.stringValue, d.contains("/") || d.hasSuffix(".csv") || d.hasSuffix(".npy") {
        object["dataset"] = .string(anchored(d))
    }
    return object
}

private func jsonErrorText(_ error: Error) -> String {
    if case DecodingError.dataCorrupted(let c) = error, let u = c.underlyingError { return (u as NSError).localizedDescription }
    return "\(error)"
}

/// The job file's kind must be the command's (train also takes gmm).
func checkFileKind(_ fileKind: String?, command: String, allowed: [String]) throws {
    guard let fileKind, !allowed.contains(fileKind) else { return }
    throw UsageError(description: "-f: the file is a '\(fileKind)' job, not \(command) (use diffctl \(fileKind == "gmm" ? "train" : fileKind) -f …)")
}

/// A refusal about a key that came from the job file says so.
func attributed(_ e: ProtocolError, _ args: ParsedArguments) -> String {
    guard let file = args.fileName, let field = e.field, args.fileKeys.contains(field) else { return e.message }
    return "\(file): \(e.message)"
}

/// `--dry-run`: print what the daemon resolved (pretty JSON, itself a valid job file), queue nothing.
func printDryRun(_ r: ResolvedReply, json: Bool) -> ExitCode {
    if json { printJSON(r); return .ok }
    printPrettyJSON(r.spec)
    printNote("dry run: nothing queued (save this as a file and submit it with: diffctl \(r.kind == "gmm" ? "train" : r.kind) -f FILE)")
    return .ok
}

/// `out` of a dry run is only checked, not created.
func checkDryRunOut(_ spec: [String: JSONValue]) throws {
    guard let out = spec["out"]?.stringValue, !out.isEmpty else { return }
    let ext = (out as NSString).pathExtension.lowercased()
    guard ext == "csv" || ext == "npy" else { throw fail(.rejected, "invalid parameter '--out': '\(out)' must end in .csv or .npy") }
    if spec["force"]?.boolValue != true, FileManager.default.fileExists(atPath: out) {
        throw fail(.rejected, "invalid parameter '--out': '\(out)' already exists; pass --force to overwrite it")
    }
    var isDir: ObjCBool = false
    let dir = (out as NSString).deletingLastPathComponent
    if !dir.isEmpty, !(FileManager.default.fileExists(atPath: dir, isDirectory: &isDir) && isDir.boolValue) {
        throw fail(.rejected, "invalid parameter '--out': directory '\(dir)' does not exist")
    }
}
