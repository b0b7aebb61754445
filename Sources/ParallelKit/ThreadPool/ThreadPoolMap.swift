extension ThreadPool {
    /// Runs `work` on every element of `input` on the pool's threads and streams the results
    /// in input order — Python's `executor.map` with a `buffersize`, or `Pool.imap`.
    ///
    /// The input is read lazily: at most `maxInFlight` elements are submitted and not yet taken
    /// by the loop, so an endless input runs in constant memory and a slow loop slows the
    /// reading. Leaving the loop early cancels everything not started yet.
    ///
    /// ```swift
    /// let io = ThreadPool(threads: 16)
    /// for try await checksum in io.map(paths, maxInFlight: 32, { try sha256(ofFileAt: $0) }) {
    ///     print(checksum)
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - input: any sequence; read on the consuming task, one element at a time.
    ///   - maxInFlight: the most results submitted but not yet taken; default 2 × threads.
    ///   - work: run once per element on a pool thread; may block.
    /// - Returns: an async sequence of `work`'s results in input order. It throws
    ///   ``FutureError/failed(_:)`` with the first error (in input order) and ends; or
    ///   ``FutureError/poolShutDown`` if the pool stops accepting work. A cancelled consuming
    ///   task ends it early.
    @inlinable
    public func map<Input: Sequence, Value: Sendable, Failure: Error>(
        _ input: Input,
        maxInFlight: Int? = nil,
        _ work: @escaping @Sendable (Input.Element) throws(Failure) -> Value
    ) -> some AsyncSequence<Value, FutureError<Failure>> where Input.Element: Sendable {
        OrderedResults { [self] in window(SequenceInput(base: input.makeIterator()), maxInFlight, inCompletionOrder: false, work) }
    }

    /// Like ``map(_:maxInFlight:_:)-(Sequence,_,_)`` for an `AsyncSequence` input that cannot fail,
    /// such as an `AsyncStream`.
    @inlinable
    public func map<Input: AsyncSequence, Value: Sendable, Failure: Error>(
        _ input: Input,
        maxInFlight: Int? = nil,
        _ work: @escaping @Sendable (Input.Element) throws(Failure) -> Value
    ) -> some AsyncSequence<Value, FutureError<Failure>> where Input.Element: Sendable, Input.Failure == Never {
        OrderedResults { [self] in
            window(AsyncSequenceInput(base: input.makeAsyncIterator()), maxInFlight, inCompletionOrder: false, work)
        }
    }

    /// Runs `work` on every element of `input` and streams each result as soon as it is ready,
    /// with the index of its element — Python's `as_completed` or `Pool.imap_unordered`.
    ///
    /// ```swift
    /// for try await (index, page) in io.mapUnordered(urls, download) {
    ///     print("url \(index) done first-come: \(page.count) bytes")
    /// }
    /// ```
    ///
    /// Input is read lazily with at most `maxInFlight` results outstanding, as in
    /// ``map(_:maxInFlight:_:)-(Sequence,_,_)``.
    @inlinable
    public func mapUnordered<Input: Sequence, Value: Sendable, Failure: Error>(
        _ input: Input,
        maxInFlight: Int? = nil,
        _ work: @escaping @Sendable (Input.Element) throws(Failure) -> Value
    ) -> some AsyncSequence<(index: Int, value: Value), FutureError<Failure>> where Input.Element: Sendable {
        UnorderedResults { [self] in window(SequenceInput(base: input.makeIterator()), maxInFlight, inCompletionOrder: true, work) }
    }

    /// Like ``mapUnordered(_:maxInFlight:_:)-(Sequence,_,_)`` for an `AsyncSequence` input that
    /// cannot fail.
    @inlinable
    public func mapUnordered<Input: AsyncSequence, Value: Sendable, Failure: Error>(
        _ input: Input,
        maxInFlight: Int? = nil,
        _ work: @escaping @Sendable (Input.Element) throws(Failure) -> Value
    ) -> some AsyncSequence<(index: Int, value: Value), FutureError<Failure>>
    where Input.Element: Sendable, Input.Failure == Never {
        UnorderedResults { [self] in
            window(AsyncSequenceInput(base: input.makeAsyncIterator()), maxInFlight, inCompletionOrder: true, work)
        }
    }
}

extension ThreadPool {
    /// The window behind one stream: `work` on this pool over `source`, `maxInFlight` (default
    /// 2 × threads) submitted and not yet taken.
    @inlinable
    func window<Source: InputSource, Value: Sendable, Failure: Error>(
        _ source: Source, _ maxInFlight: Int?, inCompletionOrder: Bool,
        _ work: @escaping @Sendable (Source.Element) throws(Failure) -> Value
    ) -> ResultWindow<Source, Value, Failure> where Source.Element: Sendable {
        ResultWindow(limit: maxInFlight ?? 2 * threadCount, input: source, inCompletionOrder: inCompletionOrder) {
            [self] element in try? submit { () throws(Failure) -> Value in try work(element) }
        }
    }
}

/// Results in input order.
@usableFromInline
struct OrderedResults<Source: InputSource, Value: Sendable, Failure: Error>: AsyncSequence
where Source.Element: Sendable {
    @usableFromInline typealias Element = Value
    @usableFromInline let makeWindow: () -> ResultWindow<Source, Value, Failure>

    @usableFromInline
    struct AsyncIterator: AsyncIteratorProtocol {
        @usableFromInline let window: ResultWindow<Source, Value, Failure>

        @inlinable init(window: ResultWindow<Source, Value, Failure>) { self.window = window }

        @inlinable mutating func next() async throws(FutureError<Failure>) -> Value? {
            try await window.nextInOrder()
        }

        @inlinable mutating func next(isolation actor: isolated (any Actor)?) async throws(FutureError<Failure>) -> Value? {
            try await window.nextInOrder(isolation: actor)
        }
    }

    @inlinable init(makeWindow: @escaping () -> ResultWindow<Source, Value, Failure>) { self.makeWindow = makeWindow }

    @inlinable func makeAsyncIterator() -> AsyncIterator { AsyncIterator(window: makeWindow()) }
}

/// Results in completion order, with their input index.
@usableFromInline
struct UnorderedResults<Source: InputSource, Value: Sendable, Failure: Error>: AsyncSequence
where Source.Element: Sendable {
    @usableFromInline typealias Element = (index: Int, value: Value)
    @usableFromInline let makeWindow: () -> ResultWindow<Source, Value, Failure>

    @usableFromInline
    struct AsyncIterator: AsyncIteratorProtocol {
        @usableFromInline let window: ResultWindow<Source, Value, Failure>

        @inlinable init(window: ResultWindow<Source, Value, Failure>) { self.window = window }

        @inlinable mutating func next() async throws(FutureError<Failure>) -> (index: Int, value: Value)? {
            try await window.nextCompleted()
        }

        @inlinable mutating func next(
            isolation actor: isolated (any Actor)?
        ) async throws(FutureError<Failure>) -> (index: Int, value: Value)? {
            try await window.nextCompleted(isolation: actor)
        }
    }

    @inlinable init(makeWindow: @escaping () -> ResultWindow<Source, Value, Failure>) { self.makeWindow = makeWindow }

    @inlinable func makeAsyncIterator() -> AsyncIterator { AsyncIterator(window: makeWindow()) }
}
