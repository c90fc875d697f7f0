// ModelConfig.swift — the shape of the residual MLP denoiser and the table of named parameter
// ranges inside its one flat parameter buffer.

public struct ModelConfig: Codable, Equatable, Sendable {
    /// data dimension d (1...4096)
    public var dataDim: Int
    /// hidden width
    public var width: Int
    /// number of hidden layers of `width` (≥ 1): 1 input layer + (depth−1) residual blocks
    public var depth: Int
    /// sinusoidal time-embedding size (even)
    public var timeEmbedDim: Int
    /// number of classes (0 = unconditional); the table has one extra row: the null class
    public var numClasses: Int
    /// learned class-embedding size (used when numClasses > 0)
    public var classEmbedDim: Int
    /// conditioning-vector size (0 = none), e.g. a policy's observation
    public var condDim: Int
    public var activation: Activation

    public init(dataDim: Int, width: Int = 256, depth: Int = 4, timeEmbedDim: Int = 128,
                numClasses: Int = 0, classEmbedDim: Int = 32, condDim: Int = 0, activation: Activation = .silu) {
        self.dataDim = dataDim; self.width = width; self.depth = depth; self.timeEmbedDim = timeEmbedDim
        self.numClasses = numClasses; self.classEmbedDim = classEmbedDim; self.condDim = condDim
        self.activation = activation
    }

    /// Label value of the null class used for classifier-free guidance.
    public var nullClass: Int { numClasses }
    public var usesClasses: Bool { numClasses > 0 }
    public var classColumns: Int { usesClasses ? classEmbedDim : 0 }
    /// input row: x ++ time embedding ++ class embedding ++ conditioning vector
    public var inputDim: Int { dataDim + timeEmbedDim + classColumns + condDim }

    public func validate() throws {
        func check(_ ok: Bool, _ msg: String) throws { if !ok { throw ModelError(msg) } }
        try check((1...4096).contains(dataDim), "data dimension must be in 1...4096 (got \(dataDim))")
        try check((1...8192).contains(width), "width must be in 1...8192 (got \(width))")
        try check((1...64).contains(depth), "depth must be in 1...64 (got \(depth))")
        try check(timeEmbedDim >= 2 && timeEmbedDim % 2 == 0 && timeEmbedDim <= 4096, "timeEmbedDim must be even, 2...4096 (got \(timeEmbedDim))")
        try check(numClasses >= 0 && numClasses <= 100_000, "numClasses must be in 0...100000 (got \(numClasses))")
        try check(!usesClasses || (1...4096).contains(classEmbedDim), "classEmbedDim must be in 1...4096 (got \(classEmbedDim))")
        try check(condDim >= 0 && condDim <= 4096, "condDim must be in 0...4096 (got \(condDim))")
    }
}

public struct ModelError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}

/// One named tensor inside the flat parameter buffer.
public struct ParameterEntry: Codable, Equatable, Sendable {
    public var name: String
    public var offset: Int
    /// (rows, cols); biases are (1, n)
    public var rows: Int
    public var cols: Int
    public var count: Int { rows * cols }
}

/// The table of named offsets: layers in order, weights (OUT, IN) then biases (OUT).
public struct ParameterLayout: Codable, Equatable, Sendable {
    public private(set) var entries: [ParameterEntry] = []
    public private(set) var totalCount = 0

    public init(_ c: ModelConfig) {
        add("in.weight", c.width, c.inputDim)
        add("in.bias", 1, c.width)
        for k in 1..<max(c.depth, 1) {
            add("block\(k).weight", c.width, c.width)
            add("block\(k).bias", 1, c.width)
        }
        add("out.weight", c.dataDim, c.width)
        add("out.bias", 1, c.dataDim)
        if c.usesClasses { add("class.table", c.numClasses + 1, c.classEmbedDim) }
    }

    private mutating func add(_ name: String, _ rows: Int, _ cols: Int) {
        entries.append(ParameterEntry(name: name, offset: totalCount, rows: rows, cols: cols))
        totalCount += rows * cols
    }

    public func entry(_ name: String) -> ParameterEntry {
        guard let e = entries.first(where: { $0.name == name }) else { preconditionFailure("no parameter '\(name)'") }
        return e
    }
}
