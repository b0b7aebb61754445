import DequeModule
import Synchronization

/// Starts at most `limit` jobs at once and queues the rest, each starting when one ends: how an
/// in-process stream runs no more than its call's `jobs` items at once, whatever its window
/// (`maxBuffered`) holds.
///
/// A queued job is never dropped: when the stream is left early its futures are cancelled, and a
/// job that starts after that sees it and ends at once, starting the next.
final class StartLimiter: Sendable {
    private let state: Mutex<(free: Int, queued: Deque<@Sendable () -> Void>)>

    init(limit: Int) {
        precondition(limit >= 1, "StartLimiter(limit: \(limit)): the limit must be 1 or more")
        state = Mutex((limit, []))
    }

    /// Runs `job` now if fewer than `limit` are running, else when one ends. `job` must call
    /// ``ended()`` exactly once when it is done.
    func start(_ job: @escaping @Sendable () -> Void) {
        let now = state.withLock { state -> Bool in
            guard state.free > 0 else {
                state.queued.append(job)
                return false
            }
            state.free -= 1
            return true
        }
        if now { job() }
    }

    /// One job ended: starts the next queued one in its place.
    func ended() {
        let next = state.withLock { state -> (@Sendable () -> Void)? in
            if let next = state.queued.popFirst() { return next }
            state.free += 1
            return nil
        }
        next?()
    }
}
