// Dataset.swift — an in-memory training set: n points of dimension d, with optional class
// labels and optional conditioning vectors, plus what is known of its modes (built-in mixtures).
public struct Dataset: Sendable {
    public var name: String
    /// points (n, dim), row-major
    public var points: [Float]
    public var dim: Int
    /// class label per point (n), 0..<numClasses; nil when the data has no labels
    public var labels: [Int]?
    public var numClasses: Int
    /// conditioning vectors (n, condDim), row-major; nil when there are none
    public var conditions: [Float]?
    public var condDim: Int
    /// column names when known (CSV header or built-in names): dim entries
    public var columnNames: [String]
    /// known mixture modes (centres) and their std, for mode metrics; nil for other data
    public var modes: [[Float]]?
    public var modeStd: Float?

    public var count: Int { dim == 0 ? 0 : points.count / dim }

    public init(name: String, points: [Float], dim: Int, labels: [Int]? = nil, numClasses: Int = 0,
                conditions: [Float]? = nil, condDim: Int = 0, columnNames: [String]? = nil,
                modes: [[Float]]? = nil, modeStd: Float? = nil) {
        precondition(dim > 0 && points.count % dim == 0, "points.count \(points.count) not a multiple of dim \(dim)")
        self.name = name; self.points = points; self.dim = dim; self.labels = labels
        self.numClasses = numClasses; self.conditions = conditions; self.condDim = condDim
        self.columnNames = columnNames ?? (0..<dim).map { "x\($0)" }
        self.modes = modes; self.modeStd = modeStd
    }

    /// Row i as an array.
    public func point(_ i: Int) -> ArraySlice<Float> { points[(i * dim)..<((i + 1) * dim)] }
}
