import ParallelKitMacros

/// A struct given its `WireFields` conformance by `@WireFields`, for WireFieldsTests.
@WireFields
public struct WireFieldsSample: Codable, Sendable, Equatable {
    public var row: [Int]
    public var low: Int
    public var high: Int?
    public var label: String
    /// Computed: not a field.
    public var width: Int { (high ?? low) - low }

    public init(row: [Int], low: Int, high: Int?, label: String) {
        (self.row, self.low, self.high, self.label) = (row, low, high, label)
    }
}
