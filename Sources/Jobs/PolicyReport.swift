// PolicyReport.swift — metrics of sampled action chunks of the policy_obstacle task
// (PolicyTask.evaluate: collision rate, left / right / unclear shares, goal reached), plus the
// mode coverage in the same terms as the mixtures' (2 modes: left and right).
import DiffusionCore

enum PolicyReport {
    /// chunks (n, 32) and their observations (n, 4), in data units.
    static func metrics(chunks: [Float], observations: [Float]) -> [String: Double] {
        guard !chunks.isEmpty, chunks.count % PolicyTask.actionDim == 0,
              observations.count == (chunks.count / PolicyTask.actionDim) * PolicyTask.observationDim
                || observations.count == PolicyTask.observationDim else { return [:] }
        let p = PolicyTask.evaluate(chunks: chunks, observations: observations)
        var m = p.summary
        m["modes_covered"] = Double((p.leftShare > 0 ? 1 : 0) + (p.rightShare > 0 ? 1 : 0))
        m["modes_total"] = 2
        return m
    }
}
