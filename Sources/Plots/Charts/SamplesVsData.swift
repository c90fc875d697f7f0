// SamplesVsData.swift — the one call a job makes to picture its samples against its data: a
// histogram pair for 1-D points, a scatter for 2-D, a pair matrix of the first 4 coordinates above.
import Foundation

extension Charts {
    /// Samples over data for row-major points (N, dimension) and (M, dimension): 1-D → overlaid
    /// histograms, 2-D → scatter (equal aspect), more → pair scatter of the first min(dimension, 4)
    /// coordinates. Data is drawn first in grey-blue, samples over it in orange.
    public static func samplesVsData<T: BinaryFloatingPoint>(samples: [T], data: [T], dimension: Int,
                                                              title: String = "samples vs data",
                                                              axisNames: [String]? = nil,
                                                              maxPointsPerSeries: Int? = nil) throws -> Figure {
        guard dimension >= 1 else {
            throw PlotError.invalid(chart: "samplesVsData", parameter: "dimension", message: "\(dimension) < 1")
        }
        for (name, values) in [("samples", samples), ("data", data)] where values.count % dimension != 0 {
            throw PlotError.invalid(chart: "samplesVsData", parameter: name,
                                    message: "\(values.count) values do not split into rows of \(dimension)")
        }
        let names = (0..<min(dimension, 4)).map { j in axisNames.flatMap { j < $0.count ? $0[j] : nil } ?? "x\(j + 1)" }
        switch dimension {
        case 1:
            return try histogram1D([HistogramSeries(name: "data", values: data), HistogramSeries(name: "samples", values: samples)],
                                   title: title, xLabel: names[0])
        case 2:
            return try scatter2D([ScatterSeries(name: "data", flat: data, dimension: 2),
                                  ScatterSeries(name: "samples", flat: samples, dimension: 2)],
                                 title: title, xLabel: names[0], yLabel: names[1], equalAspect: true,
                                 maxPointsPerSeries: maxPointsPerSeries)
        default:
            return try pairScatter([PointCloud(name: "data", values: data, dimension: dimension),
                                    PointCloud(name: "samples", values: samples, dimension: dimension)],
                                   dimensions: min(dimension, 4), axisNames: names, title: title,
                                   maxPointsPerSeries: maxPointsPerSeries ?? 3000)
        }
    }
}
