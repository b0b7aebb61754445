#if MPI
import ParallelKit
import ParallelKitSystem

/// The one thread that makes every MPI call of its process, and how async code reaches it.
///
/// Open MPI is initialized for `MPI_THREAD_SERIALIZED` and only this thread calls it, so no MPI
/// call ever blocks a thread of the cooperative pool. Async code hands it closures with
/// ``perform(_:)``; it runs them between polls. Each round asks its `poll` (rank 0's dispatcher
/// or a worker rank's loop) whether there was work; when there was none, it spins for a few
/// rounds and then sleeps on a condition variable, woken by the next ``perform(_:)`` or by a
/// timeout that doubles from 2 µs up to ``maximumBackoffNanoseconds``, 1 ms. Blocking in
/// `MPI_Recv` instead kept 66% of a core busy while idle (Open MPI polls inside it); an `MPI_Iprobe`
/// every ≤ 1 ms costs a few percent. A poll that has nothing to wait for but a command sleeps
/// with no timeout.
final class MPIThread: @unchecked Sendable {
    // @unchecked: `queued` and `sleeping` are read and written only with `lock` held; everything
    // else is immutable.
    private let lock = PThreadLock()
    private var queued: [@Sendable () -> Void] = []
    private var sleeping = false

    /// The longest sleep between two polls of an idle loop.
    static let maximumBackoffNanoseconds: UInt64 = 1_000_000
    /// Idle rounds that poll again at once before the loop starts to sleep.
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

    /// Runs the loop on the calling thread, which becomes the MPI thread, until `poll` says stop.
    func run(_ poll: () -> Poll) {
        var idleRounds = 0
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
                idleRounds = 0
                backoff = 2_000
                continue
            }
            idleRounds += 1
            if result == .idle && idleRounds < Self.spinRounds { continue }
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
#endif
