// SVGDocument.swift — a tiny SVG document builder: elements with attributes, nested groups,
// and XML escaping of every attribute value and text node.
import Foundation

public struct SVGDocument {
    public let width: Double
    public let height: Double
    private var body: String = ""
    private var depth = 1
    private var openGroups = 0
    private var defs: String = ""
    private var clipIDs: [String: String] = [:]

    public init(width: Double, height: Double) {
        self.width = width; self.height = height
    }

    /// Escapes text for an XML text node or a double-quoted attribute value.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default:
                // XML 1.0 forbids most control characters even escaped; drop them
                if ch.value < 0x20 && ch != "\n" && ch != "\t" && ch != "\r" { continue }
                if ch.value == 0xFFFE || ch.value == 0xFFFF { continue }
                out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    private static func attributes(_ attrs: KeyValuePairs<String, String>) -> String {
        var s = ""
        for (k, v) in attrs { s += " \(k)=\"\(escape(v))\"" }
        return s
    }

    private static func attributes(_ attrs: [(String, String)]) -> String {
        var s = ""
        for (k, v) in attrs { s += " \(k)=\"\(escape(v))\"" }
        return s
    }

    private var indent: String { String(repeating: "  ", count: depth) }

    /// An empty element, e.g. `element("circle", ["cx": "1", "cy": "2", "r": "3"])`.
    public mutating func element(_ name: String, _ attrs: KeyValuePairs<String, String>) {
        body += "\(indent)<\(name)\(Self.attributes(attrs))/>\n"
    }

    public mutating func element(_ name: String, attributes attrs: [(String, String)]) {
        body += "\(indent)<\(name)\(Self.attributes(attrs))/>\n"
    }

    /// An element holding escaped text, e.g. `<text x=".." y="..">a &lt; b</text>`.
    public mutating func element(_ name: String, attributes attrs: [(String, String)], text: String) {
        body += "\(indent)<\(name)\(Self.attributes(attrs))>\(Self.escape(text))</\(name)>\n"
    }

    /// A raw, already well-formed line (for bulk output such as many circles).
    mutating func appendRaw(_ s: String) { body += s }

    var currentIndent: String { indent }

    public mutating func beginGroup(_ attrs: [(String, String)] = []) {
        body += "\(indent)<g\(Self.attributes(attrs))>\n"
        depth += 1; openGroups += 1
    }

    public mutating func endGroup() {
        precondition(openGroups > 0, "SVGDocument.endGroup without a matching beginGroup")
        depth -= 1; openGroups -= 1
        body += "\(indent)</g>\n"
    }

    /// Adds a rectangular clip path and returns its id for a `clip-path="url(#id)"` attribute.
    /// The same rectangle twice gets the same id.
    public mutating func addClipRect(x: Double, y: Double, width: Double, height: Double) -> String {
        let rect = "<rect x=\"\(NumberFormat.coord(x))\" y=\"\(NumberFormat.coord(y))\" width=\"\(NumberFormat.coord(width))\" height=\"\(NumberFormat.coord(height))\"/>"
        if let id = clipIDs[rect] { return id }
        let id = "clip\(clipIDs.count + 1)"
        clipIDs[rect] = id
        defs += "    <clipPath id=\"\(id)\">\(rect)</clipPath>\n"
        return id
    }

    /// The whole document. Groups still open are closed.
    public func render() -> String {
        var closing = ""
        var d = depth
        for _ in 0..<openGroups { d -= 1; closing += String(repeating: "  ", count: d) + "</g>\n" }
        let w = NumberFormat.coord(width), h = NumberFormat.coord(height)
        var s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        s += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(w)\" height=\"\(h)\" viewBox=\"0 0 \(w) \(h)\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n"
        if !defs.isEmpty { s += "  <defs>\n\(defs)  </defs>\n" }
        s += body + closing + "</svg>\n"
        return s
    }
}
