// AxisAndConvenienceTests.swift — tick choice (1-2-5 steps, decades on log axes) as it shows in
// the SVG, and the one-call "samples vs data" pictures for 1-D, 2-D and higher dimensions.
import Foundation
import Plots
import Testing

@Suite struct AxisAndConvenienceTests {
    @Test func linearTicksUseOneTwoFiveSteps() throws {
        let x = (0...100).map { Double($0) / 10 }      // 0 ... 10
        let y = (0...100).map { Double($0) / 100 }     // 0 ... 1
        let texts = try ParsedSVG(try Charts.scatter2D([ScatterSeries(name: "", x: x, y: y)]).svg).texts
        for label in ["0", "2", "4", "6", "8", "10", "0.2", "0.4", "0.6", "0.8", "1.0"] {
            #expect(texts.contains(label), "missing tick label \(label)")
        }
        #expect(!texts.contains("12") && !texts.contains("1.2"))
        let big = try ParsedSVG(try Charts.scatter2D([ScatterSeries(name: "", x: [0, 3e6], y: [0, 1e-6])]).svg).texts
        #expect(big.contains("1e6") && big.contains("2e6") && big.contains("3e6"))
        #expect(big.contains("2e-7") || big.contains("5e-7"))
    }

    @Test func logTicksAreDecades() throws {
        let steps = (0..<50).map(Double.init)
        let loss = steps.map { pow(10, -4 * $0 / 49) }  // 1 ... 1e-4
        let texts = try ParsedSVG(try Charts.lossCurve(steps: steps, loss: loss, smoothing: .none).svg).texts
        for label in ["1", "0.1", "0.01", "0.001", "1e-4"] { #expect(texts.contains(label), "missing \(label)") }
        let narrow = try ParsedSVG(try Charts.lossCurve(steps: [0.0, 1], loss: [0.3, 0.9], smoothing: .none).svg).texts
        #expect(narrow.contains("0.3") && narrow.contains("0.5"))
    }

    @Test func samplesVsDataPicksTheChart() throws {
        let one = try ParsedSVG(try Charts.samplesVsData(samples: [Float](repeating: 1, count: 10), data: [Float](repeating: 2, count: 20),
                                                       dimension: 1).svg)
        #expect(one.count("data") == 20 && one.count("samples") == 10)
        #expect(one.series("data").first?.attributes["data-bins"] != nil)

        let flat2 = (0..<200).map { Double($0 % 17) }
        let two = try ParsedSVG(try Charts.samplesVsData(samples: flat2, data: flat2 + flat2, dimension: 2).svg)
        #expect(two.count("data") == 200 && two.count("samples") == 100)

        let flat5 = (0..<500).map { sin(Double($0)) }
        let five = try ParsedSVG(try Charts.samplesVsData(samples: flat5, data: flat5, dimension: 5, axisNames: ["a", "b"]).svg)
        #expect(five.series("samples").filter { $0.attributes["class"] == "series" }.count == 12)  // 4 × 4 − 4
        #expect(five.texts.contains("a") && five.texts.contains("b") && five.texts.contains("x3") && five.texts.contains("x4"))

        #expect(throws: PlotError.invalid(chart: "samplesVsData", parameter: "data", message: "7 values do not split into rows of 2")) {
            try Charts.samplesVsData(samples: [1.0, 2], data: [Double](repeating: 0, count: 7), dimension: 2)
        }
    }

    @Test func textHistogramsShareBinsAndScale() {
        let s = TextPlot.histograms([HistogramSeries(name: "data", values: [0.0, 1, 1, 1]),
                                     HistogramSeries(name: "samples", values: [0.0, 0])], width: 2)
        #expect(s == "data    │▂▆\nsamples │█ \n         0 1")
        let one = TextPlot.samplesOverData(samples: [0.0, 0], data: [0.0, 1, 1, 1], dimension: 1, width: 2, useColor: false)
        #expect(one == s)
        let two = TextPlot.samplesOverData(samples: [1.0, 0], data: [0.0, 1], dimension: 2, width: 2, height: 1, useColor: false)
        #expect(two.split(separator: "\n")[0] == "1 ┤⠁•")  // data (0, 1) top-left dot; the sample (1, 0) marks cell 2
    }
}
