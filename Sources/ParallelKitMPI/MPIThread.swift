#if MPI
import Glibc
import ParallelKit
import ParallelKitSystem
import Synchronization

/// The one thread that makes every MPI call of its process, and how async code reaches it.
///
/// Open MPI is initialized by this thread for `MPI_THREAD_FUNNELED` and only it calls MPI, so no MPI
/// call ever blocks a thread of the cooperative pool. Async code hands it closures with
/// ``perform(_:)``; it runs them between polls. Each round asks its `poll` (rank 0's dispatcher
/// or `parallelkit run --mpi`'s) whether there was work; when there was none, it polls again as
/// ``IdleBackoff`` says, sleeping on a condition variable, woken by the next ``perform(_:)`` or
/// by the backoff's timeout. A poll that has nothing to wait for but a command sleeps with no
/// timeout.
final class MPIThread: @unchecked Sendable {
    // @unchecked: `queued` and `sleeping` are read and written only with `lock` held;
    // `hasQueued` is atomic; everything else is immutable.
    private let lock = PThreadLock()
    private var queued: [@Sendable () -> Void] = []
    private var sleeping = false
    /// Whether `queued` may hold commands: set with `lock` held when one is queued, so that a
    /// busy loop takes the lock only when there is something to take.
    private let hasQueued = Atomic<Bool>(false)

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
        hasQueued.store(true, ordering: .releasing)
        let wake = sleeping
        lock.unlock()
        if wake { lock.signal() }
    }

    /// Runs the loop on the calling thread, which becomes the MPI thread, until `poll` says stop.
    func run(_ poll: () -> Poll) {
        var backoff = IdleBackoff()
        while true {
            var commands: [@Sendable () -> Void] = []
            if hasQueued.load(ordering: .acquiring) {
                lock.lock()
                swap(&commands, &queued)
                hasQueued.store(false, ordering: .relaxed)
                lock.unlock()
                for command in commands { command() }
            }
            let result = poll()
            if result == .stop { return }
            if result == .busy || !commands.isEmpty {
                backoff.busy()
                continue
            }
            var sleep: UInt64?
            if result == .idle {
                sleep = backoff.idle()
                if sleep == nil { continue }
            }
            lock.lock()
            if queued.isEmpty {
                sleeping = true
                if let sleep {
                    _ = lock.wait(untilNanoseconds: MonotonicClock.nanoseconds() + sleep)
                } else {
                    lock.wait()
                }
                sleeping = false
            }
            lock.unlock()
        }
    }
}
#endif
