// PrunePayloads.swift — `prune`: remove finished jobs (succeeded, failed, cancelled) now.
//
//   → {"id":3,"type":"prune","olderThan":604800,"states":["failed"]}
//   ← {"id":3,"type":"pruned","removed":["j2","j5"],"skipped":1}
//
// Jobs that finished less than `olderThan` seconds ago stay; `states` limits which terminal
// states are removed (default: all three). Jobs the requester may not manage are skipped and
// counted, not removed. Named models are never removed.
import Foundation

public struct PruneRequest: Codable, Equatable, Sendable {
    /// seconds since the job finished; nil or 0 → any finished job
    public var olderThan: Double?
    /// "succeeded", "failed", "cancelled"; nil → all of them
    public var states: [String]?
    public init(olderThan: Double? = nil, states: [String]? = nil) { self.olderThan = olderThan; self.states = states }
}

public struct PruneReply: Codable, Equatable, Sendable {
    /// ids of the jobs removed, oldest first
    public var removed: [String]
    /// finished jobs that matched but belong to another user (see group_may_manage_all)
    public var skipped: Int
    public init(removed: [String], skipped: Int) { self.removed = removed; self.skipped = skipped }
}
