import ParallelKit
import ParallelKitTabular
import Testing

/// Seed 004's DataFrame examples and exercises.
@Suite("Tabular seed examples")
struct TabularSeedTests {
    static let frame = Table(rows: [[8, 5], [5, 3], [3, 4], [4, 4], [7, 9]])
    static let backends: [Parallel.Backend] = [.serial, .threads, .threadPool]

    static func rounded(_ value: Double, _ places: Double = 100) -> Double { (value * places).rounded() / places }

    @Test("row-wise: the hypotenuses [9.43, 5.83, 5.0, 5.66, 11.4]", arguments: backends)
    func hypotenuses(backend: Parallel.Backend) async throws {
        let output = try await Parallel(jobs: 4, backend: backend).mapRows(Self.frame) { row in
            Self.rounded((Self.rounded(row.double(0) * row.double(0) + row.double(1) * row.double(1))).squareRoot())
        }
        #expect(output == [9.43, 5.83, 5.0, 5.66, 11.4])
    }

    @Test("column-wise: the sums of squares [163, 147]", arguments: backends)
    func sumsOfSquares(backend: Parallel.Backend) async throws {
        let output = try await Parallel(jobs: 2, backend: backend).mapColumns(Self.frame) { _, column in
            column.doubles!.reduce(0) { $0 + $1 * $1 }
        }
        #expect(output == [163, 147])
    }

    @Test("partition-wise: array_split of a 500 × 2 frame, each part's shape, vstacked")
    func shapes() async throws {
        let frame = Table(rows: (0..<500).map { [3 + $0 % 7, 3 + $0 % 5] })
        for cores in 1...5 {
            let shapes = try await Parallel(jobs: 2).mapPartitions(frame, into: cores) { part in
                [part.shape.rows, part.shape.columns]
            }
            let expected = (0..<cores).map { [500 / cores + ($0 < 500 % cores ? 1 : 0), 2] }
            #expect(shapes == expected)
            #expect(shapes.concatenated().count == 2 * cores)
            #expect(shapes.map { $0[0] }.reduce(0, +) == 500)
        }
        #expect(frame.partitioned(into: 4).map(\.rowCount) == [125, 125, 125, 125])
        #expect(Table(concatenating: frame.partitioned(into: 3)) == frame)
    }

    @Test("exercise 3: every row normalised to [0, 1]", arguments: backends)
    func normalisedRows(backend: Parallel.Backend) async throws {
        let rows = [[2, 3, 4, 5], [6, 9, 10, 12], [11, 12, 13, 14], [21, 24, 25, 26]]
        let table = Table(rows: rows)
        @Sendable func normalise(_ values: [Double]) -> [Double] {
            let low = values.min()!, high = values.max()!
            return values.map { ($0 - low) / (high - low) }
        }
        let output = try await Parallel(jobs: 2, backend: backend).mapRows(table) { row in
            normalise((0..<row.count).map { row.double($0) })
        }
        let serial = rows.map { normalise($0.map(Double.init)) }
        #expect(output == serial)
        #expect(output.map { $0.map { Self.rounded($0, 1e4) } } == [
            [0, 0.3333, 0.6667, 1], [0, 0.5, 0.6667, 1], [0, 0.3333, 0.6667, 1], [0, 0.6, 0.8, 1],
        ])
    }

    @Test("exercise 1: the row-wise common items of list_a and list_b", arguments: backends)
    func commonItems(backend: Parallel.Backend) async throws {
        let listA = [[1, 2, 3], [5, 6, 7, 8], [10, 11, 12], [20, 21]]
        let listB = [[2, 3, 4, 5], [6, 9, 10], [11, 12, 13, 14], [21, 24, 25]]
        let pairs = Array(zip(listA, listB))
        let common = try await Parallel(jobs: 2, backend: backend).map(pairs) { a, b in a.filter(b.contains) }
        #expect(common == [[2, 3], [6], [11, 12], [21]])
    }
}
