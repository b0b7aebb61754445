extension Table {
    /// One row of a ``Table`` as the row-wise operations hand it over: a view into every column,
    /// `df.itertuples(name=False)` without the copy.
    ///
    /// ```swift
    /// let hypotenuses = try await Parallel(jobs: 4).mapRows(frame) { row in
    ///     (row.double(0) * row.double(0) + row.double(1) * row.double(1)).squareRoot()
    /// }
    /// ```
    ///
    /// - Note: A row is valid only inside the closure it was given to (it reads the table's
    ///   storage without holding it): copy out what must outlive the call (``values``).
    public struct Row {
        @usableFromInline let views: UnsafePointer<ColumnView>
        /// How many cells the row has.
        public let count: Int
        /// The row's index in its table.
        public let index: Int

        @inlinable init(views: UnsafePointer<ColumnView>, count: Int, index: Int) {
            self.views = views
            self.count = count
            self.index = index
        }

        /// The cell in `column` as a number: integers widened, text parsed (`nan` if it is not a number).
        @inlinable public func double(_ column: Int) -> Double {
            precondition(column >= 0 && column < count, "column \(column) of a row of \(count)")
            switch views[column] {
            case .int(let values): return Double(values[index])
            case .double(let values): return values[index]
            case .string(let values): return Double(values[index]) ?? .nan
            }
        }

        /// The cell in `column` as an integer: floating-point numbers rounded towards zero,
        /// text parsed (0 if it is not an integer).
        @inlinable public func int(_ column: Int) -> Int {
            precondition(column >= 0 && column < count, "column \(column) of a row of \(count)")
            switch views[column] {
            case .int(let values): return values[index]
            case .double(let values): return Int(exactly: values[index].rounded(.towardZero)) ?? 0
            case .string(let values): return Int(values[index]) ?? 0
            }
        }

        /// The cell in `column` as text, as CSV writes it.
        public func string(_ column: Int) -> String { self[column].description }

        /// The cell in `column`.
        public subscript(column: Int) -> Value {
            precondition(column >= 0 && column < count, "column \(column) of a row of \(count)")
            switch views[column] {
            case .int(let values): return .int(values[index])
            case .double(let values): return .double(values[index])
            case .string(let values): return .string(values[index])
            }
        }

        /// Every cell, copied out.
        public var values: [Value] { (0..<count).map { self[$0] } }
    }

    /// A column's storage as rows read it. Not public API.
    @usableFromInline enum ColumnView {
        case int(UnsafePointer<Int>)
        case double(UnsafePointer<Double>)
        case string(UnsafePointer<String>)
    }
}

/// The column views of one table for the length of one row-wise call: it holds the table, so
/// the arrays the views point into stay alive and unchanged.
///
/// `@unchecked Sendable`: after `init` nothing is written, the views are only read, and the
/// table's arrays cannot change (they are held by the `let` here and mutated by no one; a
/// native Swift array's storage does not move while it is not mutated). Operations keep the box
/// until their last row has run; nothing runs after they return.
@usableFromInline final class RowViews: @unchecked Sendable {
    let table: Table
    @usableFromInline let views: UnsafeMutablePointer<Table.ColumnView>
    @usableFromInline let count: Int

    init(_ table: Table) {
        self.table = table
        count = table.columns.count
        views = .allocate(capacity: max(count, 1))
        for (index, column) in table.columns.enumerated() {
            let view: Table.ColumnView
            switch column {
            case .int(let values): view = .int(values.withUnsafeBufferPointer { $0.baseAddress ?? Self.none() })
            case .double(let values): view = .double(values.withUnsafeBufferPointer { $0.baseAddress ?? Self.none() })
            case .string(let values): view = .string(values.withUnsafeBufferPointer { $0.baseAddress ?? Self.none() })
            }
            (views + index).initialize(to: view)
        }
    }

    deinit {
        views.deinitialize(count: count)
        views.deallocate()
    }

    /// Row `index`.
    @inlinable func row(_ index: Int) -> Table.Row { Table.Row(views: views, count: count, index: index) }

    /// A pointer for an empty column, never read (a row of an empty table cannot be made).
    private static func none<T>() -> UnsafePointer<T> { UnsafePointer(bitPattern: MemoryLayout<T>.alignment)! }
}
