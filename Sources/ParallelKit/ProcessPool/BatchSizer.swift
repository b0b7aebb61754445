import Synchronization

/// Chooses batch sizes for a ``ProcessPool``'s calls from their ``Chunking``: every batching rule
/// of the pool is here.
///
/// - `.fixed(n)`: batches of `n` inputs (the last may be shorter) for every call — Python's
///   `chunksize`.
/// - `.adaptive` on ``ProcessPool/map(_:_:chunking:sharing:progress:)`` and the streams: the first batch holds
///   `minimum` inputs (1 by default); each later one is sized from the times measured so far to
///   take about ``targetBatchSeconds`` on its worker, growing at most ``maximumGrowth``× per
///   step, never above `maximum`, and in a map never above what keeps every worker busy to the end,
///   nor above the inputs already queued or running (so the next batch is encoded while the
///   workers still have work: jumping from a few inputs to 40,000 left both workers idle for
///   the ~20 ms that encoding it took).
/// - `.adaptive` on ``ProcessPool/submitMap(_:_:chunking:)``: every batch is queued at once,
///   before any is timed, so the inputs are cut as Python's `map_async` does, into about
///   ``queuedBatchesPerWorker`` batches per worker (within `minimum` and `maximum`).
public struct BatchSizer: Sendable {
    /// How long one automatic batch should take on its worker: long enough that the fixed cost
    /// of a batch (~30 µs of messaging here) is under 0.1% of it, short enough that the last
    /// batches still spread over every worker.
    public static let targetBatchSeconds = 0.05
    /// Batches queued or running per worker, so a worker never waits for its next batch.
    public static let batchesInFlightPerWorker = 2
    /// The most an automatic batch may grow from one batch to the next.
    public static let maximumGrowth = 16
    /// Batches per worker when every batch is queued at once (Python's `map_async` rule).
    public static let queuedBatchesPerWorker = 4

    private let chunking: Chunking
    private let workers: Int
    private var size: Int

    package init(chunking: Chunking, workers: Int) {
        self.chunking = chunking
        self.workers = workers
        size = chunking.minimum
    }

    /// Learns from a batch of `count` inputs that took `seconds` on its dispatcher.
    package mutating func record(seconds: Double, count: Int) {
        guard chunking.mode == .adaptive, count > 0 else { return }
        let ideal = Self.targetBatchSeconds / max(seconds / Double(count), 1e-9)
        size = max(1, min(Int(min(ideal, 1e12)), size * Self.maximumGrowth))
    }

    /// The size of the next batch when `remaining` inputs are left (`Int.max` when not known).
    package func nextSize(remaining: Int) -> Int {
        if chunking.mode == .fixed { return min(chunking.minimum, remaining) }
        // Leave enough batches for every worker to the end.
        let balance = max(1, remaining / (workers * Self.batchesInFlightPerWorker))
        let bounded = min(max(min(size, balance), chunking.minimum), chunking.maximum)
        return max(1, min(bounded, remaining))
    }

    /// The size of the next batch of a map when `remaining` inputs are left and `inFlight` are
    /// queued or running: never more than are in flight (once any are), so that the caller
    /// encodes it while the workers still have work, instead of every worker waiting for one
    /// large batch at the start.
    package func nextSize(remaining: Int, inFlight: Int) -> Int {
        let size = nextSize(remaining: remaining)
        guard chunking.mode == .adaptive, inFlight > 0 else { return size }
        return max(1, min(size, max(inFlight, chunking.minimum)))
    }

    /// The size of every batch of `count` inputs queued at once.
    package static func queuedAtOnce(count: Int, workers: Int, chunking: Chunking) -> Int {
        if chunking.mode == .fixed { return chunking.minimum }
        let batches = queuedBatchesPerWorker * workers
        return min(max((count + batches - 1) / batches, chunking.minimum, 1), chunking.maximum)
    }
}

/// A ``BatchSizer`` shared by a stream's input, which cuts batches, and the completions of its
/// batches, which time them on dispatcher threads.
final class SharedBatchSizer: Sendable {
    private let sizer: Mutex<BatchSizer>

    package init(chunking: Chunking, workers: Int) {
        sizer = Mutex(BatchSizer(chunking: chunking, workers: workers))
    }

    func record(seconds: Double, count: Int) { sizer.withLock { $0.record(seconds: seconds, count: count) } }

    /// The size of the next batch of an input of unknown length.
    var nextSize: Int { sizer.withLock { $0.nextSize(remaining: .max) } }
}
