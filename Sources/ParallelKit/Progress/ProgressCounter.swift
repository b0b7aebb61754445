import Synchronization

/// A ``ProgressSink`` that only counts: the numbers a test or a caller's own display reads.
///
/// ```swift
/// let counter = ProgressCounter()
/// _ = try await pool.map(Square.self, inputs, progress: counter)
/// let counts = counter.counts       // total, started, finished, failed, skipped, cached
/// ```
public final class ProgressCounter: ProgressSink {
    /// The counts so far.
    public struct Counts: Sendable, Hashable {
        public var total: Int?
        public var started = 0
        public var finished = 0
        public var failed = 0
        public var skipped = 0
        /// Items served from a cache, not run.
        public var cached = 0

        public init() {}

        /// Items that have an outcome: finished + failed + skipped + cached.
        public var ended: Int { finished + failed + skipped + cached }
    }

    private let state = Mutex(Counts())

    public init() {}

    public func report(_ event: ProgressEvent) {
        state.withLock { counts in
            switch event {
            case .total(let total): counts.total = total
            case .started(let count): counts.started += count
            case .finished(let count): counts.finished += count
            case .failed(let count): counts.failed += count
            case .skipped(let count): counts.skipped += count
            case .cached(let count): counts.cached += count
            }
        }
    }

    /// The counts reported so far.
    public var counts: Counts { state.withLock { $0 } }
}
