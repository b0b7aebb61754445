/// One cell of a ``Table``: an integer, a floating-point number or text.
///
/// ```swift
/// let cells: [Value] = [.int(8), .double(2.5), .string("north")]
/// cells[0].double          // 8.0
/// ```
public enum Value: Sendable, Hashable, Codable, CustomStringConvertible {
    case int(Int)
    case double(Double)
    case string(String)

    /// The number, an integer widened; `nil` for text.
    public var double: Double? {
        switch self {
        case .int(let value): return Double(value)
        case .double(let value): return value
        case .string: return nil
        }
    }

    /// The integer; `nil` for a floating-point number or text.
    public var int: Int? {
        if case .int(let value) = self { return value }
        return nil
    }

    /// The cell as CSV writes it: `8`, `2.5`, `north`.
    public var description: String {
        switch self {
        case .int(let value): return String(value)
        case .double(let value): return String(value)
        case .string(let value): return value
        }
    }
}
