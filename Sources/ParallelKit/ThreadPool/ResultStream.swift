/// How a result stream turns what its ``ResultWindow`` yields into the elements it delivers:
/// in which order, how one finished entry unpacks, and which error the stream throws.
///
/// Four shapes exist: one result per entry in input or completion order (``ThreadPool``'s
/// streams) and one batch of outputs per entry in either order (``ProcessPool``'s).
@usableFromInline
protocol StreamShape {
    /// What one future of the window holds: a value, or a batch's outputs.
    associatedtype Output: Sendable
    /// The error of the window's futures.
    associatedtype WindowFailure: Error
    associatedtype Element
    associatedtype Failure: Error

    /// Whether results come in completion order (each with its input index), not input order.
    static var inCompletionOrder: Bool { get }
    /// The elements of an entry whose first input has index `firstIndex`.
    static func unpack(_ output: Output, firstIndex: Int) -> Unpacked<Element>
    /// The stream's error for a window's error.
    static func failure(_ error: FutureError<WindowFailure>) -> Failure
}

/// The elements of one finished entry of a result stream.
@usableFromInline
enum Unpacked<Element> {
    /// An entry of one input.
    case one(Element)
    /// A batch's outputs, in input order.
    case many([Element])
}

/// A lazy stream of results over one ``ResultWindow``: every stream of both pools.
@usableFromInline
struct ResultStream<Source: InputSource, Shape: StreamShape>: AsyncSequence where Source.Element: Sendable {
    @usableFromInline typealias Element = Shape.Element
    @usableFromInline typealias Window = ResultWindow<Source, Shape.Output, Shape.WindowFailure>
    /// Makes the window when iteration starts; the argument says whether in completion order.
    @usableFromInline let makeWindow: (_ inCompletionOrder: Bool) -> Window

    @inlinable init(makeWindow: @escaping (_ inCompletionOrder: Bool) -> Window) { self.makeWindow = makeWindow }

    @usableFromInline
    struct AsyncIterator: AsyncIteratorProtocol {
        @usableFromInline let window: Window
        /// The last batch unpacked, and the position of its next element: an array, so that a
        /// process pool's stream (generic code, not specialized for its task) takes each element
        /// without going through an iterator of unknown type.
        @usableFromInline var pending: [Shape.Element] = []
        @usableFromInline var position = 0

        @inlinable init(window: Window) { self.window = window }

        @inlinable mutating func next() async throws(Shape.Failure) -> Shape.Element? {
            try await next(isolation: #isolation)
        }

        @inlinable
        mutating func next(isolation actor: isolated (any Actor)?) async throws(Shape.Failure) -> Shape.Element? {
            if position < pending.count {
                defer { position += 1 }
                return pending[position]
            }
            return try await nextEntry(isolation: actor)
        }

        /// The first element of the window's next entry; the rest of a batch waits in `pending`.
        /// Kept out of ``next(isolation:)``: in a process pool's stream, generic code not
        /// specialized for its task, every element would otherwise pay for setting up this
        /// function's generically typed locals (measured: twice the time per element).
        @inlinable
        mutating func nextEntry(isolation actor: isolated (any Actor)?) async throws(Shape.Failure) -> Shape.Element? {
            while true {
                do throws(FutureError<Shape.WindowFailure>) {
                    guard let (index, output) = try await window.next(isolation: actor) else { return nil }
                    switch Shape.unpack(output, firstIndex: index) {
                    case .one(let element): return element
                    case .many(let elements):
                        guard let first = elements.first else { continue }
                        (pending, position) = (elements, 1)
                        return first
                    }
                } catch {
                    throw Shape.failure(error)
                }
            }
        }
    }

    @inlinable func makeAsyncIterator() -> AsyncIterator { AsyncIterator(window: makeWindow(Shape.inCompletionOrder)) }
}

/// One result per entry, in input order: ``ThreadPool/stream(_:maxBuffered:_:)-(Sequence,_,_)``.
@usableFromInline
enum ValuesInOrder<Output: Sendable, WindowFailure: Error>: StreamShape {
    @usableFromInline typealias Element = Output
    @usableFromInline typealias Failure = FutureError<WindowFailure>
    @inlinable static var inCompletionOrder: Bool { false }
    @inlinable static func unpack(_ output: Output, firstIndex: Int) -> Unpacked<Output> { .one(output) }
    @inlinable static func failure(_ error: FutureError<WindowFailure>) -> Failure { error }
}

/// One result per entry with its input index, in completion order:
/// ``ThreadPool/streamUnordered(_:maxBuffered:_:)-(Sequence,_,_)``.
@usableFromInline
enum ValuesAsCompleted<Output: Sendable, WindowFailure: Error>: StreamShape {
    @usableFromInline typealias Element = (index: Int, value: Output)
    @usableFromInline typealias Failure = FutureError<WindowFailure>
    @inlinable static var inCompletionOrder: Bool { true }
    @inlinable static func unpack(_ output: Output, firstIndex: Int) -> Unpacked<Element> { .one((firstIndex, output)) }
    @inlinable static func failure(_ error: FutureError<WindowFailure>) -> Failure { error }
}
