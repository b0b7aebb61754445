extension Collection where Self: Sendable {
    /// Returns the non-`nil` results of `transform`, in input order, computed on all usable cores.
    ///
    /// ```swift
    /// let numbers = lines.parallelCompactMap { Int($0) }   // drops lines that are not numbers
    /// ```
    ///
    /// - Parameters:
    ///   - workers: how many threads take part, the caller included. `1` is a plain loop.
    ///   - chunking: how the input is cut; `.adaptive` unless measured otherwise.
    ///   - transform: called once per element, on several threads at once.
    /// - Returns: the non-`nil` results in the order of their elements.
    /// - Throws: the first error `transform` threw, after every running chunk has stopped.
    /// - Complexity: O(*n*) work; each chunk collects its results, then the chunks are joined.
    /// - Note: Blocks the calling thread until done.
    @inlinable @inline(__always)
    public func parallelCompactMap<T: Sendable, Failure: Error>(
        workers: Workers = .all, chunking: Chunking = .adaptive,
        _ transform: @Sendable (Element) throws(Failure) -> T?
    ) throws(Failure) -> [T] {
        try gatherInOrder(workers: workers, chunking: chunking, tally: NoTally()) { (element, values) throws(Failure) in
            if let value = try transform(element) { values.append(value) }
        }
    }

    /// ``parallelCompactMap(workers:chunking:_:)``, counting the elements done in `progress`.
    ///
    /// - Parameters:
    ///   - workers: as in ``parallelCompactMap(workers:chunking:_:)``.
    ///   - chunking: as in ``parallelCompactMap(workers:chunking:_:)``.
    ///   - progress: where the elements done are counted, one report per chunk
    ///     (``ProgressSink``); `nil` counts nothing. An overload of its own, so that a call without
    ///     it carries no counting code.
    ///   - transform: as in ``parallelCompactMap(workers:chunking:_:)``.
    @inlinable @inline(__always)
    public func parallelCompactMap<T: Sendable, Failure: Error>(
        workers: Workers = .all, chunking: Chunking = .adaptive, progress: (any ProgressSink)?,
        _ transform: @Sendable (Element) throws(Failure) -> T?
    ) throws(Failure) -> [T] {
        try gatherInOrder(workers: workers, chunking: chunking, progress: progress) { (element, values) throws(Failure) in
            if let value = try transform(element) { values.append(value) }
        }
    }
}
