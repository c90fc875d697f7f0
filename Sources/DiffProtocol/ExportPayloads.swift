// ExportPayloads.swift — the two requests that take a model out of the daemon, answered
// directly (no job):
//   export:  the model's EMA weights as safetensors or npz, and the JSON sidecar, written into
//            two files the client created and passed open with the request (SCM_RIGHTS, as a
//            submit's `out`; `files` names them "out" and "sidecar") — the daemon opens no path;
//   forward: the raw network output F for rows the client gives (x, t, class, cond), in the
//            network's own space, so an exported copy can be checked against the daemon.
import Foundation

public struct ExportRequest: Codable, Equatable, Sendable {
    public var model: String
    /// "safetensors" | "npz"
    public var format: String
    /// the name the sidecar records for the weights file (the client's file name, no directory)
    public var fileName: String?
    /// which file each passed descriptor is, in order: "out" (the weights) and "sidecar" (JSON)
    public var files: [String]?
    public init(model: String, format: String, fileName: String? = nil, files: [String]? = nil) {
        self.model = model; self.format = format; self.fileName = fileName; self.files = files
    }
}

public struct ExportedTensorInfo: Codable, Equatable, Sendable {
    public var name: String
    public var shape: [Int]
    public init(name: String, shape: [Int]) { self.name = name; self.shape = shape }
}

public struct ExportReply: Codable, Equatable, Sendable {
    public var model: String
    public var format: String
    public var tensors: [ExportedTensorInfo]
    public var parameters: Int
    /// bytes written into the weights file and the sidecar
    public var bytes: Int
    public var sidecarBytes: Int
    public init(model: String, format: String, tensors: [ExportedTensorInfo], parameters: Int, bytes: Int, sidecarBytes: Int) {
        self.model = model; self.format = format; self.tensors = tensors; self.parameters = parameters
        self.bytes = bytes; self.sidecarBytes = sidecarBytes
    }
}

public struct ForwardRequest: Codable, Equatable, Sendable {
    public var model: String
    /// each row: x (dataDim values, the network's input c_in·x_t) ++ t (model time 0 … 1)
    /// ++ class (class-conditional models; numClasses = the null class) ++ cond (condDim values)
    public var rows: [[Double]]
    public init(model: String, rows: [[Double]]) { self.model = model; self.rows = rows }
}

/// The noise level of one row's t, for models trained with preconditioning.
public struct ForwardLevel: Codable, Equatable, Sendable {
    /// ᾱ of the schedule index of t (diffusion models; nil for flow)
    public var alphaBar: Double?
    /// network input = cin·x_t
    public var cin: Double
    /// x̂0 = px·x_t + pf·F
    public var px: Double
    public var pf: Double
    /// the objective's own prediction (what samplers read) = outX·x_t + outF·F
    public var outX: Double
    public var outF: Double
    public init(alphaBar: Double?, cin: Double, px: Double, pf: Double, outX: Double, outF: Double) {
        self.alphaBar = alphaBar; self.cin = cin; self.px = px; self.pf = pf; self.outX = outX; self.outF = outF
    }
}

public struct ForwardReply: Codable, Equatable, Sendable {
    public var model: String
    /// the input columns the model takes, e.g. ["x0", "x1", "t", "class"]
    public var columns: [String]
    /// F per row (dataDim values each)
    public var output: [[Double]]
    /// per row, for preconditioned models
    public var levels: [ForwardLevel]?
    public init(model: String, columns: [String], output: [[Double]], levels: [ForwardLevel]? = nil) {
        self.model = model; self.columns = columns; self.output = output; self.levels = levels
    }
}
