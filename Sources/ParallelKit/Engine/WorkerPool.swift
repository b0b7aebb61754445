import ParallelKitSystem

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
    // @unchecked: every mutable field below is read and written only with `lock` held.

    static let shared = WorkerPool()

    /// Condition 0 wakes helpers; condition 1 wakes callers waiting for their helpers.
    private let lock = PThreadLock(conditions: 2)
    private let helpersWake = 0
    private let callersWake = 1

    private var jobs: [any PoolJob] = []
    private var threadCount = 0
    private var idleCount = 0

    private init() {}

    /// The number of helper threads started so far.
    var helperThreads: Int { lock.withLock { threadCount } }

    /// Makes `job` visible to helpers and wakes up to `helpers` of them, starting threads as needed.
    func publish(_ job: any PoolJob, helpers: Int) {
        lock.withLock {
            jobs.append(job)
            while threadCount < helpers {
                startHelper(number: threadCount + 1)
                threadCount += 1
            }
            if idleCount > 0 {
                if helpers >= idleCount {
                    lock.broadcast(helpersWake)
                } else {
                    for _ in 0..<helpers { lock.signal(helpersWake) }
                }
            }
        }
    }

    /// Hides `job` from helpers that have not joined it yet.
    func withdraw(_ job: any PoolJob) {
        lock.withLock { jobs.removeAll { $0 === job } }
    }

    /// Blocks the calling thread until `isDone` holds; re-checked after every ``notifyCallers()``.
    func wait(until isDone: () -> Bool) {
        lock.withLock {
            while !isDone() { lock.wait(callersWake) }
        }
    }

    /// Wakes callers blocked in ``wait(until:)`` so they re-check their condition.
    func notifyCallers() {
        lock.withLock { lock.broadcast(callersWake) }
    }

    private func startHelper(number: Int) {
        OSThread.start(name: "pk-engine-\(number)", joinable: false) { [self] in helperLoop() }
    }

    private func helperLoop() -> Never {
        lock.lock()
        while true {
            if let job = jobs.first(where: { $0.tryJoin() }) {
                lock.unlock()
                job.helpUntilDone()
                lock.lock()
                continue
            }
            idleCount += 1
            lock.wait(helpersWake)
            idleCount -= 1
        }
    }
}
