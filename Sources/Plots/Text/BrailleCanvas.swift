// BrailleCanvas.swift — a grid of terminal cells, each a Unicode braille character holding
// 2 × 4 dots (U+2800 + dot bits), that remembers which series put dots in which cell.
import Foundation

struct BrailleCanvas {
    let width: Int   // cells
    let height: Int  // cells
    var dotColumns: Int { width * 2 }
    var dotRows: Int { height * 4 }
    private(set) var bits: [UInt8]
    /// dots per series per cell: owners[cell][series]
    private var owners: [[Int: Int]]
    /// character marks: cell → (series, mark); later series win
    private var marks: [Int: (Int, Character)] = [:]

    /// bit of dot (column cx in 0...1, row cy in 0...3) within a cell (ISO/TR 11548-1 order)
    static let dotBit: [[UInt8]] = [[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]]

    init(width: Int, height: Int) {
        self.width = max(1, width); self.height = max(1, height)
        bits = [UInt8](repeating: 0, count: self.width * self.height)
        owners = [[Int: Int]](repeating: [:], count: self.width * self.height)
    }

    /// Sets dot (col, row), row 0 at the top; ignored outside the grid.
    mutating func set(col: Int, row: Int, series: Int) {
        guard col >= 0, col < dotColumns, row >= 0, row < dotRows else { return }
        let cell = (row / 4) * width + col / 2
        let bit = Self.dotBit[row % 4][col % 2]
        if bits[cell] & bit == 0 { owners[cell][series, default: 0] += 1 }
        bits[cell] |= bit
    }

    mutating func mark(col: Int, row: Int, series: Int, _ ch: Character) {
        guard col >= 0, col < dotColumns, row >= 0, row < dotRows else { return }
        let cell = (row / 4) * width + col / 2
        if let old = marks[cell], old.0 > series { return }
        marks[cell] = (series, ch)
    }

    /// Dots along the segment from (c0, r0) to (c1, r1) (Bresenham).
    mutating func line(c0: Int, r0: Int, c1: Int, r1: Int, series: Int) {
        var x = c0, y = r0
        let dx = abs(c1 - c0), dy = -abs(r1 - r0)
        let sx = c0 < c1 ? 1 : -1, sy = r0 < r1 ? 1 : -1
        var err = dx + dy
        while true {
            set(col: x, row: y, series: series)
            if x == c1 && y == r1 { break }
            let e2 = 2 * err
            if e2 >= dy { err += dy; x += sx }
            if e2 <= dx { err += dx; y += sy }
        }
    }

    /// Row `r` of cells as text; `colors[s]` colours the cells series s dominates.
    func row(_ r: Int, colors: [TextPlot.Color], useColor: Bool) -> String {
        var out = ""
        var run = "", runColor = TextPlot.Color.none
        func flush() { out += runColor.wrap(run, enabled: useColor); run = "" }
        for c in 0..<width {
            let cell = r * width + c
            let ch: Character
            var color = TextPlot.Color.none
            if let (s, m) = marks[cell] {
                ch = m; color = s < colors.count ? colors[s] : .none
            } else {
                ch = Character(Unicode.Scalar(0x2800 + UInt32(bits[cell]))!)
                // the series with most dots in the cell; ties go to the later series (drawn on top)
                if let best = owners[cell].max(by: { $0.value != $1.value ? $0.value < $1.value : $0.key < $1.key }) {
                    color = best.key < colors.count ? colors[best.key] : .none
                }
            }
            if color != runColor { flush(); runColor = color }
            run.append(ch)
        }
        flush()
        return out
    }
}
