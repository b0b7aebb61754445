import Synchronization

extension RandomAccessCollection where Self: Sendable {
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
        workers: Workers = .all,
        chunking: Chunking = .adaptive,
        where predicate: @Sendable (Element) throws(Failure) -> Bool
    ) throws(Failure) -> Bool {
        typealias Context = ChunkContext<Self, SearchState>
        let context = Context(base: self, output: SearchState())
        try withUnsafePointer(to: context) { (pointer) throws(Failure) in
            try ParallelLoop.run(count: count, workers: workers, chunking: chunking, context: pointer) {
                (range, raw) throws(Failure) -> Bool in
                let context = Context.at(raw)
                let base = context.base
                let state = context.output
                var index = base.index(base.startIndex, offsetBy: range.lowerBound)
                for _ in range {
                    if state.found.load(ordering: .relaxed) { return false }
                    if try predicate(base[index]) {
                        state.found.store(true, ordering: .relaxed)
                        return false
                    }
                    base.formIndex(after: &index)
                }
                return true
            }
        }
        return context.output.found.load(ordering: .relaxed)
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
        workers: Workers = .all,
        chunking: Chunking = .adaptive,
        where predicate: @Sendable (Element) throws(Failure) -> Bool
    ) throws(Failure) -> Element? {
        typealias Context = ChunkContext<Self, SearchState>
        let context = Context(base: self, output: SearchState())
        try withUnsafePointer(to: context) { (pointer) throws(Failure) in
            try ParallelLoop.run(count: count, workers: workers, chunking: chunking, context: pointer) {
                (range, raw) throws(Failure) -> Bool in
                let context = Context.at(raw)
                let base = context.base
                let state = context.output
                var index = base.index(base.startIndex, offsetBy: range.lowerBound)
                for offset in range {
                    if offset >= state.lowest.load(ordering: .relaxed) { break }
                    if try predicate(base[index]) {
                        state.lowest.min(offset, ordering: .relaxed)
                        break
                    }
                    base.formIndex(after: &index)
                }
                // Chunks after a match run no test (the check above), but chunks before it must run.
                return true
            }
        }
        let match = context.output.lowest.load(ordering: .relaxed)
        return match == .max ? nil : self[self.index(startIndex, offsetBy: match)]
    }
}

extension Collection where Self: Sendable, Element: Sendable {
    /// Returns whether any element satisfies `predicate`, testing on all usable cores.
    ///
    /// Copies the elements into an array first. See
    /// ``Swift/RandomAccessCollection/parallelContains(workers:chunking:where:)``.
    @inlinable @inline(__always)
    public func parallelContains<Failure: Error>(
        workers: Workers = .all,
        chunking: Chunking = .adaptive,
        where predicate: @Sendable (Element) throws(Failure) -> Bool
    ) throws(Failure) -> Bool {
        try ContiguousArray(self).parallelContains(workers: workers, chunking: chunking, where: predicate)
    }

    /// Returns the first element that satisfies `predicate`, testing on all usable cores.
    ///
    /// Copies the elements into an array first. See
    /// ``Swift/RandomAccessCollection/parallelFirst(workers:chunking:where:)``.
    @inlinable @inline(__always)
    public func parallelFirst<Failure: Error>(
        workers: Workers = .all,
        chunking: Chunking = .adaptive,
        where predicate: @Sendable (Element) throws(Failure) -> Bool
    ) throws(Failure) -> Element? {
        try ContiguousArray(self).parallelFirst(workers: workers, chunking: chunking, where: predicate)
    }
}
