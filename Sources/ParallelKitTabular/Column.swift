/// One column of a ``Table``: values of one type, stored contiguously.
///
/// ```swift
/// let heights = Column.double([1.62, 1.80, 1.75])
/// heights.count            // 3
/// heights.doubles          // [1.62, 1.8, 1.75]
/// ```
public enum Column: Sendable, Hashable, Codable {
    case int([Int])
    case double([Double])
    case string([String])

    /// An empty column of `type`.
    public init(empty type: ColumnType) {
        switch type {
        case .int: self = .int([])
        case .double: self = .double([])
        case .string: self = .string([])
        }
    }

    /// What the column holds.
    public var type: ColumnType {
        switch self {
        case .int: return .int
        case .double: return .double
        case .string: return .string
        }
    }

    /// How many values it holds.
    public var count: Int {
        switch self {
        case .int(let values): return values.count
        case .double(let values): return values.count
        case .string(let values): return values.count
        }
    }

    /// The value at `index`.
    public subscript(index: Int) -> Value {
        switch self {
        case .int(let values): return .int(values[index])
        case .double(let values): return .double(values[index])
        case .string(let values): return .string(values[index])
        }
    }

    /// Every value as a number (integers widened); `nil` for a text column.
    public var doubles: [Double]? {
        switch self {
        case .int(let values): return values.map(Double.init)
        case .double(let values): return values
        case .string: return nil
        }
    }

    /// Every value as a ``Value``.
    public var values: [Value] { (0..<count).map { self[$0] } }

    /// The values at `range`, as a column of their own.
    public func slice(_ range: Range<Int>) -> Column {
        switch self {
        case .int(let values): return .int(Array(values[range]))
        case .double(let values): return .double(Array(values[range]))
        case .string(let values): return .string(Array(values[range]))
        }
    }

    /// Appends the values of `other`, which must hold the same type.
    ///
    /// - Precondition: `other.type == type`.
    public mutating func append(contentsOf other: Column) {
        switch (self, other) {
        case (.int(var values), .int(let more)):
            self = .int([])
            values.append(contentsOf: more)
            self = .int(values)
        case (.double(var values), .double(let more)):
            self = .double([])
            values.append(contentsOf: more)
            self = .double(values)
        case (.string(var values), .string(let more)):
            self = .string([])
            values.append(contentsOf: more)
            self = .string(values)
        default:
            preconditionFailure("cannot append a \(other.type) column to a \(type) column")
        }
    }
}
