import Synchronization

/// The results of ``Parallel/stream(_:maxBuffered:_:)`` and its relatives, whichever backend
/// runs them: an `AsyncSequence` that throws ``BackendError``.
///
/// Nothing starts until iteration does. Leaving the loop early stops reading the inputs and
/// drops the work not started; worker processes made for the stream are shut down when it
/// ends, and terminated when the loop is left early.
///
/// ```swift
/// for try await size in Parallel(backend: .threadPool).stream(paths, maxBuffered: 32, fileSize) {
///     print(size)
/// }
/// ```
public struct ParallelStream<Element>: AsyncSequence {
    public typealias Failure = BackendError
    typealias Next = () async throws(BackendError) -> Element?

    /// Makes the function that yields the next element, once per iteration.
    let makeNext: () -> Next

    /// Takes the stream's elements, one call at a time; after `nil` or a thrown error the stream
    /// has ended.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let nextElement: Next

        /// The next result, `nil` at the end; throws the first ``BackendError``.
        public mutating func next() async throws(BackendError) -> Element? { try await nextElement() }

        /// The next result, as ``next()``.
        public mutating func next(isolation actor: isolated (any Actor)?) async throws(BackendError) -> Element? {
            try await nextElement()
        }
    }

    /// Starts the work: each iteration runs the inputs again.
    /// Starts the work: each iteration runs the inputs anew.
    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(nextElement: makeNext()) }

    /// The same stream, each element transformed by `transform` (which cannot fail).
    func mapped<Other>(_ transform: @escaping (Element) -> Other) -> ParallelStream<Other> {
        ParallelStream<Other> { [makeNext] in
            let next = makeNext()
            return { () async throws(BackendError) -> Other? in try await next().map(transform) }
        }
    }
}

/// A stream's side of progress: items are counted as they reach the loop, so the counts are
/// right whatever the backend and whether or not the input's length is known. When the stream
/// ends — at its end, on an error, or when the loop is left — the items of a known total that
/// never reached it are skipped, and a bar made for the stream is finished: at once for an end
/// or an error, when the iterator is released for a loop left early.
final class StreamProgress: Sendable {
    private let tally: ProgressTally?
    private let bar: ProgressBar?
    private let ended = Atomic(false)

    init(_ reporting: Parallel.ProgressReporting?, total: Int?) {
        switch reporting {
        case nil: (tally, bar) = (nil, nil)
        case .sink(let sink): (tally, bar) = (ProgressTally(sink, total: total), nil)
        case .bar:
            let bar = ProgressBar(style: [.bar, .eta], total: total)
            (tally, self.bar) = (ProgressTally(bar, total: total), bar)
        }
    }

    deinit { end() }

    /// Reports the skipped items and finishes the bar (saying so when the stream `failed`), once.
    func end(failed: Bool = false) {
        guard !ended.exchange(true, ordering: .acquiringAndReleasing) else { return }
        tally?.close()
        bar?.finish(failed: failed)
    }

    /// Counts one item that reached the loop.
    func delivered() {
        tally?.started()
        tally?.finished()
    }

    /// Counts the failure that ended the stream: one failed item, unless it was cancelled.
    func failed(_ error: BackendError) {
        guard error.code != .cancelled, error.code != .closed else { return }
        tally?.started()
        tally?.failed()
    }

    /// Wraps `next` so that every element and the error that ends it are counted.
    func counting<Element>(_ next: @escaping ParallelStream<Element>.Next) -> ParallelStream<Element>.Next {
        { () async throws(BackendError) -> Element? in
            do throws(BackendError) {
                guard let element = try await next() else {
                    self.end()
                    return nil
                }
                self.delivered()
                return element
            } catch {
                self.failed(error)
                self.end(failed: error.code != .cancelled && error.code != .closed)
                throw error
            }
        }
    }
}
