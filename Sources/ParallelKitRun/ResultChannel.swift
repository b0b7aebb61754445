import Synchronization

/// What the runner's thread hands a ``JobResults`` iterator: results as jobs finish (in the
/// order the run delivers them), a job's typed failure, and the end.
///
/// Bounded by `limit` (a stream's `maxBuffered`): the runner asks ``admits(undelivered:)``
/// before it starts a job from the input, and starts none while the results it holds and those
/// not yet taken would exceed the limit; so at most `limit` results ever wait here. The runner
/// never waits *for the reader* in any other way (a blocked runner would miss timeouts and stall
/// jobs on full pipes): it goes on polling its jobs and its control pipe, and the reader's
/// ``take()`` wakes it (`wake`, a byte on that pipe) once room is made. `nil`: unbounded (`map`,
/// which keeps every result anyway).
///
/// A waiting reader is woken when `wakeBatch` results wait, at a failure, and at the end: a
/// stream's reader (batch 1) gets each result as soon as it is ready; `map`, which returns
/// nothing before the end, takes them in batches, so that its task is not resumed on the
/// cooperative pool once per job (two thread wakes and ~15 us of the host's CPU per job).
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
        /// Taken events are set to `nil` at once, so that a result's output is freed as soon as
        /// its reader has it, not when the array is next compacted.
        var events: [Event?] = []
        var head = 0
        var ended = false
        /// The runner was refused a start and waits for room.
        var runnerWaits = false
        /// The most events that ever waited at once.
        var highWaterMark = 0
        /// How many times a waiting reader was resumed by a push.
        var readerWakes = 0
        var waiter: CheckedContinuation<Void, Never>?
        var endWaiters: [CheckedContinuation<Void, Never>] = []

        var pending: Int { events.count - head }
    }

    private let state = Mutex(State())
    let limit: Int?
    /// Results that wait before a waiting reader is woken (a failure and the end wake it at once).
    let wakeBatch: Int
    private let wake: @Sendable () -> Void

    init(limit: Int? = nil, wakeBatch: Int = 1, wake: @escaping @Sendable () -> Void = {}) {
        if let limit { precondition(limit >= 1, "maxBuffered: \(limit): the bound must be 1 or more") }
        precondition(wakeBatch >= 1, "wakeBatch: \(wakeBatch): must be 1 or more")
        self.limit = limit
        // A bounded stream's runner waits for the reader once `limit` results wait: a larger
        // batch would leave both waiting.
        self.wakeBatch = min(wakeBatch, limit ?? wakeBatch)
        self.wake = wake
    }

    /// Called by the runner's thread before it starts a job from the input, with the jobs it has
    /// started and not yet pushed: whether one more fits under the limit. A refusal is remembered,
    /// and the ``take()`` that makes room wakes the runner.
    func admits(undelivered: Int) -> Bool {
        guard let limit else { return true }
        return state.withLock { state in
            let fits = state.pending + undelivered < limit
            state.runnerWaits = !fits
            return fits
        }
    }

    /// Events still held, taken or not (a test's view of what is freed).
    var heldEvents: Int { state.withLock { state in state.events.count { $0 != nil } } }

    /// Called by the runner's thread.
    func push(_ event: Event) {
        let wakesNow: Bool
        if case .failure = event { wakesNow = true } else { wakesNow = false }
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.events.append(event)
            state.highWaterMark = max(state.highWaterMark, state.pending)
            guard let waiter = state.waiter, wakesNow || state.pending >= wakeBatch else { return nil }
            state.waiter = nil
            state.readerWakes += 1
            return waiter
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
        let (taken, wakeRunner) = state.withLock { state -> (Taken, Bool) in
            guard state.head < state.events.count else { return (state.ended ? .ended : .empty, false) }
            let event = state.events[state.head]!
            state.events[state.head] = nil
            state.head += 1
            if state.head >= 1024, state.head * 2 >= state.events.count {
                state.events.removeFirst(state.head)
                state.head = 0
            }
            defer { state.runnerWaits = false }
            return (.event(event), state.runnerWaits && !state.ended)
        }
        if wakeRunner { wake() }
        return taken
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

    /// The most results that ever waited for the reader at once (at most ``limit``).
    var highWaterMark: Int { state.withLock { $0.highWaterMark } }

    /// How many times a push resumed a waiting reader (a test's view of the batching).
    var readerWakes: Int { state.withLock { $0.readerWakes } }

    /// Whether a reader waits (in ``wait()``) for an event.
    var hasWaiter: Bool { state.withLock { $0.waiter != nil } }
}
