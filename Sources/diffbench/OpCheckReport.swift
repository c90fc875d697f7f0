// OpCheckReport.swift — `diffbench --only ops`: every Backend op on the backend against the
// naive reference (Jobs.OpCheck), one line per case; the count of failures makes the exit status.
import DiffusionCore
import Foundation
import Jobs

enum OpCheckReport {
    /// (JSON rows, number failed)
    static func run(_ backend: Backend, log: (String) -> Void) -> ([[String: Any]], Int) {
        let results = OpCheck.run(on: backend)
        var rows: [[String: Any]] = []
        for r in results {
            let status = r.passed ? "ok  " : "FAIL"
            log(String(format: "op %@ %-28@ %-14@ max|Δ| %.3g  worst %.3g of tolerance%@", status, r.op, r.shape,
                       r.maxAbsError, r.worstRatio, r.error.map { "  " + $0 } ?? ""))
            var row: [String: Any] = ["op": r.op, "shape": r.shape, "elements": r.elements, "passed": r.passed]
            if r.worstRatio.isFinite { row["worst_ratio"] = r.worstRatio; row["max_abs_error"] = r.maxAbsError }
            if let e = r.error { row["error"] = e }
            rows.append(row)
        }
        let failed = results.filter { !$0.passed }.count
        log("ops: \(results.count - failed)/\(results.count) match the reference")
        return (rows, failed)
    }
}
