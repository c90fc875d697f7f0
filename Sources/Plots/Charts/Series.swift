// Series.swift — the plain inputs of the charts: named arrays of numbers, nothing about
// diffusion. Every initialiser takes Float or Double arrays.
import Foundation

/// Points (x[i], y[i]) of one scatter series.
public struct ScatterSeries {
    public var name: String
    public var x: [Double]
    public var y: [Double]
    /// nil: the palette colour of the series' position
    public var color: RGBA?

    public init<T: BinaryFloatingPoint>(name: String, x: [T], y: [T], color: RGBA? = nil) {
        self.name = name; self.x = x.doubles; self.y = y.doubles; self.color = color
    }

    /// Two columns of row-major points `flat` (N, dimension): x = column xIndex, y = column yIndex.
    public init<T: BinaryFloatingPoint>(name: String, flat: [T], dimension: Int, xIndex: Int = 0, yIndex: Int = 1,
                                        color: RGBA? = nil) {
        self.name = name; self.color = color
        let d = max(1, dimension)
        let n = flat.count / d
        x = (0..<n).map { xIndex < d ? Double(flat[$0 * d + xIndex]) : 0 }
        y = (0..<n).map { yIndex < d ? Double(flat[$0 * d + yIndex]) : 0 }
    }
}

/// Values of one histogram series.
public struct HistogramSeries {
    public var name: String
    public var values: [Double]
    public var color: RGBA?
    public init<T: BinaryFloatingPoint>(name: String, values: [T], color: RGBA? = nil) {
        self.name = name; self.values = values.doubles; self.color = color
    }
}

/// Row-major points `values` (N, dimension), for pair plots.
public struct PointCloud {
    public var name: String
    public var values: [Double]
    public var dimension: Int
    public var color: RGBA?
    public init<T: BinaryFloatingPoint>(name: String, values: [T], dimension: Int, color: RGBA? = nil) {
        self.name = name; self.values = values.doubles; self.dimension = dimension; self.color = color
    }
    public var count: Int { dimension > 0 ? values.count / dimension : 0 }
}

/// A noise schedule sampled at times t: ᾱ(t) for each t.
public struct ScheduleCurve {
    public var name: String
    public var t: [Double]
    public var alphaBar: [Double]
    public init<T: BinaryFloatingPoint>(name: String, t: [T], alphaBar: [T]) {
        self.name = name; self.t = t.doubles; self.alphaBar = alphaBar.doubles
    }
}

/// How the loss curve is smoothed.
public enum Smoothing: Equatable, Sendable {
    case none
    /// exponential moving average with this decay (0 ≤ decay < 1), bias-corrected at the start
    case ema(Double)
    /// trailing mean over this many points
    case movingAverage(Int)
}

/// Chart size in figure units (SVG pixels; the PNG is `scale` times larger).
public struct ChartSize: Equatable, Sendable {
    public var width: Double
    public var height: Double
    public init(width: Double, height: Double) { self.width = width; self.height = height }
}
