/// What a backend tells about the items of one call, as they go.
///
/// For a call over `n` items every backend reports `.total(n)` first, then `.started` as items
/// begin and exactly one of `.finished`, `.failed`, `.skipped` or `.cached` for every item, so
/// that finished + failed + skipped + cached = n when the call returns or throws. An item is *skipped* when
/// an earlier error cancelled it before it could run (or, for a batch that a dead worker
/// held, when its outcome is unknown: those count as failed).
public enum ProgressEvent: Sendable, Hashable {
    /// The number of items, when known.
    case total(Int)
    /// This many items began.
    case started(Int)
    /// This many items completed successfully.
    case finished(Int)
    /// This many items failed (the task threw, or its worker died or timed out).
    case failed(Int)
    /// This many items did not run because an earlier error cancelled them.
    case skipped(Int)
    /// This many items did not run because a cache (ParallelKitMemory's `Memory`) had their
    /// outputs: a resumed map reports them apart from the items it computed. They are not
    /// `.started`.
    case cached(Int)
}

/// Receives ``ProgressEvent``s from any backend: a ``ProgressBar``, a ``ProgressCounter``, or
/// your own (a log line every 1000 items, a metric).
///
/// ```swift
/// let counter = ProgressCounter()
/// let outputs = try await inputs.parallelMap(Resize.self, on: .threads, progress: counter)
/// print(counter.counts.finished)
/// ```
///
/// - Note: Events arrive from any thread, possibly at once; ``report(_:)`` must be thread-safe
///   and quick (it runs on the backend's threads, between items).
public protocol ProgressSink: Sendable {
    func report(_ event: ProgressEvent)
}

extension ProgressBar: ProgressSink {
    /// Counts the event — failed items count as finished and failed, skipped and cached ones as finished,
    /// so that the bar reaches its end when a call stops early — and redraws the line when
    /// `refreshInterval` has passed since the last frame (on a terminal; see ``ProgressBar``).
    public func report(_ event: ProgressEvent) {
        switch event {
        case .total(let total): setTotal(total)
        case .started(let count): started(count)
        case .finished(let count): finished(count)
        case .failed(let count): finished(count, failed: true)
        case .skipped(let count): finished(count)
        case .cached(let count): finished(count)
        }
    }
}
