extension Collection where Self: Sendable {
    /// Returns the concatenated results of `transform`, in input order, computed on all usable cores.
    ///
    /// ```swift
    /// let words = lines.parallelFlatMap { $0.split(separator: " ").map(String.init) }
    /// ```
    ///
    /// - Parameters:
    ///   - workers: how many threads take part, the caller included. `1` is a plain loop.
    ///   - chunking: how the input is cut; `.adaptive` unless measured otherwise.
    ///   - transform: returns a sequence for each element; called on several threads at once.
    /// - Returns: every element of every returned sequence, in the order of the input.
    /// - Throws: the first error `transform` threw, after every running chunk has stopped.
    /// - Complexity: O(*n* + *m*) work for *m* results.
    /// - Note: Blocks the calling thread until done.
    @inlinable @inline(__always)
    public func parallelFlatMap<SegmentOfResult: Sequence, Failure: Error>(
        workers: Workers = .all, chunking: Chunking = .adaptive,
        _ transform: @Sendable (Element) throws(Failure) -> SegmentOfResult
    ) throws(Failure) -> [SegmentOfResult.Element] where SegmentOfResult.Element: Sendable {
        try gatherInOrder(workers: workers, chunking: chunking, tally: NoTally()) { (element, values) throws(Failure) in
            values.append(contentsOf: try transform(element))
        }
    }

    /// ``parallelFlatMap(workers:chunking:_:)``, counting the elements done in `progress`.
    ///
    /// - Parameters:
    ///   - workers: as in ``parallelFlatMap(workers:chunking:_:)``.
    ///   - chunking: as in ``parallelFlatMap(workers:chunking:_:)``.
    ///   - progress: where the elements done are counted, one report per chunk
    ///     (``ProgressSink``); `nil` counts nothing. An overload of its own, so that a call without
    ///     it carries no counting code.
    ///   - transform: as in ``parallelFlatMap(workers:chunking:_:)``.
    @inlinable @inline(__always)
    public func parallelFlatMap<SegmentOfResult: Sequence, Failure: Error>(
        workers: Workers = .all, chunking: Chunking = .adaptive, progress: (any ProgressSink)?,
        _ transform: @Sendable (Element) throws(Failure) -> SegmentOfResult
    ) throws(Failure) -> [SegmentOfResult.Element] where SegmentOfResult.Element: Sendable {
        try gatherInOrder(workers: workers, chunking: chunking, progress: progress) { (element, values) throws(Failure) in
            values.append(contentsOf: try transform(element))
        }
    }
}
