import ParallelKitMacros

/// Seed 004's `howmany_within_range(row, minimum, maximum)`.
@WorkerFunction
func howManyWithinRange(row: [Int], minimum: Int, maximum: Int) -> Int {
    row.count { minimum <= $0 && $0 <= maximum }
}

/// `howmany_within_range_rowonly(row, minimum=4, maximum=8)`: one argument, for `map`.
@WorkerFunction
func howManyWithinRangeRowOnly(_ row: [Int]) -> Int {
    howManyWithinRange(row: row, minimum: 4, maximum: 8)
}

/// `howmany_within_range2(i, row, minimum, maximum)`, which returns `(i, count)`.
@WorkerFunction
func howManyWithinRange2(i: Int, row: [Int], minimum: Int, maximum: Int) -> IndexedCount {
    IndexedCount(i: i, count: howManyWithinRange(row: row, minimum: minimum, maximum: maximum))
}

/// Python's `(i, count)` tuple.
struct IndexedCount: Codable, Sendable {
    var i: Int
    var count: Int
}

/// `np.random.randint(0, 10, size=[rows, 5]).tolist()`, from a fixed seed.
func countInRangeData(rows: Int) -> [[Int]] {
    var generator = SeededGenerator(state: 100)
    return (0..<rows).map { _ in (0..<5).map { _ in Int.random(in: 0..<10, using: &generator) } }
}
