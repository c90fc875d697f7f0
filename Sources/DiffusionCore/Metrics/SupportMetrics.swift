// SupportMetrics.swift — the share of samples on the support of a built-in dataset without
// discrete modes, by the dataset's own definition (BuiltinDatasets.swift):
//   checkerboard  inside one of the 8 squares [2i, 2i+2) × [2j, 2j+2), i + j even
//   moons         within 3 noise stds (3·0.1) of either noiseless half circle
//   swissroll     within 3 noise stds (3·0.25/7.5) of the noiseless spiral (t cos t, t sin t)/7.5,
//                 t ∈ [1.5π, 4.5π]
// Curves are measured against a dense polyline (segment distances, 4096 segments per curve).
import Foundation

extension Metrics {
    /// Share of samples (n, 2) on the named dataset's support; nil for datasets without one here.
    public static func onSupport(samples: [Float], dim: Int, dataset: String) -> Double? {
        guard dim == 2, !samples.isEmpty else { return nil }
        let n = samples.count / 2
        var inside = 0
        switch dataset {
        case "checkerboard":
            for i in 0..<n {
                let x = Double(samples[2 * i]), y = Double(samples[2 * i + 1])
                guard x.isFinite, y.isFinite, x >= -4, x < 4, y >= -4, y < 4 else { continue }
                let ci = Int(floor(x / 2)), cj = Int(floor(y / 2))
                if (ci + cj) & 1 == 0 { inside += 1 }
            }
        case "moons":
            let upper = polyline(segments: 4096) { u in let t = Double.pi * u; return (2 * cos(t) - 1, 2 * sin(t) - 0.5) }
            let lower = upper.map { (-$0.0, -$0.1) }
            inside = countNear(samples, curves: [upper, lower], radius: 3 * 0.1)
        case "swissroll":
            let spiral = polyline(segments: 4096) { u in
                let t = 1.5 * Double.pi * (1 + 2 * u)
                return (t * cos(t) / 7.5, t * sin(t) / 7.5)
            }
            inside = countNear(samples, curves: [spiral], radius: 3 * 0.25 / 7.5)
        default:
            return nil
        }
        return Double(inside) / Double(n)
    }

    static func polyline(segments: Int, _ f: (Double) -> (Double, Double)) -> [(Double, Double)] {
        (0...segments).map { f(Double($0) / Double(segments)) }
    }

    /// Samples whose distance to any curve's polyline is ≤ radius.
    static func countNear(_ samples: [Float], curves: [[(Double, Double)]], radius: Double) -> Int {
        let r2 = radius * radius
        var count = 0
        for i in 0..<(samples.count / 2) {
            let px = Double(samples[2 * i]), py = Double(samples[2 * i + 1])
            guard px.isFinite, py.isFinite else { continue }
            var hit = false
            search: for c in curves {
                for k in 0..<(c.count - 1) {
                    let (ax, ay) = c[k], (bx, by) = c[k + 1]
                    // quick reject: both ends farther than radius + segment length
                    let dx = bx - ax, dy = by - ay
                    let len2 = dx * dx + dy * dy
                    var u = len2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0
                    u = min(max(u, 0), 1)
                    let ex = ax + u * dx - px, ey = ay + u * dy - py
                    if ex * ex + ey * ey <= r2 { hit = true; break search }
                }
            }
            if hit { count += 1 }
        }
        return count
    }
}
