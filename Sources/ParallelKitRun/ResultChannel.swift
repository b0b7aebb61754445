import Synchronization

/// What the runner's thread hands a ``JobResults`` iterator: results as jobs finish (in the
/// order the run delivers them), a job's typed failure, and the end. Unbounded: the runner never
/// waits for its reader (a waiting runner would miss timeouts and stall jobs on full pipes).
final class ResultChannel: Sendable {
    enum Event: Sendable {
        case result(JobResult)
        case failure(RunError)
    }

    enum Taken {
        case event(Event)
        case empty
        case ended
    }

    private struct State {
        var events: [Event] = []
        var head = 0
        var ended = false
        var waiter: CheckedContinuation<Void, Never>?
        var endWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    /// Called by the runner's thread.
    func push(_ event: Event) {
        let waiter = state.withLock { state in
            state.events.append(event)
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// The run is over; called once, last, by the runner's thread.
    func end() {
        let (waiter, endWaiters) = state.withLock { state in
            state.ended = true
            defer {
                state.waiter = nil
                state.endWaiters = []
            }
            return (state.waiter, state.endWaiters)
        }
        waiter?.resume()
        for waiter in endWaiters { waiter.resume() }
    }

    func take() -> Taken {
        state.withLock { state in
            guard state.head < state.events.count else { return state.ended ? .ended : .empty }
            let event = state.events[state.head]
            state.head += 1
            if state.head >= 1024, state.head * 2 >= state.events.count {
                state.events.removeFirst(state.head)
                state.head = 0
            }
            return .event(event)
        }
    }

    /// Returns when an event has come or the run is over (one waiter at a time).
    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { state in
                if state.head < state.events.count || state.ended { return true }
                state.waiter = continuation
                return false
            }
            if ready { continuation.resume() }
        }
    }

    /// Returns once the run is over (every job's process group ended).
    func waitForEnd() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ended = state.withLock { state in
                if state.ended { return true }
                state.endWaiters.append(continuation)
                return false
            }
            if ended { continuation.resume() }
        }
    }

    var hasEnded: Bool { state.withLock { $0.ended } }
}
