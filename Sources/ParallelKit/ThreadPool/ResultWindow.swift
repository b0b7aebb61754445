import DequeModule
import Synchronization

/// The moving window behind every result stream (``ThreadPool/stream(_:maxBuffered:_:)-(Sequence,_,_)``,
/// ``ProcessPool/stream(_:_:chunking:maxBuffered:)`` and their unordered forms) and behind
/// ``ThreadPool/map(_:_:)``: it pulls input lazily, keeps at most `limit` inputs submitted and
/// not yet taken (and at most `maxEntries` futures), and hands results out in input or
/// completion order.
///
/// The consumer drives it: a new element of the input is read and submitted only when an
/// earlier result is taken, so a slow consumer slows the producer and an endless input runs in
/// constant memory. When the window is dropped (the loop ended early), every future not yet
/// started is cancelled. An entry is one input on a thread pool and one batch of inputs on a
/// process pool; `index` is always the input index of its first input.
@usableFromInline
final class ResultWindow<Source: InputSource, Value: Sendable, Failure: Error> where Source.Element: Sendable {
    @usableFromInline typealias Input = Source.Element
    @usableFromInline typealias Outcome = Future<Value, Failure>.Outcome
    @usableFromInline typealias Entry = (index: Int, count: Int, future: Future<Value, Failure>)

    /// The most inputs submitted and not yet taken.
    @usableFromInline let limit: Int
    /// The most entries (futures) in flight.
    @usableFromInline let maxEntries: Int
    /// Starts the work for one input, whose first input index is given; `nil` when the pool no
    /// longer accepts work.
    @usableFromInline let submit: (Input, Int) -> Future<Value, Failure>?
    @usableFromInline var input: Source?
    @usableFromInline var nextIndex = 0
    /// Inputs in the entries of `inFlight`.
    @usableFromInline var buffered = 0
    @usableFromInline var inFlight = Deque<Entry>()
    /// Completions in the order they happen; only the unordered streams need them.
    @usableFromInline let completed: CompletionInbox<(index: Int, outcome: Outcome)>?
    /// Futures in flight when the window stopped, for ``drain()``.
    @usableFromInline var stopped: [Future<Value, Failure>] = []
    @usableFromInline var finished = false
    /// Whether the window stopped because the consuming task was cancelled.
    @usableFromInline var endedByCancellation = false

    @inlinable
    init(
        limit: Int, maxEntries: Int, input: Source, inCompletionOrder: Bool,
        submit: @escaping (Input, Int) -> Future<Value, Failure>?
    ) {
        precondition(limit >= 1, "maxBuffered: \(limit): the bound must be 1 or more")
        completed = inCompletionOrder ? CompletionInbox() : nil
        self.limit = limit
        self.maxEntries = maxEntries
        self.input = input
        self.submit = submit
    }

    @inlinable
    deinit {
        for entry in inFlight { entry.future.cancel() }
    }

    /// The next result in the window's order with the input index of its first input, or `nil`
    /// at the end.
    @inlinable
    func next(isolation: isolated (any Actor)? = #isolation) async throws(FutureError<Failure>) -> (index: Int, value: Value)? {
        if completed == nil { return try await nextInOrder(isolation: isolation) }
        return try await nextCompleted(isolation: isolation)
    }

    /// The next result in input order, or `nil` at the end.
    @inlinable
    func nextInOrder(isolation: isolated (any Actor)? = #isolation) async throws(FutureError<Failure>) -> (index: Int, value: Value)? {
        try await fill()
        guard let head = inFlight.popFirst() else { return nil }
        buffered -= head.count
        do {
            return (head.index, try await head.future.value)
        } catch {
            stop()
            throw error
        }
    }

    /// The next result to finish, with its input index, or `nil` at the end.
    @inlinable
    func nextCompleted(
        isolation: isolated (any Actor)? = #isolation
    ) async throws(FutureError<Failure>) -> (index: Int, value: Value)? {
        try await fill()
        guard !inFlight.isEmpty else { return nil }
        guard let completed else { preconditionFailure("an ordered window has no completion inbox") }
        let (index, outcome) = await completed.next()
        if let position = inFlight.firstIndex(where: { $0.index == index }) {
            buffered -= inFlight.remove(at: position).count
        }
        switch outcome {
        case .success(let value): return (index, value)
        case .failure(let error):
            stop()
            throw error
        }
    }

    /// Submits input until `limit` inputs or `maxEntries` futures are in flight, or the input ends.
    @inlinable
    func fill(isolation: isolated (any Actor)? = #isolation) async throws(FutureError<Failure>) {
        guard !finished else { return }
        if Task.isCancelled {
            endedByCancellation = true
            stop()
            return
        }
        while inFlight.count < maxEntries, buffered < limit,
            let element = await input?.next(upTo: limit - buffered, isolation: isolation)
        {
            let index = nextIndex
            guard let future = submit(element, index) else {
                stop()
                throw .poolClosed
            }
            let count = Source.count(of: element)
            nextIndex += count
            buffered += count
            if let completed { future.onCompletion { completed.push((index, $0)) } }
            inFlight.append((index, count, future))
        }
    }

    /// Ends the stream: no more input is read and work not started is cancelled.
    @inlinable
    func stop() {
        finished = true
        input = nil
        for entry in inFlight {
            entry.future.cancel()
            stopped.append(entry.future)
        }
        inFlight.removeAll()
        buffered = 0
    }

    /// Waits until the work that was running when the window stopped has finished (cancelled
    /// work finishes at once), so that nothing runs after an eager call returns.
    @inlinable
    func drain(isolation: isolated (any Actor)? = #isolation) async {
        for future in stopped { _ = try? await future.value }
        stopped.removeAll()
    }
}

/// The input of a result stream: a synchronous or an asynchronous sequence's iterator, or
/// batches cut from one.
@usableFromInline
protocol InputSource {
    associatedtype Element
    /// The next element; a source of batches makes it hold at most `limit` inputs.
    mutating func next(upTo limit: Int, isolation: isolated (any Actor)?) async -> Element?
    /// How many inputs `element` holds.
    static func count(of element: Element) -> Int
}

extension InputSource {
    /// One: an element is one input.
    @inlinable
    static func count(of element: Element) -> Int { 1 }
}

/// A `Sequence`'s iterator as an ``InputSource``.
@usableFromInline
struct SequenceInput<Base: IteratorProtocol>: InputSource {
    @usableFromInline var base: Base
    @inlinable init(base: Base) { self.base = base }
    @inlinable mutating func next(upTo limit: Int, isolation: isolated (any Actor)?) async -> Base.Element? { base.next() }
}

/// An `AsyncSequence`'s iterator (one that cannot fail) as an ``InputSource``.
@usableFromInline
struct AsyncSequenceInput<Base: AsyncIteratorProtocol>: InputSource where Base.Failure == Never {
    @usableFromInline var base: Base
    @inlinable init(base: Base) { self.base = base }
    @inlinable mutating func next(upTo limit: Int, isolation: isolated (any Actor)?) async -> Base.Element? {
        await base.next(isolation: isolation)
    }
}

/// Values pushed from any thread and awaited, in push order, by one consumer.
@usableFromInline
final class CompletionInbox<Element: Sendable>: Sendable {
    @usableFromInline
    struct State {
        @usableFromInline var ready = Deque<Element>()
        @usableFromInline var waiter: CheckedContinuation<Element, Never>?
        @inlinable init() {}
    }

    @usableFromInline let state = Mutex(State())

    @inlinable init() {}

    @inlinable
    func push(_ element: Element) {
        let waiter: CheckedContinuation<Element, Never>? = state.withLock { state in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.ready.append(element)
            return nil
        }
        waiter?.resume(returning: element)
    }

    @inlinable
    nonisolated(nonsending) func next() async -> Element {
        await withCheckedContinuation { continuation in
            let ready: Element? = state.withLock { state in
                if let first = state.ready.popFirst() { return first }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
