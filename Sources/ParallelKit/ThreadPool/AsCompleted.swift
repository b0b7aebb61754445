import Synchronization

/// The futures of `futures` as they finish: Python's `concurrent.futures.as_completed`.
///
/// Each future is yielded once, with its index in `futures`, as soon as it is done — failed,
/// cancelled or dropped futures included — so its `value` is ready at once (and throws for
/// those). Futures already done come first, in index order. Works for every ``Future``: from
/// ``ThreadPool/submit(_:)`` and from ``ProcessPool/submit(_:_:onSuccess:onFailure:)`` alike.
///
/// ```swift
/// let futures = try sleepTimes.map { seconds in try pool.submit { nap(seconds) } }
/// for await (index, future) in asCompleted(futures) {
///     print(sleepTimes[index], try await future.value)
/// }
/// ```
///
/// Python yields the future alone and callers keep a `{future: input}` dictionary to know which
/// one it was; here the index says it (as `enumerated()` would), and the future is there for
/// its `value`. Cancelling the task that iterates ends the sequence; the futures run on.
/// Iterating twice yields them all again.
public func asCompleted<Value, Failure>(_ futures: [Future<Value, Failure>]) -> AsCompleted<Value, Failure> {
    AsCompleted(futures: futures)
}

/// The sequence ``asCompleted(_:)`` returns.
public struct AsCompleted<Value: Sendable, Failure: Error>: AsyncSequence, Sendable {
    public typealias Element = (index: Int, future: Future<Value, Failure>)

    let futures: [Future<Value, Failure>]

    public func makeAsyncIterator() -> Iterator {
        let futures = self.futures
        let (indices, continuation) = AsyncStream<Int>.makeStream(bufferingPolicy: .unbounded)
        if futures.isEmpty { continuation.finish() }
        let remaining = Mutex(futures.count)
        for (index, future) in futures.enumerated() {
            future.onCompletion { _ in
                continuation.yield(index)
                if remaining.withLock({ count in
                    count -= 1
                    return count == 0
                }) {
                    continuation.finish()
                }
            }
        }
        return Iterator(futures: futures, indices: indices.makeAsyncIterator())
    }

    /// Yields the next future to finish; `nil` when all have, or the iterating task was cancelled.
    public struct Iterator: AsyncIteratorProtocol {
        let futures: [Future<Value, Failure>]
        var indices: AsyncStream<Int>.Iterator

        public mutating func next() async -> Element? {
            guard let index = await indices.next() else { return nil }
            return (index, futures[index])
        }
    }
}
