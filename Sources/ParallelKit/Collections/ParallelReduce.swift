extension RandomAccessCollection where Self: Sendable {
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
        workers: Workers = .all,
        chunking: Chunking = .adaptive,
        _ identity: T,
        mapping transform: @Sendable (Element) throws(Failure) -> T,
        _ combine: @Sendable (T, T) throws(Failure) -> T
    ) throws(Failure) -> T {
        typealias Context = ChunkContext<Self, (identity: T, partials: PartialResults<T>)>
        let context = Context(base: self, output: (identity, PartialResults<T>()))
        try withUnsafePointer(to: context) { (pointer) throws(Failure) in
            try ParallelLoop.run(count: count, workers: workers, chunking: chunking, context: pointer) {
                (range, raw) throws(Failure) -> Bool in
                let context = Context.at(raw)
                let base = context.base
                var accumulated = context.output.identity
                try base.forEachElement(atOffsets: range) { (_, element) throws(Failure) in
                    accumulated = try combine(accumulated, try transform(element))
                }
                context.output.partials.add(accumulated, start: range.lowerBound)
                return true
            }
        }
        var result = identity
        for partial in context.output.partials.inInputOrder {
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
        workers: Workers = .all,
        chunking: Chunking = .adaptive,
        _ identity: Element,
        _ combine: @Sendable (Element, Element) throws(Failure) -> Element
    ) throws(Failure) -> Element where Element: Sendable {
        try parallelReduce(
            workers: workers, chunking: chunking, identity,
            mapping: { (element: Element) throws(Failure) -> Element in element }, combine)
    }
}

extension Collection where Self: Sendable, Element: Sendable {
    /// Maps every element and combines the results with an associative operation, on all usable cores.
    ///
    /// Copies the elements into an array first. See
    /// ``Swift/RandomAccessCollection/parallelReduce(workers:chunking:_:mapping:_:)``.
    @inlinable @inline(__always)
    public func parallelReduce<T: Sendable, Failure: Error>(
        workers: Workers = .all,
        chunking: Chunking = .adaptive,
        _ identity: T,
        mapping transform: @Sendable (Element) throws(Failure) -> T,
        _ combine: @Sendable (T, T) throws(Failure) -> T
    ) throws(Failure) -> T {
        try ContiguousArray(self).parallelReduce(
            workers: workers, chunking: chunking, identity, mapping: transform, combine)
    }
}
