#if MPI
import Glibc
import ParallelKit
import ParallelKitSystem
import Synchronization

/// The one thread that makes every MPI call of its process, and how async code reaches it.
///
/// Open MPI is initialized for `MPI_THREAD_SERIALIZED` and only this thread calls it, so no MPI
/// call ever blocks a thread of the cooperative pool. Async code hands it closures with
/// ``perform(_:)``; it runs them between polls. Each round asks its `poll` (rank 0's dispatcher
/// or a worker rank's loop) whether there was work; when there was none, it polls again for up
/// to ``spinNanoseconds`` and then sleeps on a condition variable, woken by the next ``perform(_:)`` or by a
/// timeout that doubles from 2 µs up to ``maximumBackoffNanoseconds``, 1 ms. Blocking in
/// `MPI_Recv` instead kept 66% of a core busy while idle (Open MPI polls inside it); an `MPI_Iprobe`
/// every ≤ 1 ms costs a few percent. A poll that has nothing to wait for but a command sleeps
/// with no timeout.
final class MPIThread: @unchecked Sendable {
    // @unchecked: `queued` and `sleeping` are read and written only with `lock` held; `runner` is
    // atomic; everything else is immutable.
    private let lock = PThreadLock()
    private var queued: [@Sendable () -> Void] = []
    private var sleeping = false
    /// The thread running the loop, once it runs.
    private let runner = Atomic<UInt>(0)

    /// The longest sleep between two polls of an idle loop.
    static let maximumBackoffNanoseconds: UInt64 = 1_000_000
    /// How long an idle loop polls again at once, since it last found work, before it starts to
    /// sleep: a few message round trips, so that a loop in the middle of a busy exchange answers
    /// the next message at once instead of after a sleep (a timed wait sleeps 50 µs or more),
    /// and short enough that a loop waiting for long tasks spends under 1% of a core on it.
    static let spinNanoseconds: UInt64 = 200_000
    /// Idle rounds that `parallelkit run --mpi`'s rank loop (its own, which waits on its jobs'
    /// pipes too) polls again at once before it starts to sleep.
    static let spinRounds = 64

    /// What one round of the loop found.
    enum Poll {
        /// Something was sent or received: poll again at once.
        case busy
        /// Nothing happened, but a message may come: poll again after the backoff.
        case idle
        /// Nothing can happen until a command is performed: sleep until then.
        case waitForCommand
        /// The loop is over.
        case stop
    }

    /// Runs `command` on the MPI thread, after the commands performed before it.
    func perform(_ command: @escaping @Sendable () -> Void) {
        lock.lock()
        queued.append(command)
        let wake = sleeping
        lock.unlock()
        if wake { lock.signal() }
    }

    /// Whether the caller is on the MPI thread (in its loop's `poll` or a command).
    var isCurrent: Bool { runner.load(ordering: .relaxed) == UInt(pthread_self()) }

    /// Runs the loop on the calling thread, which becomes the MPI thread, until `poll` says stop.
    func run(_ poll: () -> Poll) {
        runner.store(UInt(pthread_self()), ordering: .relaxed)
        var idleSince: UInt64?
        var backoff: UInt64 = 2_000
        while true {
            lock.lock()
            var commands: [@Sendable () -> Void] = []
            swap(&commands, &queued)
            lock.unlock()
            for command in commands { command() }
            let result = poll()
            if result == .stop { return }
            if result == .busy || !commands.isEmpty {
                idleSince = nil
                backoff = 2_000
                continue
            }
            if result == .idle {
                let now = MonotonicClock.nanoseconds()
                let since = idleSince ?? now
                idleSince = since
                if now - since < Self.spinNanoseconds { continue }
            }
            lock.lock()
            if queued.isEmpty {
                sleeping = true
                if result == .waitForCommand {
                    lock.wait()
                } else {
                    _ = lock.wait(untilNanoseconds: MonotonicClock.nanoseconds() + backoff)
                    backoff = min(backoff * 2, Self.maximumBackoffNanoseconds)
                }
                sleeping = false
            }
            lock.unlock()
        }
    }
}

/// Swift tasks can run on the MPI thread: a worker rank runs its batches there
/// (`Task(executorPreference: thread)`), between polls, so that a message goes from `MPI_Recv` to
/// the task and back to `MPI_Isend` on one thread, with no hop to the cooperative pool and back
/// (that hop, twice a message, was most of what an unbatched task cost).
extension MPIThread: TaskExecutor {
    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        perform { job.runSynchronously(on: executor) }
    }
}
#endif
