// ModelPayloads.swift — the model-lifecycle request: remove-model removes one version of a
// named model (NAME@V) or every version of it (NAME); refused while a queued or running job
// uses or produces it. (Listing is the `models` request; each ModelInfo is one version.)
import Foundation

public struct RemoveModelRequest: Codable, Equatable, Sendable {
    /// NAME (every version) or NAME@V
    public var model: String
    public init(model: String) { self.model = model }
}

public struct RemoveModelReply: Codable, Equatable, Sendable {
    /// the versions removed, as name@v
    public var removed: [String]
    public init(removed: [String]) { self.removed = removed }
}
