extension Collection where Self: Sendable {
    /// Returns the results of `transform` on every element, in order, computed on all usable cores.
    ///
    /// Parallel counterpart of `map`: the input is cut into chunks that the calling thread and
    /// the engine's worker threads claim; each result is written straight into its index of the
    /// output, so the order costs nothing. Inputs too small to gain from threads (judged by
    /// timing the first and last element) run as a plain loop. A collection without random
    /// access (a `Set`, a dictionary's values) is copied into a buffer first.
    ///
    /// ```swift
    /// let numbers = Array(0..<10_000_000)
    /// let squares = numbers.parallelMap { $0 * $0 }            // [0, 1, 4, 9, …]
    ///
    /// // Errors keep their type; no `try` is needed when `transform` cannot throw.
    /// let parsed: [Int] = try lines.parallelMap { (line) throws(ParseError) in try parse(line) }
    /// ```
    ///
    /// - Parameters:
    ///   - workers: how many threads take part, the caller included. `1` is a plain loop.
    ///   - chunking: how the input is cut; `.adaptive` unless measured otherwise.
    ///   - transform: called once per element, on several threads at once.
    /// - Returns: `transform`'s results in the order of the input.
    /// - Throws: the first error `transform` threw. It is rethrown after every running chunk
    ///   has stopped; chunks not started are skipped, and nothing runs after the call returns.
    /// - Complexity: O(*n*) work, O(*n* / workers) time for evenly priced elements.
    /// - Note: Blocks the calling thread until done. From async code on the cooperative pool,
    ///   prefer ``Swift/Sequence/concurrentMap(workers:_:)`` for awaiting work.
    @inlinable @inline(__always)
    public func parallelMap<T: Sendable, Failure: Error>(
        workers: Workers = .all, chunking: Chunking = .adaptive,
        _ transform: @Sendable (Element) throws(Failure) -> T
    ) throws(Failure) -> [T] {
        try parallelMap(workers: workers, chunking: chunking, tally: NoTally(), transform)
    }

    /// ``parallelMap(workers:chunking:_:)``, counting the elements done in `progress`.
    ///
    /// ```swift
    /// let counter = ProgressCounter()
    /// let squares = numbers.parallelMap(progress: counter) { $0 * $0 }   // counter.counts.finished
    /// ```
    ///
    /// - Parameters:
    ///   - workers: as in ``parallelMap(workers:chunking:_:)``.
    ///   - chunking: as in ``parallelMap(workers:chunking:_:)``.
    ///   - progress: where the elements done are counted, one report per chunk
    ///     (``ProgressSink``); `nil` counts nothing. An overload of its own, so that a call without
    ///     it carries no counting code: as a defaulted `nil`, it made a 100-Int map 0.1 µs slower.
    ///   - transform: as in ``parallelMap(workers:chunking:_:)``.
    @inlinable @inline(__always)
    public func parallelMap<T: Sendable, Failure: Error>(
        workers: Workers = .all, chunking: Chunking = .adaptive, progress: (any ProgressSink)?,
        _ transform: @Sendable (Element) throws(Failure) -> T
    ) throws(Failure) -> [T] {
        guard let progress else { return try parallelMap(workers: workers, chunking: chunking, tally: NoTally(), transform) }
        return try parallelMap(workers: workers, chunking: chunking, tally: ProgressTally(progress, total: count), transform)
    }

    /// The map of both overloads, counting into `tally`.
    @inlinable @inline(__always)
    func parallelMap<T: Sendable, Failure: Error, Tally: ChunkTally>(
        workers: Workers, chunking: Chunking, tally: Tally, _ transform: (Element) throws(Failure) -> T
    ) throws(Failure) -> [T] {
        let total = count
        var failure: Failure?
        let result = [T](unsafeUninitializedCapacity: total) { buffer, initializedCount in
            guard let output = buffer.baseAddress else { return }
            LargeBuffer.adviseHugePages(output, count: total)
            // Only an operation that can fail needs to know which chunks finished.
            let finished = Failure.self == Never.self ? nil : FinishedRanges()
            do throws(Failure) {
                try forEachChunk(
                    workers: workers, chunking: chunking, tally: tally, sharing: (buffer: output, finished: finished)
                ) {
                    (elements, output, range) throws(Failure) -> Bool in
                    var written = range.lowerBound
                    do throws(Failure) {
                        _ = try elements.forEach(atOffsets: range) { (offset, element) throws(Failure) -> Bool in
                            (output.buffer + offset).initialize(to: try transform(element))
                            written = offset + 1
                            return true
                        }
                    } catch {
                        (output.buffer + range.lowerBound).deinitialize(count: written - range.lowerBound)
                        throw error
                    }
                    output.finished?.add(range)
                    return true
                }
                initializedCount = total
            } catch {
                for range in finished?.all ?? [] {
                    (output + range.lowerBound).deinitialize(count: range.count)
                }
                initializedCount = 0
                failure = error
            }
        }
        if let failure { throw failure }
        return result
    }
}
