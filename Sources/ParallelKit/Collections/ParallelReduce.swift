extension Collection where Self: Sendable {
    /// Maps every element and combines the results with an associative operation, on all usable cores.
    ///
    /// Each chunk folds its elements starting from `identity`; the chunk results are then
    /// combined in input order. The grouping is not fixed — it depends on how the input was
    /// cut at run time — so `combine` must be associative and `identity` must be its identity
    /// (`0` for `+`, `1` for `*`, `[]` for concatenation). Order is kept: `combine` need not be
    /// commutative. Floating-point sums may differ from a serial sum in the last bits.
    ///
    /// ```swift
    /// let sumOfSquares = numbers.parallelReduce(0, mapping: { $0 * $0 }, +)
    /// let longest = words.parallelReduce("", mapping: { $0 }) { $0.count >= $1.count ? $0 : $1 }
    /// ```
    ///
    /// - Parameters:
    ///   - workers: how many threads take part, the caller included. `1` is a plain loop.
    ///   - chunking: how the input is cut; `.adaptive` unless measured otherwise.
    ///   - identity: the value that `combine` leaves unchanged.
    ///   - transform: maps one element; called on several threads at once.
    ///   - combine: an associative operation on mapped values.
    /// - Returns: the combination of every mapped element, or `identity` for an empty collection.
    /// - Throws: the first error `transform` or `combine` threw, after every running chunk has stopped.
    /// - Complexity: O(*n*) work.
    /// - Note: Blocks the calling thread until done.
    @inlinable @inline(__always)
    public func parallelReduce<T: Sendable, Failure: Error>(
        workers: Workers = .all, chunking: Chunking = .adaptive,
        _ identity: T,
        mapping transform: @Sendable (Element) throws(Failure) -> T,
        _ combine: @Sendable (T, T) throws(Failure) -> T
    ) throws(Failure) -> T {
        try parallelReduce(workers: workers, chunking: chunking, tally: NoTally(), identity, transform, combine)
    }

    /// ``parallelReduce(workers:chunking:_:mapping:_:)``, counting the elements done in `progress`.
    ///
    /// - Parameters:
    ///   - workers: as in ``parallelReduce(workers:chunking:_:mapping:_:)``.
    ///   - chunking: as in ``parallelReduce(workers:chunking:_:mapping:_:)``.
    ///   - progress: where the elements done are counted, one report per chunk
    ///     (``ProgressSink``); `nil` counts nothing. An overload of its own, so that a call without
    ///     it carries no counting code.
    ///   - identity: as in ``parallelReduce(workers:chunking:_:mapping:_:)``.
    ///   - transform: as in ``parallelReduce(workers:chunking:_:mapping:_:)``.
    ///   - combine: as in ``parallelReduce(workers:chunking:_:mapping:_:)``.
    @inlinable @inline(__always)
    public func parallelReduce<T: Sendable, Failure: Error>(
        workers: Workers = .all, chunking: Chunking = .adaptive, progress: (any ProgressSink)?,
        _ identity: T,
        mapping transform: @Sendable (Element) throws(Failure) -> T,
        _ combine: @Sendable (T, T) throws(Failure) -> T
    ) throws(Failure) -> T {
        guard let progress else {
            return try parallelReduce(workers: workers, chunking: chunking, tally: NoTally(), identity, transform, combine)
        }
        let tally = ProgressTally(progress, total: count)
        return try parallelReduce(workers: workers, chunking: chunking, tally: tally, identity, transform, combine)
    }

    /// The reduction of every overload, counting into `tally`.
    @inlinable @inline(__always)
    func parallelReduce<T: Sendable, Failure: Error, Tally: ChunkTally>(
        workers: Workers, chunking: Chunking, tally: Tally, _ identity: T,
        _ transform: (Element) throws(Failure) -> T, _ combine: (T, T) throws(Failure) -> T
    ) throws(Failure) -> T {
        let partials = PartialResults<T>()
        try forEachChunk(workers: workers, chunking: chunking, tally: tally, sharing: (identity: identity, partials: partials)) {
            (elements, state, range) throws(Failure) -> Bool in
            var accumulated = state.identity
            _ = try elements.forEach(atOffsets: range) { (_, element) throws(Failure) -> Bool in
                accumulated = try combine(accumulated, try transform(element))
                return true
            }
            state.partials.add(accumulated, start: range.lowerBound)
            return true
        }
        var result = identity
        for partial in partials.inInputOrder {
            result = try combine(result, partial)
        }
        return result
    }

    /// Combines the elements with an associative operation, on all usable cores.
    ///
    /// ```swift
    /// let total = numbers.parallelReduce(0, +)
    /// ```
    ///
    /// See ``parallelReduce(workers:chunking:_:mapping:_:)`` for the rules on `identity` and `combine`.
    @inlinable @inline(__always)
    public func parallelReduce<Failure: Error>(
        workers: Workers = .all, chunking: Chunking = .adaptive,
        _ identity: Element,
        _ combine: @Sendable (Element, Element) throws(Failure) -> Element
    ) throws(Failure) -> Element where Element: Sendable {
        try parallelReduce(
            workers: workers, chunking: chunking, tally: NoTally(), identity,
            { (element: Element) throws(Failure) -> Element in element }, combine)
    }

    /// ``parallelReduce(workers:chunking:_:_:)``, counting the elements done in `progress`
    /// (`nil` counts nothing).
    @inlinable @inline(__always)
    public func parallelReduce<Failure: Error>(
        workers: Workers = .all, chunking: Chunking = .adaptive, progress: (any ProgressSink)?,
        _ identity: Element,
        _ combine: @Sendable (Element, Element) throws(Failure) -> Element
    ) throws(Failure) -> Element where Element: Sendable {
        try parallelReduce(
            workers: workers, chunking: chunking, progress: progress, identity,
            mapping: { (element: Element) throws(Failure) -> Element in element }, combine)
    }
}
