import DequeModule
import Synchronization

/// The moving window behind a result stream (``ThreadPool/map(_:maxInFlight:_:)-(Sequence,_,_)``,
/// ``ProcessPool/imap(_:_:chunkSize:maxInFlight:)``): it pulls input lazily, keeps at most
/// `limit` futures in flight, and hands results out in input or completion order.
///
/// The consumer drives it: a new element of the input is read and submitted only when an
/// earlier result is taken, so a slow consumer slows the producer and an endless input runs in
/// constant memory. When the window is dropped (the loop ended early), every future not yet
/// started is cancelled.
@usableFromInline
final class ResultWindow<Source: InputSource, Value: Sendable, Failure: Error> where Source.Element: Sendable {
    @usableFromInline typealias Input = Source.Element
    @usableFromInline typealias Outcome = Future<Value, Failure>.Outcome

    @usableFromInline let limit: Int
    /// Starts the work for one input; `nil` when the pool no longer accepts work.
    @usableFromInline let submit: (Input) -> Future<Value, Failure>?
    @usableFromInline var input: Source?
    @usableFromInline var nextIndex = 0
    @usableFromInline var inFlight = Deque<(index: Int, future: Future<Value, Failure>)>()
    /// Completions in the order they happen; only the unordered stream needs them.
    @usableFromInline let completed: CompletionInbox<(index: Int, outcome: Outcome)>?
    @usableFromInline var finished = false

    @inlinable
    init(
        limit: Int, input: Source, inCompletionOrder: Bool,
        submit: @escaping (Input) -> Future<Value, Failure>?
    ) {
        completed = inCompletionOrder ? CompletionInbox() : nil
        precondition(limit >= 1, "maxInFlight: \(limit): the bound must be 1 or more")
        self.limit = limit
        self.input = input
        self.submit = submit
    }

    @inlinable
    deinit {
        for entry in inFlight { entry.future.cancel() }
    }

    /// The next result in input order, or `nil` at the end.
    @inlinable
    func nextInOrder(isolation: isolated (any Actor)? = #isolation) async throws(FutureError<Failure>) -> Value? {
        try await fill()
        guard let head = inFlight.popFirst() else { return nil }
        do {
            return try await head.future.value
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
        inFlight.removeAll { $0.index == index }
        switch outcome {
        case .success(let value): return (index, value)
        case .failure(let error):
            stop()
            throw error
        }
    }

    /// Submits input until `limit` futures are in flight or the input ends.
    @inlinable
    func fill(isolation: isolated (any Actor)? = #isolation) async throws(FutureError<Failure>) {
        guard !finished else { return }
        if Task.isCancelled {
            stop()
            return
        }
        while inFlight.count < limit, let element = await input?.next(isolation: isolation) {
            guard let future = submit(element) else {
                stop()
                throw .poolShutDown
            }
            let index = nextIndex
            nextIndex += 1
            if let completed { future.onCompletion { completed.push((index, $0)) } }
            inFlight.append((index, future))
        }
    }

    /// Ends the stream: no more input is read and work not started is cancelled.
    @inlinable
    func stop() {
        finished = true
        input = nil
        for entry in inFlight { entry.future.cancel() }
        inFlight.removeAll()
    }
}

/// The input of a result stream: a synchronous or an asynchronous sequence's iterator.
@usableFromInline
protocol InputSource {
    associatedtype Element
    mutating func next(isolation: isolated (any Actor)?) async -> Element?
}

/// A `Sequence`'s iterator as an ``InputSource``.
@usableFromInline
struct SequenceInput<Base: IteratorProtocol>: InputSource {
    @usableFromInline var base: Base
    @inlinable init(base: Base) { self.base = base }
    @inlinable mutating func next(isolation: isolated (any Actor)?) async -> Base.Element? { base.next() }
}

/// An `AsyncSequence`'s iterator (one that cannot fail) as an ``InputSource``.
@usableFromInline
struct AsyncSequenceInput<Base: AsyncIteratorProtocol>: InputSource where Base.Failure == Never {
    @usableFromInline var base: Base
    @inlinable init(base: Base) { self.base = base }
    @inlinable mutating func next(isolation: isolated (any Actor)?) async -> Base.Element? {
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
