// ExportSidecar.swift — the JSON written beside an exported model (FILE + ".json"): everything
// needed to rebuild the network and use it elsewhere — the tensor names and shapes, the
// architecture and its forward pass, the time and class embeddings, the schedule (with every ᾱ),
// the objective, the preconditioning constants and the data normalization. The README's Export
// section and scripts/export-check.py read it; field names here are that contract.
import DiffusionCore
import Foundation

public struct ExportSidecar: Codable, Equatable, Sendable {
    /// "diffusiond-export"
    public var format: String
    /// version of this layout (1)
    public var version: Int
    public var model: ModelSection
    public var weights: WeightsSection
    public var tensors: [TensorEntry]
    public var architecture: Architecture
    /// eps | x0 | v | flow | regression
    public var objective: String
    /// nil for flow models (they use t itself) and regression
    public var schedule: ScheduleSection?
    /// nil when the model was trained without preconditioning (network input x_t, output = prediction)
    public var preconditioning: PreconditioningSection?
    public var normalization: NormalizationSection
    /// normalization of the conditioning vectors (models with condDim > 0)
    public var conditionNormalization: NormalizationSection?
    /// per-class source Gaussians of a model trained with prior=class (nil otherwise)
    public var classPrior: ClassPrior?

    public static let formatName = "diffusiond-export"
    public static let currentVersion = 1

    public struct ModelSection: Codable, Equatable, Sendable {
        public var name: String
        public var jobID: String
        public var createdAt: String
        public var dataset: String
        public var columnNames: [String]
        public var trainingSteps: Int
        public var finalLoss: Double?
    }

    public struct WeightsSection: Codable, Equatable, Sendable {
        /// the weights file's name (as the client named it, without its directory)
        public var file: String
        /// safetensors | npz
        public var fileFormat: String
        /// float32, little-endian, row-major
        public var dtype: String
        /// the exported weights are the exponential moving average of training
        public var ema: Bool
        public var emaDecay: Double
        public var parameterCount: Int
    }

    public struct TensorEntry: Codable, Equatable, Sendable {
        public var name: String
        public var shape: [Int]
        /// what it is in the forward pass
        public var role: String
        /// where it sits in diffusiond's own flat parameter vector (checkpoint "ema" tensor)
        public var flatName: String
        public var flatOffset: Int
    }

    public struct Architecture: Codable, Equatable, Sendable {
        /// "residual-mlp"
        public var kind: String
        public var dataDim: Int
        public var width: Int
        /// hidden layers: layers.0 (input layer) and layers.1 … layers.(depth−1) (residual blocks)
        public var depth: Int
        /// silu | gelu | relu | mish
        public var activation: String
        public var activationFormula: String
        /// columns of the first layer's input, in order
        public var input: [InputPart]
        public var inputDim: Int
        public var timeEmbedding: TimeEmbedding
        /// nil for unconditional models
        public var classEmbedding: ClassEmbedding?
        /// conditioning-vector size (0 = none)
        public var condDim: Int
        /// the forward pass in formulas
        public var forward: [String]
    }

    public struct InputPart: Codable, Equatable, Sendable {
        /// x | time_embedding | class_embedding | cond
        public var part: String
        /// first column and column count in the input row
        public var start: Int
        public var count: Int
    }

    public struct TimeEmbedding: Codable, Equatable, Sendable {
        /// "sinusoidal"
        public var kind: String
        public var dim: Int
        /// the embedding's argument is scale·t·f_i (t = model time in (0, 1])
        public var scale: Float
        /// f_i = exp(−ln(10000)·i/(dim/2)), i = 0 … dim/2 − 1, as the float32 values the daemon uses
        public var frequencies: [Float]
        public var formula: String
    }

    public struct ClassEmbedding: Codable, Equatable, Sendable {
        public var numClasses: Int
        public var dim: Int
        /// the label of "no class" (classifier-free guidance): row numClasses of the table
        public var nullClass: Int
        public var tensor: String
    }

    public struct ScheduleSection: Codable, Equatable, Sendable {
        /// linear | cosine | karras
        public var kind: String
        public var timesteps: Int
        public var betaStart: Double
        public var betaEnd: Double
        public var zeroTerminalSNR: Bool
        /// ᾱ at 0-based index i = 0 … T−1
        public var alphaBars: [Double]
        /// how model time t maps to an index, and x_t
        public var modelTime: String
    }

    public struct PreconditioningSection: Codable, Equatable, Sendable {
        public var sigmaData: Double
        public var inputStd: Double
        /// the formulas of c_in and of the prediction from F for this model's objective
        public var formulas: [String]
    }

    public struct NormalizationSection: Codable, Equatable, Sendable {
        public var mean: [Float]
        public var std: [Float]
        public var formula: String
    }
}
