extension Sequence where Element: Sendable {
    /// Returns the non-`nil` results of an async `transform`, in input order, running at most
    /// `workers` calls at once.
    ///
    /// ```swift
    /// let profiles = try await ids.concurrentCompactMap(workers: 16) { try await fetchProfile($0) }
    /// ```
    ///
    /// See ``concurrentMap(workers:_:)`` for concurrency, errors and cancellation.
    public func concurrentCompactMap<T: Sendable>(
        workers: Workers = .all,
        _ transform: @escaping @Sendable (Element) async throws -> T?
    ) async throws -> [T] {
        try await concurrentMap(workers: workers, transform).compactMap { $0 }
    }

    /// Returns the concatenated results of an async `transform`, in input order, running at
    /// most `workers` calls at once.
    ///
    /// ```swift
    /// let lines = try await files.concurrentFlatMap(workers: 4) { try await readLines($0) }
    /// ```
    ///
    /// See ``concurrentMap(workers:_:)`` for concurrency, errors and cancellation.
    public func concurrentFlatMap<Segment: Sequence & Sendable>(
        workers: Workers = .all,
        _ transform: @escaping @Sendable (Element) async throws -> Segment
    ) async throws -> [Segment.Element] {
        try await concurrentMap(workers: workers, transform).flatMap { $0 }
    }

    /// Returns the elements for which an async `isIncluded` returns `true`, in input order,
    /// running at most `workers` calls at once.
    ///
    /// ```swift
    /// let reachable = try await hosts.concurrentFilter(workers: 32) { await ping($0) }
    /// ```
    ///
    /// See ``concurrentMap(workers:_:)`` for concurrency, errors and cancellation.
    public func concurrentFilter(
        workers: Workers = .all,
        _ isIncluded: @escaping @Sendable (Element) async throws -> Bool
    ) async throws -> [Element] {
        try await concurrentMap(workers: workers) { element in
            try await isIncluded(element) ? element : nil
        }.compactMap { $0 }
    }

    /// Calls an async `body` on every element, running at most `workers` calls at once,
    /// and returns when every call has finished.
    ///
    /// ```swift
    /// try await uploads.concurrentForEach(workers: 4) { try await send($0) }
    /// ```
    ///
    /// See ``concurrentMap(workers:_:)`` for concurrency, errors and cancellation.
    public func concurrentForEach(
        workers: Workers = .all,
        _ body: @escaping @Sendable (Element) async throws -> Void
    ) async throws {
        _ = try await concurrentMap(workers: workers, body)
    }
}
