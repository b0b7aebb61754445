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
    ///   - progress: where the elements done are counted, one report per chunk (``ProgressSink``);
    ///     `nil`, the default, counts nothing and costs nothing.
    ///   - isIncluded: called once per element, on several threads at once.
    /// - Returns: the included elements in input order.
    /// - Throws: the first error `isIncluded` threw, after every running chunk has stopped.
    /// - Complexity: O(*n*) work.
    /// - Note: Blocks the calling thread until done.
    @inlinable @inline(__always)
    public func parallelFilter<Failure: Error>(
        workers: Workers = .all, chunking: Chunking = .adaptive, progress: (any ProgressSink)? = nil,
        _ isIncluded: @Sendable (Element) throws(Failure) -> Bool
    ) throws(Failure) -> [Element] {
        try gatherInOrder(workers: workers, chunking: chunking, progress: progress) { (element, values) throws(Failure) in
            if try isIncluded(element) { values.append(element) }
        }
    }
}
