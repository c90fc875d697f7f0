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
        try checkWritable(out, flag: "--out")
        try checkWritable(sidecar, flag: "--out (its .json sidecar)")
        let exported: ExportedModel
        do {
            let model = try ModelStore.load(r.model, modelsDir: modelsDir)
            let fileName = (r.fileName.map { ($0 as NSString).lastPathComponent }).flatMap { $0.isEmpty ? nil : $0 } ?? "\(r.model).\(format.rawValue)"
            exported = try ModelExport.export(model, format: format, fileName: fileName)
        } catch let e as JobError { throw JobManager.protocolError(e) }
        try replaceContents(of: out, with: exported.weights, what: "the weights file")
        try replaceContents(of: sidecar, with: exported.sidecarJSON, what: "the sidecar")
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

    /// A passed output must be a regular file open for writing, outside the state directory.
    private func checkWritable(_ fd: Int32, flag: String) throws {
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG else {
            throw ProtocolError(.invalidParameter, "invalid parameter '\(flag)': the file passed is not a regular file", field: "out")
        }
        let mode = fcntl(fd, F_GETFL) & O_ACCMODE
        guard mode == O_WRONLY || mode == O_RDWR else {
            throw ProtocolError(.invalidParameter, "invalid parameter '\(flag)': the file passed is not open for writing", field: "out")
        }
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/fd/\(fd)", &buf, buf.count - 1)
        if n > 0, SubmitChecks.isInside(String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self), stateDir) {
            throw ProtocolError(.invalidParameter, "invalid parameter '\(flag)': the file is inside the daemon's state directory; export elsewhere", field: "out")
        }
    }

    private func replaceContents(of fd: Int32, with data: Data, what: String) throws {
        func failure(_ op: String) -> ProtocolError {
            ProtocolError(.internalError, "writing \(what) failed: \(op): \(String(cString: strerror(errno)))")
        }
        guard ftruncate(fd, 0) == 0 else { throw failure("ftruncate") }
        var offset = 0
        while offset < data.count {
            let n = data.withUnsafeBytes { pwrite(fd, $0.baseAddress! + offset, data.count - offset, off_t(offset)) }
            if n < 0 { if errno == EINTR { continue }; throw failure("write") }
            offset += n
        }
        guard fsync(fd) == 0 else { throw failure("fsync") }
    }
}
