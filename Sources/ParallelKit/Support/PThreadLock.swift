import ParallelKitSystem

/// A pthread mutex with any number of condition variables, for threads that must sleep until
/// told to wake (`Synchronization.Mutex` has no condition variables).
///
/// Conditions wait on `CLOCK_MONOTONIC`, so timed waits ignore wall-clock changes.
package final class PThreadLock: @unchecked Sendable {
    // @unchecked: the pthread objects live in heap storage that never moves; pthread functions
    // are thread-safe by contract, and the storage is freed only in deinit, when no thread can
    // hold a reference.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let conditions: UnsafeMutablePointer<pthread_cond_t>
    private let conditionCount: Int

    /// A lock with `conditions` condition variables, numbered from 0.
    package init(conditions: Int = 1) {
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        conditionCount = conditions
        self.conditions = .allocate(capacity: conditions)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        for index in 0..<conditions { pthread_cond_init(self.conditions + index, &attributes) }
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        for index in 0..<conditionCount { pthread_cond_destroy(conditions + index) }
        pthread_mutex_destroy(mutex)
        conditions.deallocate()
        mutex.deallocate()
    }

    package func lock() { pthread_mutex_lock(mutex) }
    package func unlock() { pthread_mutex_unlock(mutex) }

    package func withLock<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        lock()
        defer { unlock() }
        return try body()
    }

    /// Sleeps on `condition` until signalled; the lock must be held and is held again on return.
    package func wait(_ condition: Int = 0) {
        pthread_cond_wait(conditions + condition, mutex)
    }

    /// Like ``wait(_:)`` but gives up at `deadline` (monotonic nanoseconds); returns `false` then.
    package func wait(_ condition: Int = 0, untilNanoseconds deadline: UInt64) -> Bool {
        var spec = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
        return pthread_cond_timedwait(conditions + condition, mutex, &spec) != ETIMEDOUT
    }

    package func signal(_ condition: Int = 0) { pthread_cond_signal(conditions + condition) }
    package func broadcast(_ condition: Int = 0) { pthread_cond_broadcast(conditions + condition) }
}
