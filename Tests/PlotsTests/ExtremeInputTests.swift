// ExtremeInputTests.swift — values at the ends of Double (±1e308, subnormals, huge counts of
// equal values) must give a chart, not a trap or a hang.
import Foundation
import Plots
import Testing

@Suite struct ExtremeInputTests {
    static let extremes: [Double] = [-1e308, 1e308, 5e-324, -5e-324, 0, 1e-300, .greatestFiniteMagnitude, -.greatestFiniteMagnitude]

    @Test func chartsSurviveExtremeValues() throws {
        let v = Self.extremes
        let figures: [Figure] = [
            try Charts.scatter2D([ScatterSeries(name: "e", x: v, y: v.reversed())]),
            try Charts.histogram1D([HistogramSeries(name: "e", values: v)]),
            try Charts.lossCurve(steps: v.indices.map(Double.init), loss: v, lr: v),
            try Charts.lossCurve(steps: v, loss: v, logLoss: false),
            try Charts.modeBars(labels: v.map { "\($0)" }, sample: v, data: v),
            try Charts.trajectories(snapshots: [v, v.reversed()], dimension: 2, background: v),
            try Charts.trajectories(snapshots: [v, v.reversed()], dimension: 1, background: v),
            try Charts.schedules([ScheduleCurve(name: "e", t: v, alphaBar: v)]),
            try Charts.pairScatter([PointCloud(name: "e", values: v, dimension: 2)]),
        ]
        for fig in figures {
            _ = try ParsedSVG(fig.svg)
            let png = fig.png(scale: 1)
            #expect(try TestPNG.chunks(png).allSatisfy { $0.crcOK })
        }
    }

    @Test func textPlotsSurviveExtremeValues() {
        let v = Self.extremes
        #expect(TextPlot.sparkline(v).count == v.count)
        #expect(!TextPlot.scatter([TextPlot.Series(name: "e", x: v, y: v)], width: 10, height: 3, useColor: false).isEmpty)
        #expect(!TextPlot.line([TextPlot.LineSeries(name: "e", y: v)], width: 10, height: 3, logY: true, useColor: false).isEmpty)
        #expect(!TextPlot.line([TextPlot.LineSeries(name: "e", y: v, x: v)], width: 10, height: 3, useColor: false).isEmpty)
        #expect(TextPlot.bars(labels: v.map { "\($0)" }, values: v, width: 5).split(separator: "\n").count == v.count)
        #expect(TextPlot.histograms([HistogramSeries(name: "e", values: v)], width: 8).split(separator: "\n").count == 2)
    }

    @Test func largeConstantSeries() throws {
        let c = [Double](repeating: 7, count: 20_000)
        let fig = try Charts.scatter2D([ScatterSeries(name: "c", x: c, y: c)])
        #expect(try ParsedSVG(fig.svg).count("c") == 20_000)
        #expect(TextPlot.sparkline(c, width: 10) == String(repeating: "▄", count: 10))
    }
}
