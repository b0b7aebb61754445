import ParallelKitSystem
import Synchronization

/// A pool of dedicated threads for blocking work — file I/O, C libraries, sleeps, network
/// calls without async APIs — that must not starve Swift's cooperative thread pool.
///
/// Size it for how much blocking work may wait at once, not for the core count: sixteen
/// threads that each sleep in `read(2)` use no CPU. The pool is also a `TaskExecutor`, so async
/// code can run its blocking parts on it without leaving async:
///
/// ```swift
/// let io = ThreadPool(workers: 16)
///
/// // Submit and await, or block, or get called back.
/// let size = try await io.submit { try fileSize(atPath: "/var/log/syslog") }.value
///
/// // All results at once, or streamed in input order with at most 2 × workers buffered.
/// let pages = try await io.map(urls, download)
/// for try await page in io.stream(urls, download) { save(page) }
///
/// // Run a whole async function with its synchronous parts on the pool's threads.
/// await withTaskExecutorPreference(io) { await indexEverything() }
/// ```
///
/// Threads are named `pk-pool-N` (Linux keeps at most 15 bytes of a thread's name). A pool
/// that goes out of scope shuts down: it lets queued and running work finish, then its threads
/// end before the last reference is gone — unless the last reference is dropped on one of its
/// own threads, which then end right after. ``close()``, ``terminate()`` and ``join()`` stop it
/// earlier.
///
/// - Note: Thread-safe. Work on the pool may block; work that waits for *other* work queued on
///   the same pool can deadlock once every thread does so (as with any bounded pool).
public final class ThreadPool: Sendable {
    /// How many threads the pool runs.
    public let workerCount: Int
    /// The queue and threads. Threads hold the core, not the pool, so dropping the last
    /// reference to the pool runs its `deinit` (shut down, then join the threads).
    @usableFromInline let core: ThreadPoolCore

    /// Starts a pool of `workers` threads: as many as blocking calls may wait at once
    /// (`.all` is one per usable core). The default is Python's `ThreadPoolExecutor()`'s:
    /// ``defaultWorkers``, the usable cores plus 4, at most 32.
    ///
    /// ```swift
    /// let io = ThreadPool()                   // 6 threads on 2 cores, as ThreadPoolExecutor()
    /// let sleeps = ThreadPool(workers: 16)    // sixteen sleeps at once
    /// ```
    public init(workers: Workers = .count(ThreadPool.defaultWorkers)) {
        let count = workers.count
        workerCount = count
        core = ThreadPoolCore(threads: count)
    }

    /// The size of `ThreadPool()`: `min(32, Workers.available + 4)`, as Python 3.8+'s
    /// `ThreadPoolExecutor` without `max_workers` (at least 5 threads for I/O, never a thread per core
    /// of a large machine).
    public static var defaultWorkers: Int { min(32, Workers.available + 4) }

    deinit {
        core.shutdown(cancelPending: false)
        core.joinThreads()
    }

    /// Queues `work` and returns its future.
    ///
    /// ```swift
    /// let future = try pool.submit { try Data(contentsOf: url) }
    /// ```
    ///
    /// - Throws: ``ThreadPoolError/closed`` after ``close()`` or ``terminate()``.
    /// - Complexity: O(1); wakes one parked thread.
    @inlinable
    public func submit<Value: Sendable, Failure: Error>(
        _ work: @escaping @Sendable () throws(Failure) -> Value
    ) throws(ThreadPoolError) -> Future<Value, Failure> {
        let future = Future<Value, Failure>()
        let item = PoolItem(
            body: { run in
                guard run else {
                    future.finish(.failure(.poolClosed))
                    return
                }
                guard future.start() else { return }
                do throws(Failure) {
                    future.finish(.success(try work()))
                } catch {
                    future.finish(.failure(.failed(error)))
                }
            },
            droppable: true)
        guard core.enqueue(item) else { throw .closed }
        return future
    }

    /// Stops accepting work; queued and running work still finishes (Python's `close()`, or
    /// `executor.shutdown(wait=False)`).
    ///
    /// Returns at once; ``join()`` waits for the threads to end. Jobs of Swift tasks that prefer
    /// this executor are never dropped: they run before the threads end, and any that arrive
    /// later run on the global concurrent executor.
    public func close() {
        core.shutdown(cancelPending: false)
    }

    /// Stops accepting work and drops the queued work: its futures fail with
    /// ``FutureError/poolClosed``. Work already running finishes (a thread cannot be stopped
    /// from outside); jobs of Swift tasks are never dropped, as with ``close()``. Python's
    /// `executor.shutdown(cancel_futures=True)`.
    ///
    /// Returns at once; ``join()`` waits for the threads to end.
    public func terminate() {
        core.shutdown(cancelPending: true)
    }

    /// Blocks until every thread of a closed or terminated pool has ended.
    ///
    /// - Precondition: ``close()`` or ``terminate()`` was called.
    public func join() {
        precondition(core.isShutDown, "ThreadPool.join() before close() or terminate() would wait forever")
        core.joinThreads()
    }

    /// Work waiting for a thread right now.
    public var queuedCount: Int { core.queuedCount }

    func enqueue(_ item: PoolItem) -> Bool { core.enqueue(item) }
}

/// The queue, the lock and the threads of a ``ThreadPool``.
///
/// A thread that finds the queue empty first spins for up to ``spinMicroseconds`` (yielding the
/// CPU on every turn) before it parks on the condition variable: waking a parked thread costs
/// ~20 µs on the machines measured, which dominated `submit` round trips and streams of small
/// items. An idle pool still parks within that time and then uses no CPU.
@usableFromInline
final class ThreadPoolCore: @unchecked Sendable {
    // @unchecked: `state`, `threads` and `threadsJoined` are read and written only with `lock`
    // held; `queued` and `stopping` are atomics that only hint when to stop spinning.
    static let spinMicroseconds = 50.0

    private let lock = PThreadLock()
    private var state = ThreadPoolState<PoolItem>()
    private let queued = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    private var threads: [pthread_t] = []
    private var threadsJoined = false

    init(threads count: Int) {
        lock.withLock {
            for number in 1...count {
                threads.append(OSThread.start(name: "pk-pool-\(number)", joinable: true) { [self] in serve() })
            }
        }
    }

    var isShutDown: Bool { lock.withLock { state.phase == .shuttingDown } }
    var queuedCount: Int { lock.withLock { state.queuedCount } }

    /// Queues `item`; `false` when the pool no longer accepts work.
    @usableFromInline
    func enqueue(_ item: PoolItem) -> Bool {
        lock.withLock {
            switch state.submit(item) {
            case .wakeThread:
                queued.add(1, ordering: .releasing)
                lock.signal()
                return true
            case .queued:
                queued.add(1, ordering: .releasing)
                return true
            case .rejected: return false
            }
        }
    }

    func shutdown(cancelPending: Bool) {
        let dropped = lock.withLock {
            let dropped = state.shutdown(cancelPending: cancelPending) { !$0.droppable }
            queued.subtract(dropped.count, ordering: .relaxed)
            stopping.store(true, ordering: .relaxed)
            lock.broadcast()
            return dropped
        }
        for item in dropped { item.drop() }
    }

    func joinThreads() {
        let toJoin: [pthread_t] = lock.withLock {
            guard !threadsJoined else { return [] }
            threadsJoined = true
            return threads
        }
        let current = pthread_self()
        for thread in toJoin {
            if pthread_equal(thread, current) != 0 {
                pthread_detach(thread)  // the last reference was dropped on this very thread
            } else {
                pthread_join(thread, nil)
            }
        }
    }

    /// A pool thread's loop: run items until the pool is shut down and drained.
    private func serve() {
        while true {
            if let item = lock.withLock({ takeCounted() }) {
                item.run()
                continue
            }
            spinUntilWorkArrives()
            guard let item = nextItem() else { return }
            item.run()
        }
    }

    private func takeCounted() -> PoolItem? {
        guard let item = state.take() else { return nil }
        queued.subtract(1, ordering: .relaxed)
        return item
    }

    /// Spins, yielding, until work is queued, the pool stops, or the spin time is up.
    private func spinUntilWorkArrives() {
        let deadline = Ticks.now() &+ Ticks.fromMicroseconds(Self.spinMicroseconds)
        while queued.load(ordering: .acquiring) == 0 && !stopping.load(ordering: .relaxed) && Ticks.now() < deadline {
            sched_yield()
        }
    }

    /// The next item, parking while there is none; `nil` once shut down and drained.
    private func nextItem() -> PoolItem? {
        lock.withLock {
            while true {
                switch state.next() {
                case .run(let item):
                    queued.subtract(1, ordering: .relaxed)
                    return item
                case .exit: return nil
                case .park:
                    lock.wait()
                    state.unpark()
                }
            }
        }
    }
}

/// Why a ``ThreadPool`` refused work.
public enum ThreadPoolError: Error, Equatable, CustomStringConvertible {
    /// The pool was closed or terminated; it accepts no more work.
    case closed

    public var description: String {
        switch self {
        case .closed: return "the thread pool was closed and accepts no more work"
        }
    }
}

extension ThreadPool: TaskExecutor {
    /// Runs a Swift task's job on one of the pool's threads (the `TaskExecutor` requirement).
    ///
    /// Used by `withTaskExecutorPreference(pool) { … }` and `Task(executorPreference: pool)`.
    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        let accepted = enqueue(PoolItem(body: { _ in job.runSynchronously(on: executor) }, droppable: false))
        if !accepted {
            // A closed pool must not strand a task: hand the job to the global executor.
            globalConcurrentExecutor.enqueue(ExecutorJob(job))
        }
    }
}
