import Synchronization

/// Decides which event redraws a ``ProgressBar``: at most one every `interval` nanoseconds, and
/// none before `notBefore`, chosen without a lock.
///
/// Every event reads the time and calls ``claim(at:)``; the first one at least `interval` after
/// the last draw wins a compare-exchange on the last draw's time and draws; the others — at the
/// same moment, on other threads — lose it and go back to their work. Pure apart from its one
/// atomic: the times are the caller's, so a test drives it with any numbers.
struct ProgressThrottle: ~Copyable, Sendable {
    /// When the last draw was claimed (or `notBefore - interval` before the first).
    private let last: Atomic<Int>
    /// The least nanoseconds between two draws.
    let interval: Int

    /// - Parameters:
    ///   - interval: the least nanoseconds between two draws.
    ///   - notBefore: the earliest time of the first draw.
    init(interval: Int, notBefore: Int) {
        self.interval = max(0, interval)
        last = Atomic(notBefore &- self.interval)
    }

    /// Whether the caller, at `now`, draws: true for exactly one of the callers that find
    /// `interval` passed since the last draw.
    @inline(__always)
    func claim(at now: Int) -> Bool {
        let previous = last.load(ordering: .relaxed)
        guard now &- previous >= interval else { return false }
        return last.compareExchange(expected: previous, desired: now, ordering: .relaxed).exchanged
    }

    /// Records a draw made at `now` whatever the interval (a forced refresh, the final line).
    func drew(at now: Int) {
        last.store(now, ordering: .relaxed)
    }
}
