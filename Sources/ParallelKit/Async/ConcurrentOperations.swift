extension Sequence where Element: Sendable {
    /// Returns the non-`nil` results of an async `transform`, in input order, running at most
    /// `maxConcurrency` calls at once.
    ///
    /// ```swift
    /// let profiles = try await ids.concurrentCompactMap(maxConcurrency: 16) { try await fetchProfile($0) }
    /// ```
    ///
    /// See ``concurrentMap(maxConcurrency:_:)`` for concurrency, errors and cancellation.
    public func concurrentCompactMap<T: Sendable>(
        maxConcurrency: Int = Workers.all.count,
        _ transform: @escaping @Sendable (Element) async throws -> T?
    ) async throws -> [T] {
        try await concurrentMap(maxConcurrency: maxConcurrency, transform).compactMap { $0 }
    }

    /// Returns the concatenated results of an async `transform`, in input order, running at
    /// most `maxConcurrency` calls at once.
    ///
    /// ```swift
    /// let lines = try await files.concurrentFlatMap(maxConcurrency: 4) { try await readLines($0) }
    /// ```
    ///
    /// See ``concurrentMap(maxConcurrency:_:)`` for concurrency, errors and cancellation.
    public func concurrentFlatMap<Segment: Sequence & Sendable>(
        maxConcurrency: Int = Workers.all.count,
        _ transform: @escaping @Sendable (Element) async throws -> Segment
    ) async throws -> [Segment.Element] {
        try await concurrentMap(maxConcurrency: maxConcurrency, transform).flatMap { $0 }
    }

    /// Returns the elements for which an async `isIncluded` returns `true`, in input order,
    /// running at most `maxConcurrency` calls at once.
    ///
    /// ```swift
    /// let reachable = try await hosts.concurrentFilter(maxConcurrency: 32) { await ping($0) }
    /// ```
    ///
    /// See ``concurrentMap(maxConcurrency:_:)`` for concurrency, errors and cancellation.
    public func concurrentFilter(
        maxConcurrency: Int = Workers.all.count,
        _ isIncluded: @escaping @Sendable (Element) async throws -> Bool
    ) async throws -> [Element] {
        try await concurrentMap(maxConcurrency: maxConcurrency) { element in
            try await isIncluded(element) ? element : nil
        }.compactMap { $0 }
    }

    /// Calls an async `body` on every element, running at most `maxConcurrency` calls at once,
    /// and returns when every call has finished.
    ///
    /// ```swift
    /// try await uploads.concurrentForEach(maxConcurrency: 4) { try await send($0) }
    /// ```
    ///
    /// See ``concurrentMap(maxConcurrency:_:)`` for concurrency, errors and cancellation.
    public func concurrentForEach(
        maxConcurrency: Int = Workers.all.count,
        _ body: @escaping @Sendable (Element) async throws -> Void
    ) async throws {
        _ = try await concurrentMap(maxConcurrency: maxConcurrency, body)
    }
}
