// RasterCanvas.swift — an RGBA pixel canvas with alpha blending: points, lines (thick, dashed),
// rectangles, discs, filled polygons and bitmap-font text, with a clip rectangle. Encodes to PNG.
import Foundation

public struct RasterCanvas {
    public let width: Int
    public let height: Int
    /// pixels (height, width, 4) row-major RGBA, top row first
    public private(set) var pixels: [UInt8]
    /// drawing outside this pixel rectangle (x0..<x1, y0..<y1) is discarded
    public var clip: (x0: Int, y0: Int, x1: Int, y1: Int)

    public init(width: Int, height: Int, background: RGBA = .white) {
        self.width = max(0, width); self.height = max(0, height)
        pixels = [UInt8](repeating: 0, count: self.width * self.height * 4)
        clip = (0, 0, self.width, self.height)
        for i in 0..<(self.width * self.height) {
            pixels[4 * i] = background.r; pixels[4 * i + 1] = background.g
            pixels[4 * i + 2] = background.b; pixels[4 * i + 3] = background.a
        }
    }

    public func pixel(x: Int, y: Int) -> RGBA {
        precondition(x >= 0 && x < width && y >= 0 && y < height, "pixel (\(x), \(y)) outside \(width)x\(height)")
        let i = 4 * (y * width + x)
        return RGBA(pixels[i], pixels[i + 1], pixels[i + 2], pixels[i + 3])
    }

    public mutating func resetClip() { clip = (0, 0, width, height) }

    /// Blends `color` over pixel (x, y) ("source over"); ignored outside the clip.
    public mutating func blend(x: Int, y: Int, _ color: RGBA) {
        guard x >= clip.x0, x < clip.x1, y >= clip.y0, y < clip.y1 else { return }
        let i = 4 * (y * width + x)
        if color.a == 255 {
            pixels[i] = color.r; pixels[i + 1] = color.g; pixels[i + 2] = color.b; pixels[i + 3] = 255
            return
        }
        if color.a == 0 { return }
        let sa = Double(color.a) / 255, da = Double(pixels[i + 3]) / 255
        let oa = sa + da * (1 - sa)
        func mix(_ s: UInt8, _ d: UInt8) -> UInt8 {
            UInt8(((Double(s) * sa + Double(d) * da * (1 - sa)) / oa).rounded())
        }
        pixels[i] = mix(color.r, pixels[i]); pixels[i + 1] = mix(color.g, pixels[i + 1])
        pixels[i + 2] = mix(color.b, pixels[i + 2]); pixels[i + 3] = UInt8((oa * 255).rounded())
    }

    /// Fills pixels x..<x+w, y..<y+h.
    public mutating func fillRect(x: Int, y: Int, width w: Int, height h: Int, _ color: RGBA) {
        let xa = max(x, clip.x0), xb = min(x + w, clip.x1), ya = max(y, clip.y0), yb = min(y + h, clip.y1)
        guard xa < xb, ya < yb else { return }
        for yy in ya..<yb { for xx in xa..<xb { blend(x: xx, y: yy, color) } }
    }

    /// Outlines the rectangle with 1-pixel-wide lines `thickness` pixels thick, inside the box.
    public mutating func strokeRect(x: Int, y: Int, width w: Int, height h: Int, _ color: RGBA, thickness t: Int = 1) {
        guard w > 0, h > 0 else { return }
        let t = max(1, min(t, min(w, h)))
        fillRect(x: x, y: y, width: w, height: t, color)
        fillRect(x: x, y: y + h - t, width: w, height: t, color)
        fillRect(x: x, y: y + t, width: t, height: h - 2 * t, color)
        fillRect(x: x + w - t, y: y + t, width: t, height: h - 2 * t, color)
    }

    /// A filled disc: the pixels whose centres lie within `radius` of (cx, cy); at least one pixel.
    public mutating func fillCircle(cx: Double, cy: Double, radius: Double, _ color: RGBA) {
        guard cx.isFinite, cy.isFinite else { return }
        let r = max(radius, 0.5)
        let x0 = clampInt(floor(cx - r)), x1 = clampInt(ceil(cx + r)), y0 = clampInt(floor(cy - r)), y1 = clampInt(ceil(cy + r))
        var any = false
        for y in y0...y1 {
            let dy = Double(y) + 0.5 - cy
            for x in x0...x1 {
                let dx = Double(x) + 0.5 - cx
                if dx * dx + dy * dy <= r * r { blend(x: x, y: y, color); any = true }
            }
        }
        if !any { blend(x: clampInt(floor(cx)), y: clampInt(floor(cy)), color) }
    }

    /// A straight line from (x0, y0) to (x1, y1) in pixel coordinates, `thickness` pixels wide
    /// (square pen), optionally dashed (on `dash.on`, off `dash.off` pixels). Each pixel is
    /// painted at most once per call, so translucent lines stay even.
    public mutating func drawLine(x0: Double, y0: Double, x1: Double, y1: Double, _ color: RGBA,
                                  thickness: Double = 1, dash: (on: Double, off: Double)? = nil) {
        var phase = 0.0
        drawLine(x0: x0, y0: y0, x1: x1, y1: y1, color, thickness: thickness, dash: dash, phase: &phase)
    }

    mutating func drawLine(x0: Double, y0: Double, x1: Double, y1: Double, _ color: RGBA,
                           thickness: Double, dash: (on: Double, off: Double)?, phase: inout Double) {
        guard x0.isFinite, y0.isFinite, x1.isFinite, y1.isFinite else { return }
        let dx = x1 - x0, dy = y1 - y0
        let length = (dx * dx + dy * dy).squareRoot()
        // keep absurd coordinates (far outside the canvas) from looping forever
        guard length < 1e6 else { return }
        let steps = max(1, clampInt(ceil(max(abs(dx), abs(dy)))))
        let pen = max(1, min(64, clampInt(thickness.rounded())))
        let lo = -(pen - 1) / 2
        var painted = Set<Int>()
        let singlePass = color.a == 255
        for s in 0...steps {
            let f = Double(s) / Double(steps)
            if let dash {
                let pos = (phase + f * length).truncatingRemainder(dividingBy: dash.on + dash.off)
                if pos >= dash.on { continue }
            }
            let px = clampInt(floor(x0 + dx * f)), py = clampInt(floor(y0 + dy * f))
            for oy in lo..<(lo + pen) {
                for ox in lo..<(lo + pen) {
                    let x = px + ox, y = py + oy
                    if singlePass { blend(x: x, y: y, color); continue }
                    if x < -1 || y < -1 || x > width || y > height { continue }
                    if painted.insert((y + 1) * (width + 2) + (x + 1)).inserted { blend(x: x, y: y, color) }
                }
            }
        }
        phase += length
    }

    /// Fills the polygon (even-odd rule, pixel centres) given by `xs`/`ys` in pixel coordinates.
    public mutating func fillPolygon(xs: [Double], ys: [Double], _ color: RGBA) {
        let n = min(xs.count, ys.count)
        guard n >= 3 else { return }
        guard let ymin = ys.prefix(n).min(), let ymax = ys.prefix(n).max(), ymin.isFinite, ymax.isFinite else { return }
        let ya = max(clip.y0, clampInt(floor(ymin))), yb = min(clip.y1 - 1, clampInt(ceil(ymax)))
        guard ya <= yb else { return }
        for y in ya...yb {
            let sy = Double(y) + 0.5
            var crossings: [Double] = []
            for i in 0..<n {
                let j = (i + 1) % n
                let (ay, by) = (ys[i], ys[j])
                if (ay <= sy && by > sy) || (by <= sy && ay > sy) {
                    crossings.append(xs[i] + (sy - ay) / (by - ay) * (xs[j] - xs[i]))
                }
            }
            crossings.sort()
            var k = 0
            while k + 1 < crossings.count {
                let xa = max(clip.x0, clampInt(ceil(crossings[k] - 0.5))), xb = min(clip.x1 - 1, clampInt(floor(crossings[k + 1] - 0.5)))
                if xa <= xb { for x in xa...xb { blend(x: x, y: y, color) } }
                k += 2
            }
        }
    }

    /// Draws `text` with the built-in 5×7 bitmap font, each font pixel `scale`×`scale` pixels.
    /// (x, y) is the left end of the baseline; rotated text runs upwards from (x, y).
    public mutating func drawText(_ text: String, x: Int, y: Int, _ color: RGBA, scale: Int = 1, rotated: Bool = false) {
        let s = max(1, scale)
        var pen = 0
        for ch in text {
            let rows = BitmapFont.glyph(ch)
            for (gy, row) in rows.enumerated() {
                for gx in 0..<BitmapFont.glyphWidth where row & (1 << (BitmapFont.glyphWidth - 1 - gx)) != 0 {
                    // glyph pixel (gx, gy), baseline at gy = ascent
                    let u = pen + gx * s, v = (gy - BitmapFont.ascent) * s
                    for a in 0..<s {
                        for b in 0..<s {
                            if rotated { blend(x: x + v + b, y: y - u - a - 1, color) }
                            else { blend(x: x + u + a, y: y + v + b, color) }
                        }
                    }
                }
            }
            pen += BitmapFont.advance * s
        }
    }

    /// Width in pixels of `text` drawn at `scale`.
    public static func textWidth(_ text: String, scale: Int = 1) -> Int {
        let n = text.count
        return n == 0 ? 0 : (n * BitmapFont.advance - 1) * max(1, scale)
    }

    /// The canvas as a PNG (RGBA when any pixel is translucent, RGB otherwise).
    public func pngData() -> Data {
        var opaque = true
        var i = 3
        while i < pixels.count { if pixels[i] != 255 { opaque = false; break }; i += 4 }
        if !opaque { return PNGEncoder.encodeUnchecked(width: width, height: height, pixels: pixels, format: .rgba) }
        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        for p in 0..<(width * height) {
            rgb[3 * p] = pixels[4 * p]; rgb[3 * p + 1] = pixels[4 * p + 1]; rgb[3 * p + 2] = pixels[4 * p + 2]
        }
        return PNGEncoder.encodeUnchecked(width: width, height: height, pixels: rgb, format: .rgb)
    }
}
