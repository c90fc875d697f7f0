// RasterRenderer.swift — draws a Figure's display list onto a RasterCanvas at an integer scale,
// using the bitmap font for text. Translucent strokes are pre-mixed over white (charts have a
// white background) so overlapping segments do not darken; markers and fills keep their alpha.
import Foundation

enum RasterRenderer {
    static func render(_ figure: Figure, scale: Int) -> RasterCanvas {
        let k = Double(scale)
        var canvas = RasterCanvas(width: clampInt((figure.width * k).rounded()), height: clampInt((figure.height * k).rounded()))
        var clips: [(x0: Int, y0: Int, x1: Int, y1: Int)] = []
        var phase = 0.0
        let dash = (on: 6 * k, off: 4 * k)
        for item in figure.items {
            switch item {
            case let .rect(r, fill, stroke, sw):
                let x = clampInt((r.x * k).rounded()), y = clampInt((r.y * k).rounded())
                let w = clampInt(((r.x + r.w) * k).rounded()) - x, h = clampInt(((r.y + r.h) * k).rounded()) - y
                if let fill { canvas.fillRect(x: x, y: y, width: w, height: h, fill) }
                if let stroke { canvas.strokeRect(x: x, y: y, width: w, height: h, opaque(stroke), thickness: max(1, clampInt((sw * k).rounded()))) }
            case let .line(p, q, color, width, dashed):
                phase = 0
                canvas.drawLine(x0: p.x * k, y0: p.y * k, x1: q.x * k, y1: q.y * k, opaque(color),
                                thickness: max(1, width * k), dash: dashed ? dash : nil, phase: &phase)
            case let .path(runs, stroke, width, dashed, fill):
                for run in runs where !run.isEmpty {
                    if let fill { canvas.fillPolygon(xs: run.map { $0.x * k }, ys: run.map { $0.y * k }, fill) }
                    guard let stroke else { continue }
                    phase = 0
                    let c = opaque(stroke)
                    if run.count == 1 {
                        canvas.fillCircle(cx: run[0].x * k, cy: run[0].y * k, radius: max(0.5, width * k / 2), c)
                    }
                    var pts = run
                    if fill != nil, let first = run.first { pts.append(first) }
                    for (a, b) in zip(pts, pts.dropFirst()) {
                        canvas.drawLine(x0: a.x * k, y0: a.y * k, x1: b.x * k, y1: b.y * k, c,
                                        thickness: max(1, width * k), dash: dashed ? dash : nil, phase: &phase)
                    }
                }
            case let .markers(points, radius, color):
                for p in points { canvas.fillCircle(cx: p.x * k, cy: p.y * k, radius: radius * k, color) }
            case let .text(s, at, size, anchor, color, bold, rotated):
                let glyphScale = max(1, clampInt((size * k / 10).rounded()))
                let w = RasterCanvas.textWidth(s, scale: glyphScale)
                let shift = anchor == .start ? 0 : anchor == .middle ? w / 2 : w
                let x = clampInt((at.x * k).rounded()), y = clampInt((at.y * k).rounded())
                for dx in 0..<(bold ? 2 : 1) {
                    if rotated { canvas.drawText(s, x: x, y: y + shift - dx, color, scale: glyphScale, rotated: true) }
                    else { canvas.drawText(s, x: x - shift + dx, y: y, color, scale: glyphScale) }
                }
            case let .beginGroup(_, clip):
                clips.append(canvas.clip)
                if let clip {
                    let x0 = max(canvas.clip.x0, clampInt(floor(clip.x * k))), y0 = max(canvas.clip.y0, clampInt(floor(clip.y * k)))
                    let x1 = min(canvas.clip.x1, clampInt(ceil((clip.x + clip.w) * k))), y1 = min(canvas.clip.y1, clampInt(ceil((clip.y + clip.h) * k)))
                    canvas.clip = (x0, y0, max(x0, x1), max(y0, y1))
                }
            case .endGroup:
                if let c = clips.popLast() { canvas.clip = c }
            }
        }
        return canvas
    }

    /// A translucent colour mixed over white into an opaque one.
    static func opaque(_ c: RGBA) -> RGBA {
        if c.a == 255 { return c }
        let a = Double(c.a) / 255
        func m(_ v: UInt8) -> UInt8 { UInt8((Double(v) * a + 255 * (1 - a)).rounded()) }
        return RGBA(m(c.r), m(c.g), m(c.b))
    }
}
