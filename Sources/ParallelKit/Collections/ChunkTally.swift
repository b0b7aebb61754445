/// What the chunks of one collection operation count their elements into: a ``ProgressTally``,
/// or ``NoTally``. A type parameter of the chunk scaffold rather than an optional stored in it,
/// so that the overloads without `progress:` pass ``NoTally`` and compile with no counting code.
/// With a defaulted `progress: nil` instead, every caller kept the counting path, and `tiny` (a
/// map over 100 Ints) ran 0.13 µs a call slower (0.279 → 0.414 µs, `parallelkit bench
/// --workload tiny`, 2 cores, quiet machine); a tally type chosen at run time inside one
/// function did not help (0.40 µs): the overloads did (0.26 µs).
@usableFromInline
protocol ChunkTally {
    /// Whether this tally counts anything: `false` lets the chunk loop skip counting entirely.
    static var counts: Bool { get }
    func started(_ count: Int)
    func finished(_ count: Int)
    func failed(_ count: Int)
    /// Reports every element without an outcome as skipped; called once, when the call ends.
    func close()
}

extension ProgressTally: ChunkTally {
    @inlinable
    static var counts: Bool { true }
}

/// The tally of an operation called without progress: counts nothing, and costs nothing.
@usableFromInline
struct NoTally: ChunkTally {
    @inlinable init() {}
    @inlinable static var counts: Bool { false }
    @inlinable func started(_ count: Int) {}
    @inlinable func finished(_ count: Int) {}
    @inlinable func failed(_ count: Int) {}
    @inlinable func close() {}
}
