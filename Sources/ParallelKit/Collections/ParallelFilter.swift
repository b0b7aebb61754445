extension Collection where Self: Sendable, Element: Sendable {
    /// Returns the elements that satisfy `isIncluded`, in their original order, tested on all usable cores.
    ///
    /// ```swift
    /// let primes = Array(2..<1_000_000).parallelFilter { isPrime($0) }
    /// ```
    ///
    /// - Parameters:
    ///   - workers: how many threads take part, the caller included. `1` is a plain loop.
    ///   - chunking: how the input is cut; `.adaptive` unless measured otherwise.
    ///   - isIncluded: called once per element, on several threads at once.
    /// - Returns: the included elements in input order.
    /// - Throws: the first error `isIncluded` threw, after every running chunk has stopped.
    /// - Complexity: O(*n*) work.
    /// - Note: Blocks the calling thread until done.
    @inlinable @inline(__always)
    public func parallelFilter<Failure: Error>(
        workers: Workers = .all, chunking: Chunking = .adaptive,
        _ isIncluded: @Sendable (Element) throws(Failure) -> Bool
    ) throws(Failure) -> [Element] {
        try gatherInOrder(workers: workers, chunking: chunking, tally: NoTally()) { (element, values) throws(Failure) in
            if try isIncluded(element) { values.append(element) }
        }
    }

    /// ``parallelFilter(workers:chunking:_:)``, counting the elements done in `progress`.
    ///
    /// - Parameters:
    ///   - workers: as in ``parallelFilter(workers:chunking:_:)``.
    ///   - chunking: as in ``parallelFilter(workers:chunking:_:)``.
    ///   - progress: where the elements done are counted, one report per chunk
    ///     (``ProgressSink``); `nil` counts nothing. An overload of its own, so that a call without
    ///     it carries no counting code.
    ///   - isIncluded: as in ``parallelFilter(workers:chunking:_:)``.
    @inlinable @inline(__always)
    public func parallelFilter<Failure: Error>(
        workers: Workers = .all, chunking: Chunking = .adaptive, progress: (any ProgressSink)?,
        _ isIncluded: @Sendable (Element) throws(Failure) -> Bool
    ) throws(Failure) -> [Element] {
        try gatherInOrder(workers: workers, chunking: chunking, progress: progress) { (element, values) throws(Failure) in
            if try isIncluded(element) { values.append(element) }
        }
    }
}
