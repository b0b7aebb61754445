import Synchronization
import ParallelKitSystem

/// One running parallel loop over `0..<end`: hands out chunks, keeps the first error, and
/// counts the helpers working on it so its caller can wait until none is left.
///
/// The protocol that makes "nothing runs after the call returns" hold: a helper increments
/// `participants` *before* it claims; a claim succeeds only while `cursor < end`; the caller
/// returns only after it has seen the cursor exhausted *and then* `participants == 0`. All of
/// these are sequentially consistent, so a helper whose claim succeeded is always counted.
final class LoopJob<Failure: Error>: PoolJob, @unchecked Sendable {
    // @unchecked: the atomics and the mutex are safe by construction. `body` is written by the
    // caller before `publish` (the pool's mutex orders it before any helper reads it) and set to
    // nil only after every participant has left; it is read only after a successful claim.

    let end: Int
    private let cursor: Atomic<Int>
    private let participants = Atomic<Int>(0)
    private let seats: Atomic<Int>
    private let callerParked = Atomic<Bool>(false)
    private let fixed: Bool
    private let minimum: Int
    private let maximum: Int
    private let divisor: Int
    private let failure = Mutex<Failure?>(nil)
    private let pool: WorkerPool

    /// The loop body: runs one chunk, returns `false` to stop the whole loop.
    var body: ((Range<Int>, UnsafeRawPointer) throws(Failure) -> Bool)?
    /// The operation's state, handed to every call of `body`.
    private let context: UnsafeRawPointer

    init(range: Range<Int>, workers: Int, chunking: Chunking, context: UnsafeRawPointer, pool: WorkerPool) {
        self.context = context
        self.end = range.upperBound
        self.cursor = Atomic(range.lowerBound)
        self.seats = Atomic(workers - 1)
        self.fixed = chunking.mode == .fixed
        self.minimum = chunking.minimum
        self.maximum = chunking.maximum
        self.divisor = 2 * workers
        self.pool = pool
    }

    /// Claims the next chunk, or returns `nil` when the loop is exhausted or stopped.
    func claim() -> Range<Int>? {
        if fixed {
            let start = cursor.add(minimum, ordering: .sequentiallyConsistent).oldValue
            return start < end ? start..<min(end, start + minimum) : nil
        }
        var current = cursor.load(ordering: .sequentiallyConsistent)
        while current < end {
            let remaining = end - current
            let guided = (remaining + divisor - 1) / divisor
            let size = min(remaining, max(minimum, min(maximum, guided)))
            let (exchanged, original) = cursor.compareExchange(
                expected: current, desired: current + size, ordering: .sequentiallyConsistent)
            if exchanged { return current..<(current + size) }
            current = original
        }
        return nil
    }

    /// Skips every chunk not claimed yet; chunks already running finish.
    func stop() {
        cursor.max(end, ordering: .sequentiallyConsistent)
    }

    /// Runs claimed chunks until none is left. The first error is kept and stops the loop.
    func runChunks() {
        while let range = claim() {
            guard let body else { return }
            do {
                if try body(range, context) == false { stop() }
            } catch {
                failure.withLock { first in
                    if first == nil { first = error }
                }
                stop()
            }
        }
    }

    /// The error that stopped the loop, if any. Read by the caller once every helper has left.
    func takeFailure() -> Failure? {
        failure.withLock { first in
            let taken = first
            first = nil
            return taken
        }
    }

    func tryJoin() -> Bool {
        guard seats.load(ordering: .relaxed) > 0 else { return false }
        participants.add(1, ordering: .sequentiallyConsistent)
        guard cursor.load(ordering: .sequentiallyConsistent) < end else {
            leave()
            return false
        }
        guard seats.subtract(1, ordering: .relaxed).newValue >= 0 else {
            seats.add(1, ordering: .relaxed)
            leave()
            return false
        }
        return true
    }

    func helpUntilDone() {
        runChunks()
        leave()
    }

    private func leave() {
        let left = participants.subtract(1, ordering: .sequentiallyConsistent).newValue
        if left == 0 && callerParked.load(ordering: .sequentiallyConsistent) {
            pool.notifyCallers()
        }
    }

    /// Blocks until every helper that joined has left. Call only after the cursor is exhausted.
    func waitForHelpers() {
        // Helpers usually finish within a chunk's time: yield briefly before parking.
        for _ in 0..<64 {
            if participants.load(ordering: .sequentiallyConsistent) == 0 { return }
            sched_yield()
        }
        callerParked.store(true, ordering: .sequentiallyConsistent)
        pool.wait { participants.load(ordering: .sequentiallyConsistent) == 0 }
    }
}

