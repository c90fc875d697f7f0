// DataLoaderTests.swift — CSV and NPY user data and sample files: round trips, and every error
// case with the exact file, line and column in the message.
import Foundation
import Testing
import DiffusionCore

/// Bytes of a .npy file with the given header fields (for files this build never writes).
func npyBytes(descr: String, fortran: String = "False", shape: String, payload: [UInt8], major: UInt8 = 1) -> Data {
    var dict = "{'descr': '\(descr)', 'fortran_order': \(fortran), 'shape': \(shape), }"
    let prefix = major == 1 ? 10 : 12
    while (prefix + dict.utf8.count + 1) % 64 != 0 { dict += " " }
    dict += "\n"
    var out = Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, major, 0])
    let n = dict.utf8.count
    if major == 1 { out.append(contentsOf: [UInt8(n & 0xff), UInt8(n >> 8)]) }
    else { out.append(contentsOf: [UInt8(n & 0xff), UInt8((n >> 8) & 0xff), 0, 0]) }
    out.append(contentsOf: Array(dict.utf8))
    out.append(contentsOf: payload)
    return out
}

func littleEndianBytes(_ values: [Double]) -> [UInt8] {
    values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }
}
func littleEndianBytes(_ values: [Float]) -> [UInt8] {
    values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }
}

@Suite struct DataLoaderTests {
    @Test func csvRoundTripWithLabelsAndConditions() throws {
        let dir = try makeDataTestDirectory(); defer { removeDataTestDirectory(dir) }
        let ds = try BuiltinDatasets.make("policy_obstacle", count: 300, seed: 4)
        let url = dir.appendingPathComponent("policy.csv")
        let condNames = ["sx", "sy", "gx", "gy"]
        try SampleWriter.writeCSV(points: ds.points, dim: ds.dim, to: url, columnNames: ds.columnNames,
                                  labels: ds.labels, conditions: ds.conditions, condDim: 4, conditionNames: condNames)
        let back = try DataLoader.load(path: url.path, labelColumn: "label", conditionColumns: condNames)
        #expect(back.dim == 32 && back.count == 300)
        #expect(back.points == ds.points)               // Float descriptions round-trip exactly
        #expect(back.labels == ds.labels && back.numClasses == 2)
        #expect(back.conditions == ds.conditions && back.condDim == 4)
        #expect(back.columnNames == ds.columnNames)
        // nil label column: "label" is used when present
        let auto = try DataLoader.load(path: url.path, labelColumn: nil, conditionColumns: condNames)
        #expect(auto.labels == ds.labels)
        // without naming the conditioning columns they are data columns
        let plain = try SampleReader.read(path: url.path)
        #expect(plain.dim == 36 && plain.conditions == nil && plain.labels == ds.labels)
    }

    @Test func csvToleratesSpacesQuotesBlankLinesAndCRLF() throws {
        let dir = try makeDataTestDirectory(); defer { removeDataTestDirectory(dir) }
        let path = try writeDataTestFile(dir, "loose.csv", "\"a\", b ,label\r\n1.5, -2e-3 ,1\r\n\r\n  3,4,0\r\n")
        let ds = try DataLoader.load(path: path, labelColumn: nil, conditionColumns: [])
        #expect(ds.columnNames == ["a", "b"])
        #expect(ds.points == [1.5, -0.002, 3, 4])
        #expect(ds.labels == [1, 0] && ds.numClasses == 2)
    }

    @Test func npyRoundTripAndLayout() throws {
        let dir = try makeDataTestDirectory(); defer { removeDataTestDirectory(dir) }
        let ds = try BuiltinDatasets.make("ring8", count: 1000, seed: 8)
        let url = dir.appendingPathComponent("s.npy")
        try SampleWriter.writeNPY(points: ds.points, dim: 2, to: url)
        let back = try SampleReader.read(path: url.path)
        #expect(back.points == ds.points && back.dim == 2 && back.labels == nil)
        let bytes = try Data(contentsOf: url)
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        #expect((10 + headerLength) % 64 == 0)                       // data aligned as numpy writes it
        #expect(bytes.count == 10 + headerLength + 1000 * 2 * 4)
        let header = String(decoding: bytes[10..<(10 + headerLength)], as: UTF8.self)
        #expect(header.contains("'descr': '<f4'") && header.contains("'shape': (1000, 2)") && header.hasSuffix("\n"))
        // no temp files left behind by the atomic write
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["s.npy"])
        // write(by extension) → csv
        let csv = dir.appendingPathComponent("s.csv")
        try SampleWriter.write(points: ds.points, dim: 2, to: csv, labels: ds.labels)
        #expect(try SampleReader.read(path: csv.path).points == ds.points)
    }

    @Test func npyFloat64OneDimensionalAndVersion2() throws {
        let dir = try makeDataTestDirectory(); defer { removeDataTestDirectory(dir) }
        let values: [Double] = [0.5, -1.25, 3, 1e-3]
        let url1 = dir.appendingPathComponent("v.npy")
        try npyBytes(descr: "<f8", shape: "(4,)", payload: littleEndianBytes(values)).write(to: url1)
        let a = try DataLoader.load(path: url1.path, labelColumn: nil, conditionColumns: [])
        #expect(a.dim == 1 && a.points == values.map { Float($0) })
        let url2 = dir.appendingPathComponent("m.npy")
        try npyBytes(descr: "<f4", shape: "(2, 2)", payload: littleEndianBytes([Float(1), 2, 3, 4]), major: 2).write(to: url2)
        let b = try DataLoader.load(path: url2.path, labelColumn: nil, conditionColumns: [])
        #expect(b.dim == 2 && b.points == [1, 2, 3, 4])
    }

    @Test func csvErrorsNameFileLineAndColumn() throws {
        let dir = try makeDataTestDirectory(); defer { removeDataTestDirectory(dir) }
        // line 17 holds the bad value: header (1) + 15 good rows (2...16) + the bad one
        var text = "x1,x2\n"
        for i in 0..<15 { text += "\(i),\(i * 2)\n" }
        text += "1.0,abc\n"
        let bad = try writeDataTestFile(dir, "data.csv", text)
        #expect(dataErrorMessage { _ = try DataLoader.load(path: bad, labelColumn: nil, conditionColumns: []) }
                == "\(bad):17: column 'x2': 'abc' is not a number")

        let blankLines = try writeDataTestFile(dir, "blank.csv", "a,b\n1,2\n\n\n3,x\n")
        #expect(dataErrorMessage { _ = try DataLoader.load(path: blankLines, labelColumn: nil, conditionColumns: []) }
                == "\(blankLines):5: column 'b': 'x' is not a number")

        let crlf = try writeDataTestFile(dir, "crlf.csv", "a,b\r\n1,2\r\n\r\n3,?\r\n")
        #expect(dataErrorMessage { _ = try DataLoader.load(path: crlf, labelColumn: nil, conditionColumns: []) }
                == "\(crlf):4: column 'b': '?' is not a number")

        let wide = try writeDataTestFile(dir, "wide.csv", "a,b\n1,2\n3,4,5\n")
        #expect(dataErrorMessage { _ = try DataLoader.load(path: wide, labelColumn: nil, conditionColumns: []) }
                == "\(wide):3: expected 2 columns as in the header, found 3")

        let narrow = try writeDataTestFile(dir, "narrow.csv", "a,b,c\n1,2,3\n4,5\n")
        #expect(dataErrorMessage { _ = try DataLoader.load(path: narrow, labelColumn: nil, conditionColumns: []) }
                == "\(narrow):3: expected 3 columns as in the header, found 2")

        let empty = try writeDataTestFile(dir, "empty.csv", "")
        #expect(dataErrorMessage { _ = try DataLoader.load(path: empty, labelColumn: nil, conditionColumns: []) }
                == "\(empty): empty file (expected a header row of column names)")

        let headerOnly = try writeDataTestFile(dir, "header.csv", "a,b\n")
        #expect(dataErrorMessage { _ = try DataLoader.load(path: headerOnly, labelColumn: nil, conditionColumns: []) }
                == "\(headerOnly): no data rows after the header")

        let onlyLabels = try writeDataTestFile(dir, "labels.csv", "label\n1\n0\n")
        let noNumeric = dataErrorMessage { _ = try DataLoader.load(path: onlyLabels, labelColumn: nil, conditionColumns: []) }
        #expect(noNumeric?.hasPrefix("\(onlyLabels): no numeric data columns") == true)

        let nan = try writeDataTestFile(dir, "nan.csv", "a\n1\nnan\n")
        #expect(dataErrorMessage { _ = try DataLoader.load(path: nan, labelColumn: nil, conditionColumns: []) }
                == "\(nan):3: column 'a': 'nan' is not a finite number")

        let badLabel = try writeDataTestFile(dir, "badlabel.csv", "x,cls\n1,0\n2,1.5\n")
        #expect(dataErrorMessage { _ = try DataLoader.load(path: badLabel, labelColumn: "cls", conditionColumns: []) }
                == "\(badLabel):3: column 'cls': '1.5' is not a class label (a non-negative integer)")
        let negativeLabel = try writeDataTestFile(dir, "neg.csv", "x,label\n1,-1\n")
        #expect(dataErrorMessage { _ = try DataLoader.load(path: negativeLabel, labelColumn: nil, conditionColumns: []) }
                == "\(negativeLabel):2: column 'label': '-1' is not a class label (a non-negative integer)")

        let good = try writeDataTestFile(dir, "good.csv", "x,y\n1,2\n")
        #expect(dataErrorMessage { _ = try DataLoader.load(path: good, labelColumn: "cls", conditionColumns: []) }
                == "\(good): no label column 'cls' (columns: 'x', 'y')")
        #expect(dataErrorMessage { _ = try DataLoader.load(path: good, labelColumn: nil, conditionColumns: ["z"]) }
                == "\(good): no conditioning column 'z' (columns: 'x', 'y')")

        let duplicate = try writeDataTestFile(dir, "dup.csv", "x,x\n1,2\n")
        #expect(dataErrorMessage { _ = try DataLoader.load(path: duplicate, labelColumn: nil, conditionColumns: []) }
                == "\(duplicate):1: header names column 'x' twice")
    }

    @Test func npyErrorsNameTheFileAndTheProblem() throws {
        let dir = try makeDataTestDirectory(); defer { removeDataTestDirectory(dir) }
        func load(_ name: String, _ bytes: Data) throws -> String? {
            let url = dir.appendingPathComponent(name)
            try bytes.write(to: url)
            return dataErrorMessage { _ = try DataLoader.load(path: url.path, labelColumn: nil, conditionColumns: []) }
        }
        let p = { (name: String) in dir.appendingPathComponent(name).path }

        #expect(try load("magic.npy", Data("PK\u{3}\u{4} not numpy at all".utf8))
                == "\(p("magic.npy")): not a NumPy .npy file (bad magic: expected \\x93NUMPY)")
        #expect(try load("int.npy", npyBytes(descr: "<i8", shape: "(2,)", payload: [UInt8](repeating: 0, count: 16)))
                == "\(p("int.npy")): unsupported dtype '<i8' (expected float32 '<f4' or float64 '<f8')")
        #expect(try load("fortran.npy", npyBytes(descr: "<f4", fortran: "True", shape: "(2, 2)", payload: [UInt8](repeating: 0, count: 16)))?
                .hasPrefix("\(p("fortran.npy")): fortran_order True is not supported") == true)
        #expect(try load("short.npy", npyBytes(descr: "<f4", shape: "(100, 2)", payload: [UInt8](repeating: 0, count: 120)))
                == "\(p("short.npy")): truncated: expected 800 bytes of data for shape (100, 2) '<f4', found 120")
        #expect(try load("cube.npy", npyBytes(descr: "<f4", shape: "(2, 2, 2)", payload: [UInt8](repeating: 0, count: 32)))
                == "\(p("cube.npy")): array has shape (2, 2, 2); expected 1-D (n,) or 2-D (n, d)")
        var future = npyBytes(descr: "<f4", shape: "(1,)", payload: [0, 0, 0, 0])
        future[6] = 9
        #expect(try load("future.npy", future) == "\(p("future.npy")): unsupported .npy format version 9.0 (expected 1.0, 2.0 or 3.0)")
        let cutHeader = npyBytes(descr: "<f4", shape: "(1,)", payload: []).prefix(30)
        #expect(try load("cuthead.npy", Data(cutHeader))?.hasPrefix("\(p("cuthead.npy")): truncated .npy header") == true)
        #expect(try load("inf.npy", npyBytes(descr: "<f4", shape: "(2,)", payload: littleEndianBytes([Float(1), .infinity])))
                == "\(p("inf.npy")): row 1, column 0: value inf is not finite (as float32)")

        // a good file, but asked for named columns it cannot have
        let ok = dir.appendingPathComponent("ok.npy")
        try SampleWriter.writeNPY(points: [1, 2], dim: 2, to: ok)
        #expect(dataErrorMessage { _ = try DataLoader.load(path: ok.path, labelColumn: "label", conditionColumns: []) }?
                .hasPrefix("\(ok.path): a .npy file has no named columns") == true)
        #expect(dataErrorMessage { _ = try DataLoader.load(path: ok.path, labelColumn: nil, conditionColumns: ["c"]) }?
                .hasPrefix("\(ok.path): a .npy file has no named columns") == true)
    }

    @Test func fileLevelErrors() throws {
        let dir = try makeDataTestDirectory(); defer { removeDataTestDirectory(dir) }
        let missing = dir.appendingPathComponent("nope.csv").path
        #expect(dataErrorMessage { _ = try DataLoader.load(path: missing, labelColumn: nil, conditionColumns: []) } == "\(missing): no such file")
        let txt = try writeDataTestFile(dir, "data.txt", "a\n1\n")
        #expect(dataErrorMessage { _ = try DataLoader.load(path: txt, labelColumn: nil, conditionColumns: []) }
                == "\(txt): unsupported file type (expected a .csv or .npy file)")
        let out = dir.appendingPathComponent("bad.csv")
        #expect(dataErrorMessage { try SampleWriter.writeCSV(points: [1, 2, 3], dim: 2, to: out) }
                == "\(out.path): 3 values do not make rows of dim 2")
        #expect(dataErrorMessage { try SampleWriter.writeCSV(points: [1, 2], dim: 2, to: out, columnNames: ["a", "b,c"]) }
                == "\(out.path): column name 'b,c' must be non-empty, without commas, quotes or line breaks")
        let intoMissingDir = dir.appendingPathComponent("no/such/dir/s.npy")
        #expect(dataErrorMessage { try SampleWriter.writeNPY(points: [1, 2], dim: 2, to: intoMissingDir) }?
                .hasPrefix("\(intoMissingDir.path): cannot create temp file") == true)
    }
}
