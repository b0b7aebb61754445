extension Sequence where Element: Sendable {
    /// Returns the results of an async `transform` on every element, in input order, running
    /// at most `workers` calls at once as child tasks.
    ///
    /// The async counterpart of ``Swift/Collection/parallelMap(workers:chunking:progress:_:)``
    /// for work that awaits (network calls, async file I/O, `ThreadPool` futures): it never
    /// blocks a thread of the cooperative pool, and never has more than `workers` elements in
    /// flight — the rest of the sequence is read only as calls finish.
    ///
    /// ```swift
    /// let pages = try await urls.concurrentMap(workers: 8) { url in
    ///     try await download(url)
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - workers: the most calls running at once; `.all`, the default, is the usable cores.
    ///   - transform: an async function called once per element, concurrently.
    /// - Returns: `transform`'s results in the order of the input.
    /// - Throws: the first error `transform` threw, or `CancellationError` when the calling task
    ///   is cancelled. Either way the calls still running are cancelled and awaited before the
    ///   error is thrown: nothing runs after the call returns.
    /// - Complexity: at most `workers` elements in flight; results are kept in order.
    public func concurrentMap<T: Sendable>(
        workers: Workers = .all,
        _ transform: @escaping @Sendable (Element) async throws -> T
    ) async throws -> [T] {
        let maxConcurrency = workers.count
        return try await withThrowingTaskGroup(of: (Int, T).self) { group in
            var elements = makeIterator()
            var results: [T?] = []
            var running = 0
            func startNext(in group: inout ThrowingTaskGroup<(Int, T), any Error>) throws -> Bool {
                try Task.checkCancellation()
                guard let element = elements.next() else { return false }
                let index = results.count
                results.append(nil)
                group.addTask { (index, try await transform(element)) }
                return true
            }
            while running < maxConcurrency, try startNext(in: &group) { running += 1 }
            while let (index, value) = try await group.next() {
                results[index] = value
                if try !startNext(in: &group) { running -= 1 }
            }
            try Task.checkCancellation()
            return results.map { $0! }
        }
    }
}
