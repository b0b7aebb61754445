import CParallelKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Work that the pool's helper threads can join: one running parallel loop.
protocol PoolJob: AnyObject, Sendable {
    /// Takes a helper's seat if the job still has unclaimed work and a free seat.
    func tryJoin() -> Bool
    /// Runs chunks until none is left, then gives the seat back. Called only after `tryJoin()`.
    func helpUntilDone()
}

/// The engine's persistent helper threads, started lazily and parked when idle.
///
/// The pool knows nothing about chunks: a caller publishes a ``PoolJob``, helpers that are
/// idle join it, and each job hands out its own work. The caller of a job always works on it
/// too, so a job finishes even when every helper is busy elsewhere (nested loops), and no
/// more threads than helpers + callers ever run: nesting never oversubscribes.
///
/// Parked helpers sleep in `pthread_cond_wait`: an idle pool uses no CPU.
final class WorkerPool: @unchecked Sendable {
    // @unchecked: every mutable field below is read and written only with `mutex` held; the
    // pthread objects live in heap storage that is never moved or freed (the pool is immortal).

    static let shared = WorkerPool()

    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let helpersWake: UnsafeMutablePointer<pthread_cond_t>
    private let callersWake: UnsafeMutablePointer<pthread_cond_t>

    private var jobs: [any PoolJob] = []
    private var threadCount = 0
    private var idleCount = 0

    private init() {
        mutex = .allocate(capacity: 1)
        helpersWake = .allocate(capacity: 1)
        callersWake = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(helpersWake, nil)
        pthread_cond_init(callersWake, nil)
    }

    /// The number of helper threads started so far.
    var helperThreads: Int {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return threadCount
    }

    /// Makes `job` visible to helpers and wakes up to `helpers` of them, starting threads as needed.
    func publish(_ job: any PoolJob, helpers: Int) {
        pthread_mutex_lock(mutex)
        jobs.append(job)
        while threadCount < helpers {
            startHelper(number: threadCount + 1)
            threadCount += 1
        }
        if idleCount > 0 {
            if helpers >= idleCount {
                pthread_cond_broadcast(helpersWake)
            } else {
                for _ in 0..<helpers { pthread_cond_signal(helpersWake) }
            }
        }
        pthread_mutex_unlock(mutex)
    }

    /// Hides `job` from helpers that have not joined it yet.
    func withdraw(_ job: any PoolJob) {
        pthread_mutex_lock(mutex)
        jobs.removeAll { $0 === job }
        pthread_mutex_unlock(mutex)
    }

    /// Blocks the calling thread until `isDone` holds; re-checked after every ``notifyCallers()``.
    func wait(until isDone: () -> Bool) {
        pthread_mutex_lock(mutex)
        while !isDone() { pthread_cond_wait(callersWake, mutex) }
        pthread_mutex_unlock(mutex)
    }

    /// Wakes callers blocked in ``wait(until:)`` so they re-check their condition.
    func notifyCallers() {
        pthread_mutex_lock(mutex)
        pthread_cond_broadcast(callersWake)
        pthread_mutex_unlock(mutex)
    }

    private func startHelper(number: Int) {
        let context = Unmanaged.passRetained(HelperStart(pool: self, number: number)).toOpaque()
        var thread = pthread_t()
        let status = pthread_create(&thread, nil, { context in
            let start = Unmanaged<HelperStart>.fromOpaque(context!).takeRetainedValue()
            pk_set_thread_name("pk-engine-\(start.number)")
            start.pool.helperLoop()
        }, context)
        precondition(status == 0, "ParallelKit: pthread_create failed with error \(status)")
        pthread_detach(thread)
    }

    private func helperLoop() -> Never {
        pthread_mutex_lock(mutex)
        while true {
            if let job = jobs.first(where: { $0.tryJoin() }) {
                pthread_mutex_unlock(mutex)
                job.helpUntilDone()
                pthread_mutex_lock(mutex)
                continue
            }
            idleCount += 1
            pthread_cond_wait(helpersWake, mutex)
            idleCount -= 1
        }
    }
}

/// What a new helper thread needs to know, passed through `pthread_create`'s context pointer.
private final class HelperStart: Sendable {
    let pool: WorkerPool
    let number: Int

    init(pool: WorkerPool, number: Int) {
        self.pool = pool
        self.number = number
    }
}
