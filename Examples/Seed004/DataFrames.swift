import ParallelKit
import ParallelKitTabular

/// Seed 004's pandas examples: a function over each row, each column, and each partition.
enum DataFrames {
    static func run() async throws {
        let clock = ContinuousClock()
        // The seed's frame as it printed it (np.random.randint(3, 10, size=[5, 2])).
        let df = Table(rows: [[8, 5], [5, 3], [3, 4], [4, 4], [7, 9]])
        print("df: \(df.shape.rows) rows × \(df.shape.columns) columns, rows [[8, 5], [5, 3], [3, 4], [4, 4], [7, 9]]")

        // Row-wise: hypotenuse(row), Pool(4).imap over df.itertuples().
        var start = clock.now
        let hypotenuses = try await Parallel(jobs: 4).mapRows(df) { row in
            DataFrames.rounded((DataFrames.rounded(row.double(0) * row.double(0) + row.double(1) * row.double(1))).squareRoot())
        }
        print("row-wise hypotenuses: \(hypotenuses) (\(clock.now - start))")

        // Column-wise: sum_of_squares(column), Pool(2).imap over df.iteritems().
        start = clock.now
        let sums = try await Parallel(jobs: 2).mapColumns(df) { _, column in
            Int(column.doubles!.reduce(0) { $0 + $1 * $1 })
        }
        print("column-wise sums of squares: \(sums) (\(clock.now - start))")

        // Partitions: np.array_split(df, cores), pool.map(func, df_split), np.vstack.
        var generator = SeededGenerator(state: 7)
        let big = Table(rows: (0..<500).map { _ in (0..<2).map { _ in Int.random(in: 3..<10, using: &generator) } })
        let cores = Workers.available
        start = clock.now
        let shapes = try await Parallel(jobs: .count(cores)).mapPartitions(big, into: cores) { part in
            [part.shape.rows, part.shape.columns]
        }
        print("partition shapes (\(cores) cores), vstacked: \(shapes) (\(clock.now - start))")
    }

    /// Python's `round(x, 2)`.
    static func rounded(_ value: Double) -> Double { (value * 100).rounded() / 100 }
}
