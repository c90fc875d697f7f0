// ExportRequests.swift — the daemon's side of `export` and `forward` (ExportPayloads.swift),
// answered on the requesting connection's worker thread.
//
// export: the client creates the weights file and its sidecar itself, with its own rights
// (refusing existing files unless --force), and passes both open with the request, as a
// submit's `out` travels (PassFiles.swift / ClientFiles.swift): the daemon never opens a path a
// client named. Both descriptors are checked (regular files, open for writing, outside the state
// directory), the model is encoded in memory (Jobs/Export), and only then are both files
// truncated and written. A reply could not carry the bytes: a default model's weights alone are
// about 1 MB, the size limit of one message.
import DiffProtocol
import Foundation
import Jobs
#if canImport(Glibc)
import Glibc
#endif

final class ExportRequests: @unchecked Sendable {
    let modelsDir: URL
    let stateDir: String
    let forwardServer: ModelForwardServer

    init(modelsDir: URL, stateDir: String) {
        self.modelsDir = modelsDir
        self.stateDir = stateDir
        forwardServer = ModelForwardServer(backend: JobReports.policyBackend(), modelsDir: modelsDir)
    }

    /// Writes the export into the passed descriptors (which this call closes).
    func export(_ r: ExportRequest, fds: [Int32]) throws -> ExportReply {
        defer { for fd in fds { close(fd) } }
        let names = r.files ?? []
        guard names.count == fds.count else {
            throw ProtocolError(.invalidParameter, "the request passed \(fds.count) open file(s) but 'files' names \(names.count); pass \"out\" and \"sidecar\", in order", field: "files")
        }
        guard let format = ExportFormat(rawValue: r.format) else {
            throw ProtocolError(.invalidParameter, "invalid parameter '--format': '\(r.format)' is not one of \(ExportFormat.allCases.map(\.rawValue).joined(separator: ", "))", field: "format")
        }
        var byName: [String: Int32] = [:]
        for (name, fd) in zip(names, fds) {
            guard name == "out" || name == "sidecar" else {
                throw ProtocolError(.invalidParameter, "'files' names '\(name)'; export takes \"out\" and \"sidecar\"", field: "files")
            }
            guard byName[name] == nil else { throw ProtocolError(.invalidParameter, "'files' names '\(name)' twice", field: "files") }
            byName[name] = fd
        }
        guard let out = byName["out"], let sidecar = byName["sidecar"] else {
            throw ProtocolError(.invalidParameter, "export needs two open files, \"out\" (the weights) and \"sidecar\" (the JSON); diffctl export --out FILE passes both", field: "files")
        }
        try ClientFiles.checkWritable(out, parameter: "--out", described: "the file passed", stateDir: stateDir, elsewhere: "export elsewhere")
        try ClientFiles.checkWritable(sidecar, parameter: "--out (its .json sidecar)", described: "the file passed", stateDir: stateDir,
                                      elsewhere: "export elsewhere")
        let exported: ExportedModel
        do {
            let model = try ModelStore.load(r.model, modelsDir: modelsDir)
            let fileName = (r.fileName.map { ($0 as NSString).lastPathComponent }).flatMap { $0.isEmpty ? nil : $0 } ?? "\(r.model).\(format.rawValue)"
            exported = try ModelExport.export(model, format: format, fileName: fileName)
        } catch let e as JobError { throw JobManager.protocolError(e) }
        try ClientFiles.replaceContents(of: out, with: exported.weights, what: "the weights file")
        try ClientFiles.replaceContents(of: sidecar, with: exported.sidecarJSON, what: "the sidecar")
        return ExportReply(model: r.model, format: format.rawValue,
                           tensors: exported.tensors.map { ExportedTensorInfo(name: $0.name, shape: $0.shape) },
                           parameters: exported.sidecar.weights.parameterCount,
                           bytes: exported.weights.count, sidecarBytes: exported.sidecarJSON.count)
    }

    func forward(_ r: ForwardRequest) throws -> ForwardReply {
        do {
            let f = try forwardServer.forward(model: r.model, rows: r.rows)
            let d = f.dataDim
            let output = (0..<(f.output.count / max(d, 1))).map { i in f.output[(i * d)..<((i + 1) * d)].map { Double($0) } }
            let levels = f.levels.map { ls in
                ls.enumerated().map { i, l in
                    ForwardLevel(alphaBar: f.alphaBars?[i], cin: l.cin, px: l.px, pf: l.pf, outX: l.outX, outF: l.outF)
                }
            }
            return ForwardReply(model: r.model, columns: f.columns, output: output, levels: levels)
        } catch let e as JobError { throw JobManager.protocolError(e) }
    }
}
