/// How a CSV file is read: its delimiter, whether it starts with a header, the columns' types
/// and what to do with rows of the wrong length — `pd.read_csv`'s `sep`, `header`, `dtype`.
///
/// ```swift
/// let options = CSVOptions(delimiter: ";", types: ["price": .double, "sku": .string])
/// ```
public struct CSVOptions: Sendable, Hashable {
    /// What to do with a row that has more or fewer fields than the header.
    public enum RaggedRows: Sendable, Hashable, Codable {
        /// Refuse it: ``CSVError/Code/wrongFieldCount(expected:found:)`` naming its line.
        case error
        /// Read missing fields as empty and drop extra ones.
        case fill
    }

    /// The byte between fields: `,` unless told.
    public var delimiter: UInt8
    /// Whether the first record names the columns; without one they are named `"0"`, `"1"`, …
    public var hasHeader: Bool
    /// Declared column types by name; columns not named here are inferred from ``sampleRows``.
    public var types: [String: ColumnType]
    /// How many rows type inference reads (never the user's function): a column whose sampled
    /// non-empty fields are all integers is `.int`, all numbers `.double`, else `.string`.
    public var sampleRows: Int
    /// Rows of the wrong length.
    public var raggedRows: RaggedRows

    public init(
        delimiter: Character = ",", hasHeader: Bool = true, types: [String: ColumnType] = [:], sampleRows: Int = 1000,
        raggedRows: RaggedRows = .error
    ) {
        precondition(delimiter.isASCII && delimiter != "\"" && delimiter != "\n" && delimiter != "\r",
                     "the delimiter must be one ASCII byte other than a quote or a line end, not \(delimiter)")
        self.delimiter = delimiter.asciiValue!
        self.hasHeader = hasHeader
        self.types = types
        self.sampleRows = sampleRows
        self.raggedRows = raggedRows
    }
}
