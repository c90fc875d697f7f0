// TextPlotTests.swift — braille scatter/line charts, sparklines and bar tables, compared as
// exact strings.
import Foundation
import Plots
import Testing

@Suite struct TextPlotTests {
    @Test func brailleCornersOfATwoByOneCanvas() {
        let corners = TextPlot.Series(name: "c", x: [0.0, 1, 0, 1], y: [0.0, 0, 1, 1])
        let rows = TextPlot.brailleRows([corners], width: 2, height: 1, xRange: 0...1, yRange: 0...1)
        // cell 0: dots 1 (top-left) and 7 (bottom-left); cell 1: dots 4 (top-right) and 8 (bottom-right)
        #expect(rows == ["\u{2841}\u{2888}"])
        #expect(rows == ["⡁⢈"])
    }

    @Test func brailleDotOrder() {
        // one point per dot row down the left column of a 1×1 canvas, then the right column
        let ys = [3.5, 2.5, 1.5, 0.5]
        let left = TextPlot.Series(name: "", x: [0.1, 0.1, 0.1, 0.1], y: ys)
        let right = TextPlot.Series(name: "", x: [0.9, 0.9, 0.9, 0.9], y: ys)
        #expect(TextPlot.brailleRows([left], width: 1, height: 1, xRange: 0...1, yRange: 0...4) == ["⡇"])   // 0x47
        #expect(TextPlot.brailleRows([right], width: 1, height: 1, xRange: 0...1, yRange: 0...4) == ["⢸"])  // 0xB8
        #expect(TextPlot.brailleRows([left, right], width: 1, height: 1, xRange: 0...1, yRange: 0...4) == ["⣿"])
        #expect(TextPlot.brailleRows([], width: 3, height: 2, xRange: 0...1, yRange: 0...1) == ["⠀⠀⠀", "⠀⠀⠀"])
    }

    @Test func scatterWithAxesAndLegendNoColor() {
        let data = TextPlot.Series(name: "data", x: [0.0, 1], y: [0.0, 1])
        let samples = TextPlot.Series(name: "samples", x: [1.0], y: [0.0], mark: .character("•"))
        let s = TextPlot.scatter([data, samples], width: 2, height: 2, useColor: false)
        let expected = """
            1 ┤⠀⠈
            0 ┤⡀•
              └──
               0 1
               ⣿ data   • samples
            """
        #expect(s == expected)
    }

    @Test func scatterColoursCellsByDominantSeries() {
        let a = TextPlot.Series(name: "a", x: [0.0], y: [0.0], color: .blue)
        let b = TextPlot.Series(name: "b", x: [1.0], y: [1.0], color: .red)
        let s = TextPlot.scatter([a, b], width: 2, height: 1, useColor: true)
        let firstRow = s.split(separator: "\n")[0]
        #expect(firstRow.contains("\u{1B}[34m⡀\u{1B}[0m"))
        #expect(firstRow.contains("\u{1B}[31m⠈\u{1B}[0m"))
        #expect(!TextPlot.scatter([a, b], width: 2, height: 1, useColor: false).contains("\u{1B}"))
    }

    @Test func scatterSurvivesDegenerateInput() {
        let empty = TextPlot.scatter([], width: 4, height: 2, useColor: false)
        #expect(empty.split(separator: "\n").count == 4)
        let one = TextPlot.scatter([TextPlot.Series(name: "", x: [3.0], y: [3.0])], width: 3, height: 2, useColor: false)
        #expect(one.contains("⠠") || one.contains("⠄") || one.contains("⠂") || one.contains("⠁") || one.contains("⡀") || one.contains("⢀") || one.contains("⠐") || one.contains("⠈"))
        let nan = TextPlot.scatter([TextPlot.Series(name: "", x: [Double.nan, 1, .infinity], y: [0.0, 1, 2])],
                                   width: 3, height: 2, useColor: false)
        #expect(nan.hasSuffix("(2 non-finite points skipped)"))
    }

    @Test func lineChartJoinsPoints() {
        // y = x on a 2×1 canvas: a diagonal of 4 dots (one per column) from bottom-left to top-right
        let s = TextPlot.line([TextPlot.LineSeries(name: "", y: [0.0, 1, 2, 3])], width: 2, height: 1, useColor: false)
        let rows = s.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(rows[0] == "3 ┤⡠⠊")
        let two = TextPlot.line([TextPlot.LineSeries(name: "", y: [0.0, 3])], width: 2, height: 1, useColor: false)
        #expect(two.split(separator: "\n")[0] == "3 ┤⡠⠊")  // the gap is filled by the joining line
    }

    @Test func lineChartLogAxisSkipsNonPositive() {
        let s = TextPlot.line([TextPlot.LineSeries(name: "", y: [1.0, 10, 100, 0, 1000])], width: 8, height: 2, logY: true, useColor: false)
        #expect(s.contains("1000 ┤"))
        #expect(s.contains("(y: log)"))
        #expect(s.hasSuffix("(1 non-finite or non-positive point skipped)"))
    }

    @Test func sparklineOfKnownSeries() {
        #expect(TextPlot.sparkline([0.0, 1, 2, 3, 4, 5, 6, 7]) == "▁▂▃▄▅▆▇█")
        #expect(TextPlot.sparkline([7.0, 0, 7]) == "█▁█")
        #expect(TextPlot.sparkline([2.0, 2, 2]) == "▄▄▄")
        #expect(TextPlot.sparkline([0.0, .nan, 1]) == "▁ █")
        #expect(TextPlot.sparkline([Double]()) == "")
        // 8 values in 4 buckets: means 0.5, 2.5, 4.5, 6.5 → levels 0, 2.33→2, 4.67→5, 7
        #expect(TextPlot.sparkline([0.0, 1, 2, 3, 4, 5, 6, 7], width: 4) == "▁▃▆█")
        #expect(TextPlot.sparkline([Float](repeating: .nan, count: 3)) == "   ")
    }

    @Test func barTable() {
        let s = TextPlot.bars(labels: ["a", "bb"], values: [1.0, 0.5], width: 4)
        #expect(s == "a  │████ 1\nbb │██   0.5")
        let eighth = TextPlot.bars(labels: ["x", "y"], values: [8.0, 1], width: 1)
        #expect(eighth == "x │█ 8\ny │▏ 1")
        let ref = TextPlot.bars(labels: ["m0"], values: [0.25], reference: [0.5], width: 4, referenceName: "data")
        #expect(ref == "m0 │██   0.25\n   │░░░░ 0.5 (data)")
        let bad = TextPlot.bars(labels: ["n"], values: [Double.nan], width: 2)
        #expect(bad == "n │   nan")
    }
}

@Suite struct TextLineSmoothingTests {
    @Test func smoothingFlattensNoise() {
        let noisy = (0..<200).map { $0 % 2 == 0 ? 1.0 : 3.0 }
        let raw = TextPlot.line([TextPlot.LineSeries(name: "", y: noisy)], width: 20, height: 2, useColor: false)
        let smooth = TextPlot.line([TextPlot.LineSeries(name: "", y: noisy)], width: 20, height: 2,
                                   smoothing: .movingAverage(2), useColor: false)
        #expect(raw.hasPrefix("3 ┤"))
        // after the first point every 2-point mean is 2, so the y range shrinks to 1...2
        #expect(smooth.hasPrefix("2 ┤"))
        #expect(smooth.contains("1 ┤"))
    }
}
