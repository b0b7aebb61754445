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
    ///   - progress: where the elements done are counted, one report per chunk (``ProgressSink``);
    ///     `nil`, the default, counts nothing and costs nothing.
    ///   - body: called once per element.
    /// - Throws: the first error `body` threw, after every running chunk has stopped; elements
    ///   not reached by then are skipped.
    /// - Complexity: O(*n*) work.
    /// - Note: Blocks the calling thread until done.
    @inlinable @inline(__always)
    public func parallelForEach<Failure: Error>(
        workers: Workers = .all, chunking: Chunking = .adaptive, progress: (any ProgressSink)? = nil,
        _ body: @Sendable (Element) throws(Failure) -> Void
    ) throws(Failure) {
        let tally = progress.map { ProgressTally($0, total: count) }
        try forEachChunk(workers: workers, chunking: chunking, progress: tally, sharing: ()) { (elements, _, range) throws(Failure) -> Bool in
            try elements.forEach(atOffsets: range) { (_, element) throws(Failure) -> Bool in
                try body(element)
                return true
            }
        }
    }
}
