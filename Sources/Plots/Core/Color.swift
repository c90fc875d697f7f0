// Color.swift — an 8-bit RGBA colour and the palette every chart draws its series from.
import Foundation

public struct RGBA: Equatable, Hashable, Sendable {
    public var r: UInt8
    public var g: UInt8
    public var b: UInt8
    public var a: UInt8

    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8, _ a: UInt8 = 255) {
        self.r = r; self.g = g; self.b = b; self.a = a
    }

    /// 0xRRGGBB, opaque.
    public init(hex: UInt32) {
        self.init(UInt8((hex >> 16) & 0xff), UInt8((hex >> 8) & 0xff), UInt8(hex & 0xff))
    }

    /// The same colour with opacity `alpha` in 0...1.
    public func withAlpha(_ alpha: Double) -> RGBA {
        RGBA(r, g, b, UInt8((max(0, min(1, alpha)) * 255).rounded()))
    }

    /// "#rrggbb" (SVG fill/stroke; opacity goes in a separate attribute).
    public var hexString: String {
        let digits = Array("0123456789abcdef")
        var s = "#"
        for v in [r, g, b] { s.append(digits[Int(v >> 4)]); s.append(digits[Int(v & 15)]) }
        return s
    }

    public var opacity: Double { Double(a) / 255 }

    public static let white = RGBA(255, 255, 255)
    public static let black = RGBA(0, 0, 0)
    public static let clear = RGBA(0, 0, 0, 0)
    public static let text = RGBA(hex: 0x222222)
    public static let axis = RGBA(hex: 0x444444)
    public static let grid = RGBA(hex: 0xe4e4e4)
    public static let dataGray = RGBA(hex: 0x8a8a8a)
}

/// Series colours (matplotlib's tab10): series i gets `palette[i % 10]`.
public enum Palette {
    public static let colors: [RGBA] = [
        RGBA(hex: 0x1f77b4), RGBA(hex: 0xff7f0e), RGBA(hex: 0x2ca02c), RGBA(hex: 0xd62728),
        RGBA(hex: 0x9467bd), RGBA(hex: 0x8c564b), RGBA(hex: 0xe377c2), RGBA(hex: 0x7f7f7f),
        RGBA(hex: 0xbcbd22), RGBA(hex: 0x17becf),
    ]
    public static func color(_ i: Int) -> RGBA { colors[((i % colors.count) + colors.count) % colors.count] }
}
