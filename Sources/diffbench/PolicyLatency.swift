// PolicyLatency.swift — latency of one policy request through the daemon socket (issue 6):
// one observation in, a 16-step action chunk out, DDIM with 10 steps. Not wired yet.
import Foundation

enum PolicyLatency {
    static func measure(quick: Bool, log: (String) -> Void) -> (Double, Double)? {
        log("policy latency: not measured (the daemon's policy request is not built yet)")
        return nil
    }
}
