import Synchronization

extension Collection where Self: Sendable {
    /// Returns whether any element satisfies `predicate`, testing on all usable cores and
    /// stopping every worker soon after one match is found.
    ///
    /// Workers check a shared flag before each element, so after a match each running chunk
    /// stops within one `predicate` call and chunks not started are skipped.
    ///
    /// ```swift
    /// let hasNegative = readings.parallelContains { $0 < 0 }
    /// ```
    ///
    /// - Parameters:
    ///   - workers: how many threads take part, the caller included. `1` is a plain loop.
    ///   - chunking: how the input is cut; `.adaptive` unless measured otherwise.
    ///   - predicate: called on several threads at once; not called for every element.
    /// - Returns: `true` when some element satisfies `predicate`.
    /// - Throws: the first error `predicate` threw, after every running chunk has stopped.
    /// - Complexity: O(*n*) work at most.
    /// - Note: Blocks the calling thread until done.
    @inlinable @inline(__always)
    public func parallelContains<Failure: Error>(
        workers: Workers = .all, chunking: Chunking = .adaptive,
        where predicate: @Sendable (Element) throws(Failure) -> Bool
    ) throws(Failure) -> Bool {
        let state = SearchState()
        try forEachChunk(workers: workers, chunking: chunking, sharing: state) { (elements, state, range) throws(Failure) -> Bool in
            try elements.forEach(atOffsets: range) { (_, element) throws(Failure) -> Bool in
                if state.found.load(ordering: .relaxed) { return false }
                if try predicate(element) {
                    state.found.store(true, ordering: .relaxed)
                    return false
                }
                return true
            }
        }
        return state.found.load(ordering: .relaxed)
    }

    /// Returns the first element — the one with the lowest index — that satisfies `predicate`,
    /// testing on all usable cores.
    ///
    /// The answer is the one a serial `first(where:)` gives. Once a match at index *i* is known,
    /// workers stop testing elements after *i*; elements before *i* are still tested, because one
    /// of them may match too.
    ///
    /// ```swift
    /// let firstLarge = files.parallelFirst { size(of: $0) > 1 << 30 }
    /// ```
    ///
    /// - Parameters:
    ///   - workers: how many threads take part, the caller included. `1` is a plain loop.
    ///   - chunking: how the input is cut; `.adaptive` unless measured otherwise.
    ///   - predicate: called on several threads at once; not called for every element.
    /// - Returns: the lowest-index element satisfying `predicate`, or `nil`.
    /// - Throws: the first error `predicate` threw, after every running chunk has stopped.
    /// - Complexity: O(*n*) work at most.
    /// - Note: Blocks the calling thread until done.
    @inlinable @inline(__always)
    public func parallelFirst<Failure: Error>(
        workers: Workers = .all, chunking: Chunking = .adaptive,
        where predicate: @Sendable (Element) throws(Failure) -> Bool
    ) throws(Failure) -> Element? {
        let state = SearchState()
        try forEachChunk(workers: workers, chunking: chunking, sharing: state) { (elements, state, range) throws(Failure) -> Bool in
            _ = try elements.forEach(atOffsets: range) { (offset, element) throws(Failure) -> Bool in
                if offset >= state.lowest.load(ordering: .relaxed) { return false }
                if try predicate(element) {
                    state.lowest.min(offset, ordering: .relaxed)
                    return false
                }
                return true
            }
            // Chunks after a match run no test (the check above), but chunks before it must run.
            return true
        }
        let match = state.lowest.load(ordering: .relaxed)
        return match == .max ? nil : self[self.index(startIndex, offsetBy: match)]
    }
}
