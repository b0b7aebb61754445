/// What a ``Column`` holds; a CSV column's declared or inferred type.
public enum ColumnType: String, Sendable, Hashable, Codable, CustomStringConvertible {
    /// Whole numbers (`Int`).
    case int
    /// Floating-point numbers (`Double`); an empty CSV field is `nan`, as in pandas.
    case double
    /// Text, any UTF-8.
    case string

    public var description: String { rawValue }
}
