import Synchronization

/// The shared state of one running collection operation, reached by its chunk bodies through
/// the engine's context pointer (see `ParallelLoop.run`): kept out of the chunk closure's
/// captures so that the user's closure can be inlined into the chunk loop.
@usableFromInline
struct ChunkContext<Base, Output> {
    @usableFromInline let base: Base
    @usableFromInline let output: Output

    @inlinable
    init(base: Base, output: Output) {
        self.base = base
        self.output = output
    }

    /// The context behind a raw pointer handed to a chunk body.
    @inlinable @inline(__always)
    static func at(_ raw: UnsafeRawPointer) -> ChunkContext {
        raw.assumingMemoryBound(to: ChunkContext.self).pointee
    }
}

/// The index ranges whose outputs were fully written, so a failed `parallelMap` can
/// deinitialize exactly those.
@usableFromInline
final class FinishedRanges: Sendable {
    @usableFromInline let ranges = Mutex<[Range<Int>]>([])

    @inlinable
    init() {}

    @inlinable
    func add(_ range: Range<Int>) { ranges.withLock { $0.append(range) } }

    @inlinable
    var all: [Range<Int>] { ranges.withLock { $0 } }
}

/// Values computed per chunk (`parallelReduce`'s partial results), combined in input order.
@usableFromInline
final class PartialResults<Value: Sendable>: Sendable {
    @usableFromInline let values = Mutex<[(start: Int, value: Value)]>([])

    @inlinable
    init() {}

    @inlinable
    func add(_ value: Value, start: Int) { values.withLock { $0.append((start, value)) } }

    /// The values ordered by the start index of their chunk.
    @inlinable
    var inInputOrder: [Value] { values.withLock { $0 }.sorted { $0.start < $1.start }.map(\.value) }
}

/// Flags shared by the chunks of a short-circuiting search.
@usableFromInline
final class SearchState: Sendable {
    /// Set once any chunk found a match (`parallelContains`).
    @usableFromInline let found = Atomic<Bool>(false)
    /// The lowest index known to match (`parallelFirst`), `Int.max` when none.
    @usableFromInline let lowest = Atomic<Int>(.max)

    @inlinable
    init() {}
}
