extension ThreadPool {
    /// Runs `work` on every element of `input` on the pool's threads and returns the results in
    /// input order — Python's `list(executor.map(f, xs))`.
    ///
    /// At most 2 × ``workerCount`` elements are submitted and not yet collected at a time, so
    /// a long input does not fill the queue.
    ///
    /// ```swift
    /// let io = ThreadPool(workers: 16)
    /// let sizes = try await io.map(paths) { try fileSize(atPath: $0) }
    /// ```
    ///
    /// - Returns: `work`'s results in the order of the input.
    /// - Throws: ``FutureError/failed(_:)`` with the error of the first element, in input order,
    ///   whose `work` threw — the error a serial loop would throw; ``FutureError/poolClosed`` when
    ///   the pool is closed or terminated before every element ran; ``FutureError/cancelled``
    ///   when the calling task is cancelled. Then elements not started are skipped, and the call
    ///   returns once the running ones have finished: nothing runs after it returns.
    @inlinable
    public nonisolated(nonsending) func map<Input: Sequence, Value: Sendable, Failure: Error>(
        _ input: Input,
        _ work: @escaping @Sendable (Input.Element) throws(Failure) -> Value
    ) async throws(FutureError<Failure>) -> [Value] where Input.Element: Sendable {
        let window = self.window(SequenceInput(base: input.makeIterator()), nil, inCompletionOrder: false, work)
        var results: [Value] = []
        results.reserveCapacity(input.underestimatedCount)
        do {
            while let (_, value) = try await window.nextInOrder() { results.append(value) }
        } catch {
            await window.drain()
            throw error
        }
        if window.endedByCancellation {
            await window.drain()
            throw .cancelled
        }
        return results
    }

    /// Runs `work` on every element of `input` on the pool's threads and streams the results
    /// in input order — Python's `executor.map` with a `buffersize`, or `Pool.imap`.
    ///
    /// The input is read lazily: at most `maxBuffered` elements are submitted and not yet taken
    /// by the loop, so an endless input runs in constant memory and a slow loop slows the
    /// reading. Leaving the loop early cancels everything not started yet.
    ///
    /// ```swift
    /// let io = ThreadPool(workers: 16)
    /// for try await checksum in io.stream(paths, maxBuffered: 32, { try sha256(ofFileAt: $0) }) {
    ///     print(checksum)
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - input: any sequence; read on the consuming task, one element at a time.
    ///   - maxBuffered: the most results submitted but not yet taken; default 2 × ``workerCount``.
    ///   - work: run once per element on a pool thread; may block.
    /// - Returns: an async sequence of `work`'s results in input order. It throws
    ///   ``FutureError/failed(_:)`` with the first error (in input order) and ends; or
    ///   ``FutureError/poolClosed`` if the pool stops accepting work. A cancelled consuming
    ///   task ends it early.
    @inlinable
    public func stream<Input: Sequence, Value: Sendable, Failure: Error>(
        _ input: Input, maxBuffered: Int? = nil, _ work: @escaping @Sendable (Input.Element) throws(Failure) -> Value
    ) -> some AsyncSequence<Value, FutureError<Failure>> where Input.Element: Sendable {
        results(ValuesInOrder.self, maxBuffered, work) { SequenceInput(base: input.makeIterator()) }
    }

    /// Like ``stream(_:maxBuffered:_:)-6zd5f`` (over a `Sequence`), for an `AsyncSequence` input
    /// that cannot fail, such as an `AsyncStream`.
    @inlinable
    public func stream<Input: AsyncSequence, Value: Sendable, Failure: Error>(
        _ input: Input, maxBuffered: Int? = nil, _ work: @escaping @Sendable (Input.Element) throws(Failure) -> Value
    ) -> some AsyncSequence<Value, FutureError<Failure>> where Input.Element: Sendable, Input.Failure == Never {
        results(ValuesInOrder.self, maxBuffered, work) { AsyncSequenceInput(base: input.makeAsyncIterator()) }
    }

    /// Runs `work` on every element of `input` and streams each result as soon as it is ready,
    /// with the index of its element — Python's `as_completed` or `Pool.imap_unordered`.
    ///
    /// ```swift
    /// for try await (index, page) in io.streamUnordered(urls, download) {
    ///     print("url \(index) done first-come: \(page.count) bytes")
    /// }
    /// ```
    ///
    /// Input is read lazily with at most `maxBuffered` results outstanding, as in
    /// ``stream(_:maxBuffered:_:)-6zd5f``.
    @inlinable
    public func streamUnordered<Input: Sequence, Value: Sendable, Failure: Error>(
        _ input: Input, maxBuffered: Int? = nil, _ work: @escaping @Sendable (Input.Element) throws(Failure) -> Value
    ) -> some AsyncSequence<(index: Int, value: Value), FutureError<Failure>> where Input.Element: Sendable {
        results(ValuesAsCompleted.self, maxBuffered, work) { SequenceInput(base: input.makeIterator()) }
    }

    /// Like ``streamUnordered(_:maxBuffered:_:)-3528n`` (over a `Sequence`), for an
    /// `AsyncSequence` input that cannot fail.
    @inlinable
    public func streamUnordered<Input: AsyncSequence, Value: Sendable, Failure: Error>(
        _ input: Input, maxBuffered: Int? = nil, _ work: @escaping @Sendable (Input.Element) throws(Failure) -> Value
    ) -> some AsyncSequence<(index: Int, value: Value), FutureError<Failure>>
    where Input.Element: Sendable, Input.Failure == Never {
        results(ValuesAsCompleted.self, maxBuffered, work) { AsyncSequenceInput(base: input.makeAsyncIterator()) }
    }
}

extension ThreadPool {
    /// A stream of `work` over the input `makeSource` starts when iteration does, delivered as
    /// `Shape` says.
    @inlinable
    func results<Source: InputSource, Shape: StreamShape>(
        _ shape: Shape.Type, _ maxBuffered: Int?,
        _ work: @escaping @Sendable (Source.Element) throws(Shape.WindowFailure) -> Shape.Output,
        _ makeSource: @escaping () -> Source
    ) -> ResultStream<Source, Shape> where Source.Element: Sendable {
        ResultStream { [self] ordering in window(makeSource(), maxBuffered, inCompletionOrder: ordering, work) }
    }

    /// The window behind one stream or map: `work` on this pool over `source`, at most
    /// `maxBuffered` (default 2 × workers) submitted and not yet taken.
    @inlinable
    func window<Source: InputSource, Value: Sendable, Failure: Error>(
        _ source: Source, _ maxBuffered: Int?, inCompletionOrder: Bool,
        _ work: @escaping @Sendable (Source.Element) throws(Failure) -> Value
    ) -> ResultWindow<Source, Value, Failure> where Source.Element: Sendable {
        let limit = maxBuffered ?? 2 * workerCount
        return ResultWindow(limit: limit, maxEntries: limit, input: source, inCompletionOrder: inCompletionOrder) {
            [self] element, _ in try? submit { () throws(Failure) -> Value in try work(element) }
        }
    }
}
