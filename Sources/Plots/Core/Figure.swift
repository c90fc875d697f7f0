// Figure.swift — a finished chart as a resolution-independent display list (figure units are
// SVG pixels, y down). One layout, two encoders: `svg` and `png(scale:)`.
import Foundation

struct Point: Equatable {
    var x: Double
    var y: Double
    init(_ x: Double, _ y: Double) { self.x = x; self.y = y }
}

struct Rect: Equatable {
    var x: Double
    var y: Double
    var w: Double
    var h: Double
}

enum TextAnchor: String {
    case start, middle, end
}

/// One drawing instruction of a figure.
enum FigureItem {
    case rect(Rect, fill: RGBA?, stroke: RGBA?, strokeWidth: Double)
    case line(Point, Point, color: RGBA, width: Double, dashed: Bool)
    /// polylines (each sub-array one connected run); `fill` closes and fills each run
    case path([[Point]], stroke: RGBA?, width: Double, dashed: Bool, fill: RGBA?)
    /// scatter markers: filled discs of `radius`
    case markers([Point], radius: Double, color: RGBA)
    /// `y` is the text baseline; rotated text reads bottom to top (for y-axis labels)
    case text(String, at: Point, size: Double, anchor: TextAnchor, color: RGBA, bold: Bool, rotated: Bool)
    /// a group with attributes for readers of the SVG (data-series, data-count, ...), optionally clipped
    case beginGroup([(String, String)], clip: Rect?)
    case endGroup
}

/// A chart ready to be written. Every chart function in `Charts` returns one.
public struct Figure {
    /// Size in figure units (SVG pixels).
    public let width: Double
    public let height: Double
    /// Input values that were NaN or ±Inf (or not positive on a log axis) and were not drawn.
    public internal(set) var skippedNonFinite: Int = 0
    /// Title, for logs and file names.
    public internal(set) var title: String = ""
    var items: [FigureItem] = []

    init(width: Double, height: Double) {
        self.width = width; self.height = height
    }

    /// The figure as a standalone SVG document (UTF-8 XML text).
    public var svg: String { SVGRenderer.render(self) }

    /// The figure rasterised at `scale` pixels per figure unit, as an RGBA canvas.
    public func raster(scale: Int = 2) -> RasterCanvas { RasterRenderer.render(self, scale: max(1, scale)) }

    /// The figure as a PNG file (RGB, fixed-Huffman deflate) at `scale` pixels per figure unit.
    public func png(scale: Int = 2) -> Data { raster(scale: scale).pngData() }

    /// Writes `svg` to `url` (atomically).
    public func writeSVG(to url: URL) throws {
        try Data(svg.utf8).write(to: url, options: .atomic)
    }

    /// Writes `png(scale:)` to `url` (atomically).
    public func writePNG(to url: URL, scale: Int = 2) throws {
        try png(scale: scale).write(to: url, options: .atomic)
    }
}
