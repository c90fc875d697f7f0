// TransferPayloads.swift — the messages of remote use, where no open file can travel with a
// request (diffctl --host ssh://…, relayed by `diffusiond dial-stdio`):
//
//   relay → {"type":"relayed","via":"ssh","from":"10.0.0.5 51234 22"}    (first line; no reply)
//   → {"id":2,"type":"hasBlob","sha256":"ab12…"}
//   ← {"id":2,"type":"blob","sha256":"ab12…","present":false}
//   → {"id":3,"type":"upload","sha256":"ab12…","size":1300000,"offset":0,"data":"<base64>"}
//   ← {"id":3,"type":"uploaded","sha256":"ab12…","received":524288,"complete":false}
//   → {"id":9,"type":"submit","spec":{…,"dataset":"/home/me/d.csv"},"uploads":{"dataset":"ab12…"}}
//   → {"id":12,"type":"download","job":"j3","output":"samples","offset":0}
//   ← {"id":12,"type":"downloaded","job":"j3","output":"samples","name":"samples.csv","size":…,
//      "offset":0,"data":"<base64>","sha256":"…" (with the last piece)}
//
// Uploads are content-addressed: a blob is stored under the SHA-256 of its bytes, which the
// daemon recomputes before it keeps it, so a second run with the same file uploads nothing.
import Foundation

/// Sent by the relay (dial-stdio) before the client's first byte: this connection comes from
/// another machine, so a path in a spec is the client's and never the daemon's to open.
public struct RelayedNotice: Codable, Equatable, Sendable {
    public var via: String
    /// who is on the other end, as the relay knows it (SSH_CLIENT)
    public var from: String?
    public init(via: String, from: String? = nil) { self.via = via; self.from = from }
}

public struct BlobQuery: Codable, Equatable, Sendable {
    public var sha256: String
    public init(sha256: String) { self.sha256 = sha256 }
}

public struct BlobReply: Codable, Equatable, Sendable {
    public var sha256: String
    public var present: Bool
    public var size: Int?
    /// the largest upload this daemon accepts (upload_limit)
    public var limit: Int?
    public init(sha256: String, present: Bool, size: Int? = nil, limit: Int? = nil) {
        self.sha256 = sha256; self.present = present; self.size = size; self.limit = limit
    }
}

public struct UploadChunk: Codable, Equatable, Sendable {
    public var sha256: String
    /// the whole file's size
    public var size: Int
    /// where this piece starts; pieces arrive in order
    public var offset: Int
    /// the piece, base64
    public var data: String
    public init(sha256: String, size: Int, offset: Int, data: String) {
        self.sha256 = sha256; self.size = size; self.offset = offset; self.data = data
    }
}

public struct UploadReply: Codable, Equatable, Sendable {
    public var sha256: String
    public var received: Int
    /// true once the last piece arrived and the hash matched: the blob is stored
    public var complete: Bool
    public init(sha256: String, received: Int, complete: Bool) { self.sha256 = sha256; self.received = received; self.complete = complete }
}

public struct DownloadRequest: Codable, Equatable, Sendable {
    public var job: String
    /// the output's name in the job's `outputs` (samples, model, loss_curve, out, …)
    public var output: String
    public var offset: Int?
    /// at most this many bytes (the daemon may send fewer)
    public var length: Int?
    public init(job: String, output: String, offset: Int? = nil, length: Int? = nil) {
        self.job = job; self.output = output; self.offset = offset; self.length = length
    }
}

public struct DownloadReply: Codable, Equatable, Sendable {
    public var job: String
    public var output: String
    /// the file's name (no directory)
    public var name: String
    public var size: Int
    public var offset: Int
    /// base64
    public var data: String
    /// SHA-256 of the whole file, with the piece that ends it
    public var sha256: String?
    public init(job: String, output: String, name: String, size: Int, offset: Int, data: String, sha256: String? = nil) {
        self.job = job; self.output = output; self.name = name; self.size = size; self.offset = offset; self.data = data; self.sha256 = sha256
    }
}

public enum Transfers {
    /// raw bytes per upload or download piece: base64 of it fits a 1 MiB message
    public static let pieceBytes = 512 << 10
}
