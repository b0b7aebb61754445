import ParallelKitSystem
import Synchronization

/// Why a ``Future`` has no value.
public enum FutureError<Failure: Error>: Error {
    /// The work threw this error; it is the work's own error, unchanged.
    case failed(Failure)
    /// ``Future/cancel()`` was called before the work started; it never ran.
    case cancelled
    /// The pool was terminated before the work started, or closed before it was queued; it
    /// never ran.
    case poolClosed
    /// ``Future/wait(timeout:)`` gave up waiting. The work itself goes on.
    case timedOut
}

extension FutureError: Equatable where Failure: Equatable {}

/// Where a ``Future`` is in its life.
public enum FutureState: Sendable, Equatable {
    /// Queued; ``Future/cancel()`` still takes effect.
    case pending
    /// A thread is running the work.
    case running
    /// The work returned a value.
    case succeeded
    /// The work threw.
    case failed
    /// Cancelled, or dropped by ``ThreadPool/terminate()``, before it started.
    case cancelled
}

/// The eventual result of work submitted to a ``ThreadPool``.
///
/// ```swift
/// let pool = ThreadPool(workers: 8)
/// let future = try pool.submit { try String(contentsOfFile: path) }   // blocking read, off the cooperative pool
/// future.onCompletion { result in log(result) }                          // called once, when done
/// let text = try await future.value                                      // from async code
/// let same = try future.wait(timeout: .seconds(5))                       // from blocking code
/// ```
///
/// - Note: Thread-safe. Completion callbacks run on the pool thread that finished the work (or
///   at once, on the caller, if the future is already done); keep them short.
public final class Future<Value: Sendable, Failure: Error>: Sendable {
    /// What a finished future holds.
    public typealias Outcome = Result<Value, FutureError<Failure>>

    @usableFromInline
    enum Phase {
        case pending
        case running
        case done(Outcome)
    }

    @usableFromInline
    struct Storage {
        @usableFromInline var phase = Phase.pending
        @usableFromInline var callbacks: [@Sendable (Outcome) -> Void] = []

        @inlinable init() {}
    }

    @usableFromInline let storage = Mutex(Storage())
    /// Set once the outcome is stored: lets waiters poll without taking the lock.
    @usableFromInline let done = Atomic<Bool>(false)

    @inlinable init() {}

    /// The state right now; it may change as soon as it is read.
    @inlinable
    public var state: FutureState {
        storage.withLock { storage in
            switch storage.phase {
            case .pending: return .pending
            case .running: return .running
            case .done(.success): return .succeeded
            case .done(.failure(.failed)): return .failed
            case .done(.failure): return .cancelled
            }
        }
    }

    /// Whether the work has finished, failed, or will never run.
    @inlinable
    public var isDone: Bool {
        storage.withLock { if case .done = $0.phase { true } else { false } }
    }

    /// The work's value, awaited without blocking a thread.
    ///
    /// Cancelling the awaiting task does not cancel the work (as with `Task.value`); call
    /// ``cancel()`` for that.
    /// - Throws: ``FutureError/failed(_:)`` with the work's own error, ``FutureError/cancelled``
    ///   or ``FutureError/poolClosed`` when it never ran.
    @inlinable
    public nonisolated(nonsending) var value: Value {
        get async throws(FutureError<Failure>) {
            // Short work is often done within a few microseconds: look before suspending, as a
            // suspension and its resumption cost ~15 µs of thread wake-ups here.
            try await value(spinningMicroseconds: Self.spinMicroseconds)
        }
    }

    /// ``value``, polling for a finished outcome for `spinningMicroseconds` before suspending.
    @inlinable
    nonisolated(nonsending) func value(spinningMicroseconds: Double) async throws(FutureError<Failure>) -> Value {
        if let outcome = finishedOutcome(spinningMicroseconds: spinningMicroseconds) { return try outcome.get() }
        let outcome = await withCheckedContinuation { (continuation: CheckedContinuation<Outcome, Never>) in
            onCompletion { continuation.resume(returning: $0) }
        }
        return try outcome.get()
    }

    /// Blocks the calling thread until the work is done, or until `timeout` has passed.
    ///
    /// - Parameter timeout: how long to wait; `nil` waits as long as it takes.
    /// - Throws: as ``value``, or ``FutureError/timedOut`` (the work goes on).
    /// - Note: Blocks. Calling it from a pool thread on work queued behind it on the same pool
    ///   can wait forever if every thread does the same; from async code, use ``value``.
    @inlinable
    public func wait(timeout: Duration? = nil) throws(FutureError<Failure>) -> Value {
        if let outcome = finishedOutcome(spinningMicroseconds: 20) { return try outcome.get() }
        let event = OneShotEvent()
        onCompletion { _ in event.signal() }
        guard event.wait(timeout: timeout) else { throw .timedOut }
        guard case .done(let outcome) = storage.withLock({ $0.phase }) else { throw .timedOut }
        return try outcome.get()
    }

    /// How long `value` polls for a finished outcome before it suspends (a suspended task is
    /// resumed through the cooperative pool, ~15–50 µs of thread wake-ups here). Kept short:
    /// a longer poll competed with the pool's threads for the CPU and cost stream throughput.
    @usableFromInline static var spinMicroseconds: Double { 5 }

    /// The outcome if the future is done now or within `spinningMicroseconds` of polling a flag
    /// (no system call: yielding between polls measured slower, 10 µs against 1.6 µs a submit).
    @inlinable
    func finishedOutcome(spinningMicroseconds: Double) -> Outcome? {
        if !done.load(ordering: .acquiring) {
            let deadline = Ticks.now() &+ Ticks.fromMicroseconds(spinningMicroseconds)
            while !done.load(ordering: .acquiring) {
                guard Ticks.now() < deadline else { return nil }
            }
        }
        guard case .done(let outcome) = storage.withLock({ $0.phase }) else { return nil }
        return outcome
    }

    /// Cancels the work if it has not started.
    ///
    /// - Returns: `true` if the work will never run (the future fails with
    ///   ``FutureError/cancelled``); `false` if it is running or done.
    @inlinable @discardableResult
    public func cancel() -> Bool {
        finish(.failure(.cancelled), onlyIfPending: true)
    }

    /// Calls `callback` once with the outcome: now if the future is done, else when it is.
    @inlinable
    public func onCompletion(_ callback: @escaping @Sendable (Outcome) -> Void) {
        let outcome: Outcome? = storage.withLock { storage in
            if case .done(let outcome) = storage.phase { return outcome }
            storage.callbacks.append(callback)
            return nil
        }
        if let outcome { callback(outcome) }
    }

    /// Marks the work as started; `false` if it was cancelled meanwhile (then it must not run).
    @inlinable
    func start() -> Bool {
        storage.withLock { storage in
            guard case .pending = storage.phase else { return false }
            storage.phase = .running
            return true
        }
    }

    /// Stores the outcome and runs the callbacks, unless already done.
    @inlinable @discardableResult
    func finish(_ outcome: Outcome, onlyIfPending: Bool = false) -> Bool {
        let callbacks: [@Sendable (Outcome) -> Void]? = storage.withLock { storage in
            switch storage.phase {
            case .done: return nil
            case .running where onlyIfPending: return nil
            case .pending, .running:
                storage.phase = .done(outcome)
                done.store(true, ordering: .releasing)
                defer { storage.callbacks = [] }
                return storage.callbacks
            }
        }
        guard let callbacks else { return false }
        for callback in callbacks { callback(outcome) }
        return true
    }
}

/// A flag one thread sets and others block on, with an optional timeout.
@usableFromInline
final class OneShotEvent: Sendable {
    private let lock = PThreadLock()
    private let isSet = Atomic<Bool>(false)

    @usableFromInline
    init() {}

    @usableFromInline
    func signal() {
        lock.withLock {
            isSet.store(true, ordering: .relaxed)
            lock.broadcast()
        }
    }

    /// Waits until signalled; returns `false` if `timeout` passed first.
    @usableFromInline
    func wait(timeout: Duration?) -> Bool {
        let deadline = timeout.map { MonotonicClock.deadline(after: $0) }
        return lock.withLock {
            while !isSet.load(ordering: .relaxed) {
                if let deadline {
                    if !lock.wait(untilNanoseconds: deadline) { return isSet.load(ordering: .relaxed) }
                } else {
                    lock.wait()
                }
            }
            return true
        }
    }
}

/// A duration in whole nanoseconds, saturating.
func nanoseconds(_ duration: Duration) -> Int64 {
    let (seconds, attoseconds) = duration.components
    let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
    return overflow ? .max : scaled &+ attoseconds / 1_000_000_000
}
