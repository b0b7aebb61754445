import ParallelKit

/// A small table: named columns of typed values, all of the same length — the part of a pandas
/// `DataFrame` that parallel row, column and partition operations need.
///
/// Columns, not rows, are stored: a column is one contiguous array (`[Int]`, `[Double]` or
/// `[String]`), so a column-wise operation reads memory in order and a row is a view (an index
/// into every column, ``Row``) that costs no allocation. `Guides/Tabular.md` has the figures.
///
/// ```swift
/// let frame = Table(rows: [[8, 5], [5, 3], [3, 4], [4, 4], [7, 9]])        // columns "0", "1"
/// frame.shape                                                                // (rows: 5, columns: 2)
/// let sums = try await Parallel(jobs: 2).mapColumns(frame) { _, column in
///     column.doubles!.reduce(0) { $0 + $1 * $1 }
/// }                                                                          // [163.0, 147.0]
/// ```
public struct Table: Sendable, Hashable, Codable {
    /// The columns' names, in order.
    public private(set) var columnNames: [String]
    /// The columns, in order.
    public private(set) var columns: [Column]
    /// How many rows the table has.
    public private(set) var rowCount: Int

    /// A table of `columns`, named by `names`.
    ///
    /// - Precondition: as many names as columns, and every column of the same length.
    public init(names: [String], columns: [Column]) {
        precondition(names.count == columns.count, "\(names.count) names for \(columns.count) columns")
        let rows = columns.first?.count ?? 0
        precondition(
            columns.allSatisfy { $0.count == rows },
            "columns of different lengths: \(columns.map(\.count))")
        columnNames = names
        self.columns = columns
        rowCount = rows
    }

    /// A table of integer rows, its columns named `"0"`, `"1"`, … as pandas names them —
    /// `pd.DataFrame(np.random.randint(3, 10, size=[5, 2]))`.
    ///
    /// - Precondition: every row has the same length.
    public init(rows: [[Int]], names: [String]? = nil) {
        let width = rows.first?.count ?? names?.count ?? 0
        precondition(rows.allSatisfy { $0.count == width }, "rows of different lengths")
        self.init(
            names: names ?? (0..<width).map(String.init),
            columns: (0..<width).map { column in .int(rows.map { $0[column] }) })
    }

    /// A table of floating-point rows, its columns named `"0"`, `"1"`, … unless `names` says.
    ///
    /// - Precondition: every row has the same length.
    public init(rows: [[Double]], names: [String]? = nil) {
        let width = rows.first?.count ?? names?.count ?? 0
        precondition(rows.allSatisfy { $0.count == width }, "rows of different lengths")
        self.init(
            names: names ?? (0..<width).map(String.init),
            columns: (0..<width).map { column in .double(rows.map { $0[column] }) })
    }

    /// NumPy's and pandas' `shape`: rows, then columns.
    public var shape: (rows: Int, columns: Int) { (rowCount, columns.count) }

    /// The cells of row `index`, copied out (``Row`` is the view that copies nothing).
    public subscript(row index: Int) -> [Value] { columns.map { $0[index] } }

    /// The column named `name`, if there is one.
    public func column(named name: String) -> Column? {
        columnNames.firstIndex(of: name).map { columns[$0] }
    }

    /// The rows at `range`, as a table of their own.
    public func rows(_ range: Range<Int>) -> Table {
        Table(names: columnNames, columns: columns.map { $0.slice(range) })
    }

    /// Cuts the rows into `parts` tables whose row counts differ by at most one, the first
    /// `rowCount % parts` one longer — `np.array_split(df, parts)`.
    ///
    /// ```swift
    /// let parts = Table(rows: Array(repeating: [1, 2], count: 500)).partitioned(into: 3)
    /// parts.map(\.rowCount)        // [167, 167, 166]
    /// ```
    ///
    /// - Precondition: `parts` is at least 1.
    public func partitioned(into parts: Int) -> [Table] {
        (0..<rowCount).partitioned(into: parts).map { rows($0) }
    }

    /// The rows of every part, in order, in one table — `np.vstack` / `pd.concat`, the inverse of
    /// ``partitioned(into:)``.
    ///
    /// - Precondition: at least one part, and every part has the first one's column names and types.
    public init(concatenating parts: some Sequence<Table>) {
        var iterator = parts.makeIterator()
        guard var joined = iterator.next() else { preconditionFailure("Table(concatenating:) needs at least one part") }
        while let part = iterator.next() {
            precondition(part.columnNames == joined.columnNames, "parts with other columns: \(part.columnNames)")
            for index in joined.columns.indices { joined.columns[index].append(contentsOf: part.columns[index]) }
            joined.rowCount += part.rowCount
        }
        self = joined
    }
}
