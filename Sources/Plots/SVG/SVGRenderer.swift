// SVGRenderer.swift — turns a Figure's display list into SVG text. Scatter series of up to
// 2000 points become <circle> elements; denser ones become one <path> of zero-length round-capped
// segments (a third of the bytes). Either way their group carries data-series and data-count.
import Foundation

enum SVGRenderer {
    static let circleLimit = 2000

    static func render(_ figure: Figure) -> String {
        var doc = SVGDocument(width: figure.width, height: figure.height)
        let c = NumberFormat.coord
        doc.element("rect", attributes: [("x", "0"), ("y", "0"), ("width", c(figure.width)),
                                         ("height", c(figure.height)), ("fill", "#ffffff")])
        for item in figure.items {
            switch item {
            case let .rect(r, fill, stroke, sw):
                var a: [(String, String)] = [("x", c(r.x)), ("y", c(r.y)), ("width", c(r.w)), ("height", c(r.h))]
                a += paint("fill", fill) 
                if let stroke { a += paint("stroke", stroke) + [("stroke-width", c(sw))] }
                doc.element("rect", attributes: a)
            case let .line(p, q, color, width, dashed):
                var a: [(String, String)] = [("x1", c(p.x)), ("y1", c(p.y)), ("x2", c(q.x)), ("y2", c(q.y))]
                a += paint("stroke", color) + [("stroke-width", c(width))]
                if dashed { a.append(("stroke-dasharray", "6 4")) }
                doc.element("line", attributes: a)
            case let .path(runs, stroke, width, dashed, fill):
                var d = ""
                for run in runs where !run.isEmpty {
                    d += "M\(c(run[0].x)) \(c(run[0].y))"
                    for p in run.dropFirst() { d += "L\(c(p.x)) \(c(p.y))" }
                    if fill != nil { d += "Z" }
                }
                if d.isEmpty { continue }
                var a: [(String, String)] = [("d", d)]
                a += paint("fill", fill)
                if let stroke {
                    a += paint("stroke", stroke) + [("stroke-width", c(width)), ("stroke-linejoin", "round")]
                    if dashed { a.append(("stroke-dasharray", "6 4")) }
                }
                doc.element("path", attributes: a)
            case let .markers(points, radius, color):
                writeMarkers(&doc, points, radius: radius, color: color)
            case let .text(s, at, size, anchor, color, bold, rotated):
                var a: [(String, String)] = [("x", c(at.x)), ("y", c(at.y)), ("font-size", c(size))]
                if anchor != .start { a.append(("text-anchor", anchor.rawValue)) }
                if color != .black { a += paint("fill", color) }
                if bold { a.append(("font-weight", "bold")) }
                if rotated { a.append(("transform", "rotate(-90 \(c(at.x)) \(c(at.y)))")) }
                doc.element("text", attributes: a, text: s)
            case let .beginGroup(attrs, clip):
                var a = attrs
                if let clip {
                    let id = doc.addClipRect(x: clip.x, y: clip.y, width: clip.w, height: clip.h)
                    a.append(("clip-path", "url(#\(id))"))
                }
                doc.beginGroup(a)
            case .endGroup:
                doc.endGroup()
            }
        }
        return doc.render()
    }

    private static func paint(_ key: String, _ color: RGBA?) -> [(String, String)] {
        guard let color else { return [(key, "none")] }
        var a = [(key, color.hexString)]
        if color.a != 255 { a.append(("\(key)-opacity", NumberFormat.fixed(color.opacity, decimals: 2))) }
        return a
    }

    private static func writeMarkers(_ doc: inout SVGDocument, _ points: [Point], radius: Double, color: RGBA) {
        let c = NumberFormat.coord
        if points.count <= circleLimit {
            doc.beginGroup(paint("fill", color))
            let ind = doc.currentIndent
            var s = ""
            let r = NumberFormat.fixed(radius, decimals: 1)
            for p in points { s += "\(ind)<circle cx=\"\(c(p.x))\" cy=\"\(c(p.y))\" r=\"\(r)\"/>\n" }
            doc.appendRaw(s)
            doc.endGroup()
        } else {
            var d = ""
            d.reserveCapacity(points.count * 14)
            for p in points { d += "M\(c(p.x)) \(c(p.y))h0" }
            doc.element("path", attributes: [("d", d), ("fill", "none")] + paint("stroke", color) +
                        [("stroke-width", c(radius * 2)), ("stroke-linecap", "round")])
        }
    }
}
