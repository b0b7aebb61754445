import ParallelKit

extension Parallel {
    /// Runs `body` on every row of `table` and returns the results in row order — pandas'
    /// `df.apply(f, axis=1)` over `pool.imap(f, df.itertuples(name=False))`.
    ///
    /// ```swift
    /// let frame = Table(rows: [[8, 5], [5, 3], [3, 4], [4, 4], [7, 9]])
    /// let hypotenuses = try await Parallel(jobs: 4).mapRows(frame) { row in
    ///     (row.double(0) * row.double(0) + row.double(1) * row.double(1)).squareRoot()
    /// }                                                        // [9.43…, 5.83…, 5.0, 5.65…, 11.40…]
    /// ```
    ///
    /// A row is a view into the table's columns (``Table/Row``), valid inside `body` only. On
    /// processes, pass a `WorkerTask` whose input is a row's cells (the `mapRows` that takes a task).
    ///
    /// - Throws: what `Parallel.map(_:_:)` throws: `BackendError.Code.taskFailed` with the
    ///   row's index and `body`'s error; `BackendError.Code.unsupported` on processes.
    public func mapRows<Output: Sendable>(
        _ table: Table, _ body: @escaping @Sendable (Table.Row) throws -> Output
    ) async throws(BackendError) -> [Output] {
        let views = RowViews(table)
        return try await map(0..<table.rowCount) { index in try body(views.row(index)) }
    }

    /// Runs `task` on the cells of every row of `table` (``Table/subscript(row:)``), on any
    /// backend, processes included; the results come in row order.
    ///
    /// ```swift
    /// struct Hypotenuse: WorkerTask {
    ///     static func run(_ cells: [Value]) -> Double { … }
    /// }
    /// let lengths = try await Parallel(backend: .processes).mapRows(Hypotenuse.self, frame)
    /// ```
    public func mapRows<Task: WorkerTask>(
        _ task: Task.Type, _ table: Table
    ) async throws(BackendError) -> [Task.Output] where Task.Input == [Value] {
        try await map(task, (0..<table.rowCount).map { table[row: $0] })
    }

    /// Runs `body` on every column of `table`, with its name, and returns the results in column
    /// order — `df.apply(f, axis=0)` over `pool.imap(f, df.iteritems())`.
    ///
    /// ```swift
    /// let sums = try await Parallel(jobs: 2).mapColumns(frame) { _, column in
    ///     column.doubles!.reduce(0) { $0 + $1 * $1 }
    /// }                                                        // [163.0, 147.0]
    /// ```
    public func mapColumns<Output: Sendable>(
        _ table: Table, _ body: @escaping @Sendable (_ name: String, _ column: Column) throws -> Output
    ) async throws(BackendError) -> [Output] {
        try await map(table.columns.indices) { index in try body(table.columnNames[index], table.columns[index]) }
    }

    /// Runs `task` on every column of `table`, on any backend; the results come in column order.
    public func mapColumns<Task: WorkerTask>(
        _ task: Task.Type, _ table: Table
    ) async throws(BackendError) -> [Task.Output] where Task.Input == Column {
        try await map(task, table.columns)
    }

    /// Cuts `table` into `parts` tables (``Table/partitioned(into:)``, `np.array_split`), runs
    /// `body` on each and returns the results in order — the seed's `pool.map(func, df_split)`.
    ///
    /// ```swift
    /// let shapes = try await Parallel(jobs: 4).mapPartitions(frame, into: 4) { part in
    ///     [part.shape.rows, part.shape.columns]
    /// }.concatenated()                                         // np.vstack of the shapes
    /// ```
    ///
    /// - Parameters:
    ///   - table: the table to cut.
    ///   - parts: how many pieces; by default one per job.
    ///   - body: called once per piece, on several workers at once.
    public func mapPartitions<Output: Sendable>(
        _ table: Table, into parts: Int? = nil, _ body: @escaping @Sendable (Table) throws -> Output
    ) async throws(BackendError) -> [Output] {
        try await map(table.partitioned(into: parts ?? jobs.count), body)
    }

    /// Runs `task` on each of `parts` pieces of `table`, on any backend, processes included
    /// (a ``Table`` is `Codable`); the results come in order.
    public func mapPartitions<Task: WorkerTask>(
        _ task: Task.Type, _ table: Table, into parts: Int? = nil
    ) async throws(BackendError) -> [Task.Output] where Task.Input == Table {
        try await map(task, table.partitioned(into: parts ?? jobs.count))
    }
}
