extension Collection where Self: Sendable {
    /// Calls `body` on every element, on all usable cores, and returns when every call has finished.
    ///
    /// Calls happen in no particular order and on several threads at once, so `body` may only
    /// touch shared state that is safe to share (atomics, a `Mutex`, disjoint slots).
    ///
    /// ```swift
    /// let total = Atomic<Int>(0)
    /// files.parallelForEach { file in total.add(size(of: file), ordering: .relaxed) }
    /// ```
    ///
    /// - Parameters:
    ///   - workers: how many threads take part, the caller included. `1` is a plain loop in order.
    ///   - chunking: how the input is cut; `.adaptive` unless measured otherwise.
    ///   - body: called once per element.
    /// - Throws: the first error `body` threw, after every running chunk has stopped; elements
    ///   not reached by then are skipped.
    /// - Complexity: O(*n*) work.
    /// - Note: Blocks the calling thread until done.
    @inlinable @inline(__always)
    public func parallelForEach<Failure: Error>(
        workers: Workers = .all, chunking: Chunking = .adaptive, _ body: @Sendable (Element) throws(Failure) -> Void
    ) throws(Failure) {
        try parallelForEach(workers: workers, chunking: chunking, tally: NoTally(), body)
    }

    /// ``parallelForEach(workers:chunking:_:)``, counting the elements done in `progress`.
    ///
    /// - Parameters:
    ///   - workers: as in ``parallelForEach(workers:chunking:_:)``.
    ///   - chunking: as in ``parallelForEach(workers:chunking:_:)``.
    ///   - progress: where the elements done are counted, one report per chunk
    ///     (``ProgressSink``); `nil` counts nothing. An overload of its own, so that a call without
    ///     it carries no counting code.
    ///   - body: as in ``parallelForEach(workers:chunking:_:)``.
    @inlinable @inline(__always)
    public func parallelForEach<Failure: Error>(
        workers: Workers = .all, chunking: Chunking = .adaptive, progress: (any ProgressSink)?,
        _ body: @Sendable (Element) throws(Failure) -> Void
    ) throws(Failure) {
        guard let progress else { return try parallelForEach(workers: workers, chunking: chunking, tally: NoTally(), body) }
        try parallelForEach(workers: workers, chunking: chunking, tally: ProgressTally(progress, total: count), body)
    }

    /// The loop of both overloads, counting into `tally`.
    @inlinable @inline(__always)
    func parallelForEach<Failure: Error, Tally: ChunkTally>(
        workers: Workers, chunking: Chunking, tally: Tally, _ body: (Element) throws(Failure) -> Void
    ) throws(Failure) {
        try forEachChunk(workers: workers, chunking: chunking, tally: tally, sharing: ()) { (elements, _, range) throws(Failure) -> Bool in
            try elements.forEach(atOffsets: range) { (_, element) throws(Failure) -> Bool in
                try body(element)
                return true
            }
        }
    }
}
