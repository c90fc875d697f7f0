// ChartTests.swift — every chart kind renders SVG that parses as XML, carries its series with
// the right counts, and rasterises to a valid PNG; degenerate input does not crash.
import Foundation
import Plots
import Testing

@Suite struct ChartTests {
    static func ring(_ n: Int, radius: Double = 2) -> (x: [Double], y: [Double]) {
        let x = (0..<n).map { radius * cos(Double($0) * 2 * .pi / Double(n)) }
        let y = (0..<n).map { radius * sin(Double($0) * 2 * .pi / Double(n)) }
        return (x, y)
    }

    /// The PNG of `figure` decodes to the figure's raster at that scale.
    static func checkPNG(_ figure: Figure, scale: Int = 1) throws {
        let png = figure.png(scale: scale)
        let chunks = try TestPNG.chunks(png)
        #expect(chunks.allSatisfy { $0.crcOK })
        let decoded = try TestPNG.decode(png)
        #expect(decoded.width == Int(figure.width) * scale && decoded.height == Int(figure.height) * scale)
        let raster = figure.raster(scale: scale)
        var rgb: [UInt8] = []
        rgb.reserveCapacity(raster.width * raster.height * 3)
        for i in 0..<(raster.width * raster.height) { rgb += raster.pixels[(4 * i)..<(4 * i + 3)] }
        #expect(decoded.channels == 3 && decoded.pixels == rgb)
        #expect(Set(rgb).count > 2, "the raster is not blank")
    }

    @Test func scatterHasBothSeriesWithCounts() throws {
        let data = Self.ring(500), samples = Self.ring(300, radius: 1.5)
        let fig = try Charts.scatter2D([ScatterSeries(name: "data", x: data.x, y: data.y),
                                        ScatterSeries(name: "samples", x: samples.x, y: samples.y)],
                                       title: "ring <8> & co", equalAspect: true)
        let svg = try ParsedSVG(fig.svg)
        #expect(svg.count("data") == 500)
        #expect(svg.count("samples") == 300)
        #expect(svg.circles(in: "data") == 500)
        #expect(svg.circles(in: "samples") == 300)
        #expect(svg.texts.contains("ring <8> & co"))   // escaped in the file, intact after parsing
        #expect(fig.svg.contains("ring &lt;8&gt; &amp; co"))
        #expect(svg.texts.contains("data") && svg.texts.contains("samples"))  // legend
        #expect(fig.skippedNonFinite == 0)
        try Self.checkPNG(fig)
    }

    @Test func denseScatterBecomesOnePath() throws {
        let d = Self.ring(5000)
        let fig = try Charts.scatter2D([ScatterSeries(name: "dense", x: d.x, y: d.y)])
        let svg = try ParsedSVG(fig.svg)
        #expect(svg.count("dense") == 5000)
        #expect(svg.circles(in: "dense") == 0)
        let path = try #require(svg.elements.drop(while: { $0.attributes["data-series"] != "dense" }).first { $0.name == "path" })
        #expect(path.attributes["d"]?.components(separatedBy: "h0").count == 5001)
        let png = try Charts.scatter2DPNG([ScatterSeries(name: "dense", x: d.x, y: d.y)], scale: 1)
        #expect(try TestPNG.decode(png).width == 640)
    }

    @Test func scatterThinsDeterministically() throws {
        let d = Self.ring(1000)
        let fig = try Charts.scatter2D([ScatterSeries(name: "s", x: d.x, y: d.y)], maxPointsPerSeries: 100)
        let svg = try ParsedSVG(fig.svg)
        #expect(svg.count("s") == 100)
        #expect(svg.series("s").first?.attributes["data-total"] == "1000")
        #expect(fig.svg == (try Charts.scatter2D([ScatterSeries(name: "s", x: d.x, y: d.y)], maxPointsPerSeries: 100)).svg)
    }

    @Test func flatInputSplitsColumns() throws {
        let flat: [Float] = [1, 2, 3, 4, 5, 6]  // (2, 3)
        let s = ScatterSeries(name: "f", flat: flat, dimension: 3, xIndex: 0, yIndex: 2)
        #expect(s.x == [1, 4] && s.y == [3, 6])
    }

    @Test func degenerateScattersDoNotCrash() throws {
        let cases: [[ScatterSeries]] = [
            [],
            [ScatterSeries(name: "empty", x: [Double](), y: [])],
            [ScatterSeries(name: "one", x: [1.0], y: [2.0])],
            [ScatterSeries(name: "const", x: [3.0, 3, 3], y: [3.0, 3, 3])],
            [ScatterSeries(name: "nan", x: [Double.nan, 1, .infinity, 2], y: [0.0, 1, 1, -.infinity])],
        ]
        for series in cases {
            let fig = try Charts.scatter2D(series, title: "t")
            let svg = try ParsedSVG(fig.svg)
            #expect(svg.all("svg").count == 1)
            try Self.checkPNG(fig)
        }
        let nan = try Charts.scatter2D(cases[4])
        #expect(nan.skippedNonFinite == 3)
        #expect(try ParsedSVG(nan.svg).count("nan") == 1)
        #expect(try ParsedSVG(nan.svg).texts.contains { $0.hasPrefix("3 values skipped") })
        #expect(try ParsedSVG(try Charts.scatter2D([]).svg).texts.contains("no data"))
    }

    @Test func mismatchedLengthsAreErrors() {
        #expect(throws: PlotError.lengthMismatch(chart: "scatter2D", what: "series 'bad' y", expected: 2, got: 1)) {
            try Charts.scatter2D([ScatterSeries(name: "bad", x: [1.0, 2], y: [1.0])])
        }
        #expect(throws: PlotError.self) { try Charts.lossCurve(steps: [1.0, 2], loss: [1.0]) }
        #expect(throws: PlotError.self) { try Charts.modeBars(labels: ["a"], sample: [1.0, 2], data: [1.0]) }
        #expect(throws: PlotError.self) { try Charts.histogram1D([], bins: 0) }
        #expect(throws: PlotError.self) { try Charts.pairScatter([], dimensions: 5) }
        #expect(throws: PlotError.self) { try Charts.trajectories(snapshots: [[1.0, 2], [1.0]], dimension: 1) }
        #expect(throws: PlotError.self) { try Charts.lossCurve(steps: [1.0], loss: [1.0], smoothing: .ema(1)) }
        let e = PlotError.lengthMismatch(chart: "lossCurve", what: "lr", expected: 3, got: 2)
        #expect(e.description == "lossCurve: lr has 2 values, expected 3")
    }

    @Test func histogramSharesBins() throws {
        let a = (0..<1000).map { Double($0) / 1000 }
        let b = (0..<400).map { 0.5 + Double($0) / 1000 } + [.nan]
        let fig = try Charts.histogram1D([HistogramSeries(name: "data", values: a), HistogramSeries(name: "samples", values: b)],
                                         bins: 20, title: "x1")
        let svg = try ParsedSVG(fig.svg)
        #expect(svg.count("data") == 1000)
        #expect(svg.count("samples") == 400)
        #expect(svg.series("samples").first?.attributes["data-bins"] == "20")
        #expect(fig.skippedNonFinite == 1)
        // a step outline: start, 2 points per bin, end
        let path = try #require(svg.elements.drop(while: { $0.attributes["data-series"] != "data" }).first { $0.name == "path" })
        #expect(path.attributes["d"]?.filter { $0 == "L" }.count == 2 * 20 + 1)
        let h = Histogram(values: a, edges: Histogram.sharedEdges([a, b], bins: 20))
        #expect(h.counts.reduce(0, +) == 1000 && h.counts.count == 20 && h.counts.allSatisfy { $0 == 50 })
        try Self.checkPNG(fig)
        for values in [[Double](), [5.0], [2.0, 2, 2], [Double.nan]] {
            _ = try ParsedSVG(try Charts.histogram1D([HistogramSeries(name: "d", values: values)]).svg)
        }
    }

    @Test func pairScatterHasAPanelPerPair() throws {
        let n = 200, d = 5
        let values = (0..<(n * d)).map { sin(Double($0) * 0.37) * Double($0 % d + 1) }
        let fig = try Charts.pairScatter([PointCloud(name: "data", values: values, dimension: d),
                                          PointCloud(name: "samples", values: values.map { $0 * 0.9 }, dimension: d)],
                                         dimensions: 3, axisNames: ["a", "b", "c"], title: "pairs")
        let svg = try ParsedSVG(fig.svg)
        // 3 × 3 panels: 6 off-diagonal scatters and 3 diagonal histograms per cloud
        #expect(svg.series("data").filter { $0.attributes["class"] == "series" }.count == 6)
        #expect(svg.series("data").filter { $0.attributes["class"] == "histogram" }.count == 3)
        #expect(svg.series("samples").allSatisfy { $0.attributes["data-count"] == "200" })
        #expect(svg.all("circle").count == 2 * 6 * 200 + 2)  // + 2 legend markers
        #expect(["a", "b", "c"].allSatisfy { svg.texts.contains($0) })
        try Self.checkPNG(fig)
        #expect(throws: PlotError.self) { try Charts.pairScatter([PointCloud(name: "odd", values: [1.0, 2, 3], dimension: 2)]) }
        _ = try ParsedSVG(try Charts.pairScatter([PointCloud(name: "none", values: [Double](), dimension: 2)]).svg)
        _ = try ParsedSVG(try Charts.pairScatter([PointCloud(name: "1d", values: [1.0, 2, 3], dimension: 1)]).svg)
    }

    @Test func lossCurveHasRawSmoothedAndLR() throws {
        let steps = (1...3000).map(Double.init)
        let loss = steps.map { 1 / ($0 / 100 + 1) + 0.05 * sin($0) + 0.06 }
        let lr = steps.map { min(1, $0 / 100) * 1e-3 }
        let fig = try Charts.lossCurve(steps: steps, loss: loss, lr: lr, smoothing: .ema(0.99), logLoss: true)
        let svg = try ParsedSVG(fig.svg)
        #expect(svg.count("loss") == 3000)
        #expect(svg.count("loss-smoothed") == 3000)
        #expect(svg.count("lr") == 3000)
        #expect(svg.texts.contains("learning rate") && svg.texts.contains("EMA 0.99"))
        #expect(svg.texts.contains("loss (log)"))
        try Self.checkPNG(fig)

        var bad = loss
        bad[10] = .nan; bad[20] = -1; bad[30] = .infinity
        let logFig = try Charts.lossCurve(steps: steps, loss: bad, logLoss: true)
        #expect(logFig.skippedNonFinite == 3)
        let linFig = try Charts.lossCurve(steps: steps, loss: bad, smoothing: .movingAverage(10), logLoss: false)
        #expect(linFig.skippedNonFinite == 2)
        for (s, l) in [([Double](), [Double]()), ([1.0], [0.5]), ([1.0, 2, 3], [2.0, 2, 2])] {
            _ = try ParsedSVG(try Charts.lossCurve(steps: s, loss: l, lr: l).svg)
        }
    }

    @Test func smoothingIsAnAverageOfTheValuesSoFar() throws {
        #expect(try Charts.smoothed([4.0, 4, 4], .ema(0.9)) == [4, 4, 4])
        let ma = try #require(try Charts.smoothed([1.0, 2, 3, .nan, 5], .movingAverage(2)))
        #expect(ma[0] == 1 && ma[1] == 1.5 && ma[2] == 2.5 && ma[3].isNaN && ma[4] == 4)
        let ema = try #require(try Charts.smoothed([0.0, 10], .ema(0.5)))
        #expect(abs(ema[1] - 10 * 0.5 / 0.75) < 1e-12)
        #expect(try Charts.smoothed([1.0], Smoothing.none) == nil)
    }

    @Test func modeBarsDrawTwoBarsPerMode() throws {
        let labels = (0..<8).map { "mode \($0)" }
        let data = [Double](repeating: 0.125, count: 8)
        let samples = [0.2, 0.1, 0.1, 0.15, 0.05, 0.1, 0.2, 0.1]
        let fig = try Charts.modeBars(labels: labels, sample: samples, data: data)
        let svg = try ParsedSVG(fig.svg)
        #expect(svg.count("data") == 8 && svg.count("samples") == 8)
        let barFills = svg.all("rect").filter { $0.attributes["fill"] == Palette.color(1).hexString }
        #expect(barFills.count == 8 + 1)  // + legend swatch
        #expect(labels.allSatisfy { svg.texts.contains($0) })
        try Self.checkPNG(fig)
        _ = try ParsedSVG(try Charts.modeBars(labels: [], sample: [Double](), data: []).svg)
        let nan = try Charts.modeBars(labels: ["a", "b"], sample: [Double.nan, 0], data: [0.5, 0.5])
        #expect(nan.skippedNonFinite == 1)
    }

    @Test func trajectoriesIn2DAnd1D() throws {
        // 50 samples in 2-D shrinking towards a ring over 10 snapshots
        let ring = Self.ring(50)
        var snaps: [[Float]] = []
        for s in 0..<10 {
            let f = Double(s) / 9
            var snap: [Float] = []
            for i in 0..<50 {
                let x: Double = ring.x[i] * f + (1 - f) * sin(Double(i))
                let y: Double = ring.y[i] * f + (1 - f) * cos(Double(i * 3))
                snap += [Float(x), Float(y)]
            }
            snaps.append(snap)
        }
        var bg: [Float] = []
        for i in 0..<400 { bg += [Float(2 * cos(Double(i))), Float(2 * sin(Double(i)))] }
        let fig = try Charts.trajectories(snapshots: snaps, dimension: 2, background: bg, maxPaths: 6)
        let svg = try ParsedSVG(fig.svg)
        #expect(svg.count("data") == 400)
        #expect((0..<6).allSatisfy { svg.count("path-\($0)") == 10 })
        #expect(svg.count("path-6") == nil)
        #expect(svg.elements.first { $0.attributes["class"] == "ends" }?.attributes["data-count"] == "6")
        try Self.checkPNG(fig)

        var snaps1: [[Double]] = []
        for s in 0..<20 {
            let spread: Double = Double(19 - s) * 0.1
            snaps1.append((0..<30).map { (i: Int) -> Double in Double(i % 3) - 1 + spread * sin(Double(i)) })
        }
        let steps1: [Double] = (0..<20).map { Double(1000 - 50 * $0) }
        let bg1: [Double] = (0..<300).map { Double($0 % 3) - 1 }
        let fig1 = try Charts.trajectories(snapshots: snaps1, dimension: 1, steps: steps1, background: bg1, maxPaths: 5)
        let svg1 = try ParsedSVG(fig1.svg)
        #expect(svg1.count("data") == 300)
        #expect((0..<5).allSatisfy { svg1.count("path-\($0)") == 20 })
        try Self.checkPNG(fig1)
        _ = try ParsedSVG(try Charts.trajectories(snapshots: [[Double]](), dimension: 2).svg)
        _ = try ParsedSVG(try Charts.trajectories(snapshots: [[Double.nan, 1]], dimension: 2).svg)
    }

    @Test func schedulesSideBySide() throws {
        let T = 1000
        let t = (1...T).map(Double.init)
        var ab = 1.0
        let linear = t.map { i -> Double in ab *= 1 - (1e-4 + (0.02 - 1e-4) * (i - 1) / Double(T - 1)); return ab }
        var cosine = t.map { i -> Double in
            let f = { (u: Double) in cos((u / Double(T) + 0.008) / 1.008 * .pi / 2) }
            return pow(f(i), 2) / pow(f(0), 2)
        }
        cosine[T - 1] = 0  // zero terminal SNR
        let fig = try Charts.schedules([ScheduleCurve(name: "linear", t: t, alphaBar: linear),
                                        ScheduleCurve(name: "cosine", t: t, alphaBar: cosine)])
        let svg = try ParsedSVG(fig.svg)
        for name in ["linear", "cosine"] {
            #expect(svg.count("\(name) sqrt(alphabar)") == T)
            #expect(svg.count("\(name) sqrt(1-alphabar)") == T)
            #expect(svg.texts.contains(name))
        }
        // cosine reaches ᾱ_T = 0: its SNR there cannot be drawn on the log axis
        #expect(svg.count("cosine snr") == T - 1)
        #expect(fig.skippedNonFinite == 1)
        #expect(svg.texts.contains("√ᾱ_t") && svg.texts.contains("√(1−ᾱ_t)"))
        try Self.checkPNG(fig)
        _ = try ParsedSVG(try Charts.schedules([]).svg)
        _ = try ParsedSVG(try Charts.schedules([ScheduleCurve(name: "one", t: [1.0], alphaBar: [0.5])]).svg)
    }

    @Test func svgEscapingAndStructure() throws {
        #expect(SVGDocument.escape("a<b>&\"c'\u{01}") == "a&lt;b&gt;&amp;&quot;c&apos;")
        var doc = SVGDocument(width: 10, height: 5)
        doc.beginGroup([("data-series", "x\"y")])
        doc.element("text", attributes: [("x", "1")], text: "<&>")
        let svg = try ParsedSVG(doc.render())  // the open group is closed by render()
        #expect(svg.series("x\"y").count == 1)
        #expect(svg.all("text").first?.text == "<&>")
    }

    @Test func figuresAreWrittenToFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plots-test-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let fig = try Charts.histogram1D([HistogramSeries(name: "d", values: [1.0, 2, 2, 3])])
        try fig.writeSVG(to: dir.appendingPathComponent("h.svg"))
        try fig.writePNG(to: dir.appendingPathComponent("h.png"), scale: 1)
        _ = try ParsedSVG(try String(contentsOf: dir.appendingPathComponent("h.svg"), encoding: .utf8))
        #expect(try TestPNG.decode(try Data(contentsOf: dir.appendingPathComponent("h.png"))).width == 640)
    }
}

@Suite struct TitleTests {
    @Test func longTitlesShrinkThenAreCut() throws {
        let medium = String(repeating: "m", count: 80)
        let fig = try Charts.histogram1D([HistogramSeries(name: "d", values: [1.0])], title: medium)
        let title = try #require(try ParsedSVG(fig.svg).all("text").first { $0.text == medium })
        #expect(Double(title.attributes["font-size"] ?? "15")! < 15)
        let long = String(repeating: "x", count: 400)
        let cut = try ParsedSVG(try Charts.histogram1D([HistogramSeries(name: "d", values: [1.0])], title: long).svg)
        #expect(cut.texts.contains { $0.hasPrefix("xxx") && $0.hasSuffix("...") && $0.count < 120 })
    }
}
