/// A map's outputs as they arrive — whole batches read from a journal, items found by key,
/// computed batches — each a run of values and the input indices they belong to, put in input
/// order once at the end: a run of consecutive indices is one bulk copy (a `memcpy` for plain
/// types), where an array of optionals filled item by item cost a resumed run a third of its
/// time in generic code (perf: metadata lookups and witness calls per item).
struct OutputPieces<Output> {
    struct Piece {
        /// Runs of input indices, in the order of `values`.
        var ranges: [Range<Int>]
        var values: [Output]
    }

    private(set) var pieces: [Piece] = []
    /// Which inputs have an output (so that none is given two).
    private(set) var covered: [Bool]
    private(set) var coveredCount = 0

    init(count: Int) { covered = [Bool](repeating: false, count: count) }

    var count: Int { covered.count }

    /// Whether every index of `ranges` lies within the inputs and has no output yet.
    func canTake(_ ranges: [Range<Int>]) -> Bool {
        ranges.allSatisfy { range in
            range.lowerBound >= 0 && range.upperBound <= covered.count && !covered[range].contains(true)
        }
    }

    /// Adds `values`, the outputs of the inputs in `ranges` (``canTake(_:)`` must hold).
    mutating func add(_ values: [Output], at ranges: [Range<Int>]) {
        for range in ranges {
            for index in range { covered[index] = true }
            coveredCount += range.count
        }
        pieces.append(Piece(ranges: ranges, values: values))
    }

    /// Adds `values`, the outputs of the inputs at `indices` (ascending, none covered yet).
    mutating func add(_ values: [Output], at indices: some Collection<Int>) {
        add(values, at: RunJournal.ranges(of: indices))
    }

    /// The indices with no output yet, in order.
    var uncovered: [Int] {
        var indices: [Int] = []
        indices.reserveCapacity(covered.count - coveredCount)
        for index in covered.indices where !covered[index] { indices.append(index) }
        return indices
    }

    /// Every output in input order; every index must have one.
    func assembled() -> [Output] {
        precondition(coveredCount == covered.count, "a map's outputs are missing")
        return [Output](unsafeUninitializedCapacity: covered.count) { buffer, initialized in
            for piece in pieces {
                piece.values.withUnsafeBufferPointer { values in
                    var next = 0
                    for range in piece.ranges {
                        (buffer.baseAddress! + range.lowerBound).initialize(from: values.baseAddress! + next, count: range.count)
                        next += range.count
                    }
                }
            }
            initialized = covered.count
        }
    }
}
