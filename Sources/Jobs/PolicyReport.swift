// PolicyReport.swift — metrics of sampled action chunks of the policy_obstacle task: collision
// rate, share passing left / right (mode coverage), and share reaching the goal.
import DiffusionCore

enum PolicyReport {
    /// chunks (n, 32) and their observations (n, 4), in data units.
    static func metrics(chunks: [Float], observations: [Float]) -> [String: Double] {
        let a = PolicyTask.actionDim, o = PolicyTask.observationDim
        let n = min(chunks.count / a, observations.count / o)
        guard n > 0 else { return [:] }
        var collisions = 0, left = 0, right = 0, goal = 0
        for i in 0..<n {
            let c = Array(chunks[(i * a)..<((i + 1) * a)]), obs = Array(observations[(i * o)..<((i + 1) * o)])
            if PolicyTask.collides(chunk: c, observation: obs) { collisions += 1 }
            switch PolicyTask.side(chunk: c, observation: obs) {
            case PolicyTask.left?: left += 1
            case PolicyTask.right?: right += 1
            default: break
            }
            if PolicyTask.reachesGoal(chunk: c, observation: obs) { goal += 1 }
        }
        let N = Double(n)
        return ["collision_rate": Double(collisions) / N, "left_share": Double(left) / N,
                "right_share": Double(right) / N, "goal_reached": Double(goal) / N,
                "modes_covered": Double((left > 0 ? 1 : 0) + (right > 0 ? 1 : 0)), "modes_total": 2]
    }
}
