// SVGParsing.swift — parses the SVG the charts produce with Foundation's XMLParser and gives
// the tests its elements in document order.
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

struct SVGElement {
    var name: String
    var attributes: [String: String]
    var text: String
}

final class SVGCollector: NSObject, XMLParserDelegate {
    var elements: [SVGElement] = []
    private var stack: [Int] = []
    var error: Error?

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        elements.append(SVGElement(name: name, attributes: attributes, text: ""))
        stack.append(elements.count - 1)
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if let i = stack.last { elements[i].text += string }
    }
    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        stack.removeLast()
    }
    func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) { error = parseError }
}

struct ParsedSVG {
    var elements: [SVGElement]

    init(_ svg: String) throws {
        let parser = XMLParser(data: Data(svg.utf8))
        let collector = SVGCollector()
        parser.delegate = collector
        guard parser.parse(), collector.error == nil else {
            throw TestPNGError.bad("SVG does not parse: \(String(describing: parser.parserError ?? collector.error))")
        }
        elements = collector.elements
    }

    func all(_ name: String) -> [SVGElement] { elements.filter { $0.name == name } }

    /// Groups whose data-series is `series` (a chart may draw a series in several panels).
    func series(_ series: String) -> [SVGElement] { elements.filter { $0.attributes["data-series"] == series } }

    func count(_ series: String) -> Int? { self.series(series).first.flatMap { $0.attributes["data-count"] }.flatMap { Int($0) } }

    /// The circles inside the first group of `series` (elements following it up to the next group).
    func circles(in series: String) -> Int {
        guard let start = elements.firstIndex(where: { $0.attributes["data-series"] == series }) else { return 0 }
        var n = 0
        for e in elements[(start + 1)...] {
            if e.name == "g" && e.attributes["fill"] == nil { break }
            if e.name == "circle" { n += 1 }
        }
        return n
    }

    var texts: [String] { all("text").map(\.text) }
}
