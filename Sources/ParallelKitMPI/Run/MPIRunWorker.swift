#if MPI
import CParallelKit
import ParallelKitRun
import ParallelKitSystem

/// A rank other than 0 in `parallelkit run --mpi`: runs the jobs rank 0 sends, up to its own
/// `-j` at once (resolved against this host's cores), and answers each with its status and
/// output, until rank 0 says stop.
///
/// One thread makes every MPI call and runs the jobs: each round takes the messages waiting,
/// completes sends, and polls the jobs' pipes and pidfds — at once while something happens, then
/// up to 1 ms at a time (an `MPI_Iprobe` per millisecond while jobs run; a sleep growing from
/// 2 µs to 1 ms while none does), as ``MPIThread`` does for ``MPIPool``'s ranks. Every job gets
/// `PARALLELKIT_RANK` (this rank) and `PARALLEL_PID` (this rank's process) in its environment.
/// SIGINT, SIGTERM and SIGHUP (what `mpirun` sends its ranks when it is stopped) pass to every
/// job's process group before the rank exits.
enum MPIRunWorker {
    static func serve(slots: Int) -> Never {
        signal(SIGPIPE, SIG_IGN)  // a job that closes its --pipe input must not end the rank
        var signalPipe: [Int32] = [-1, -1]
        if pk_pipe_cloexec(&signalPipe, 1) == 0 { _ = pk_install_signal_pipe(signalPipe[1]) }
        var comm = MPIComm.initialize(.initializing)
        comm.sendNow(MPIRunMessage.ready(slots: slots, host: comm.host), to: 0, tag: .ready)
        let executor = RemoteJobExecutor(environment: [
            "PARALLELKIT_RANK": String(comm.rank), "PARALLEL_PID": String(getpid()),
        ])
        var idleRounds = 0
        var backoff: UInt32 = 2
        serving: while true {
            var busy = false
            if pk_signal_was_received() != 0 {
                var number: UInt8 = UInt8(SIGTERM)
                _ = read(signalPipe[0], &number, 1)
                executor.signalAll(Int32(number))
                exit(128 + Int32(number))
            }
            var received = 0
            while received < 64, let message = comm.receive() {
                received += 1
                switch MPIMessage.Tag(rawValue: message.tag) {
                case .job:
                    guard let job = MPIRunMessage.parseJob(message.bytes) else { comm.fail("decoding a job") }
                    executor.start(job)
                case .signal:
                    guard let values = MPIRunMessage.parseIntegers(message.bytes, count: 2) else {
                        comm.fail("decoding a signal")
                    }
                    if !executor.signal(values[0], values[1]) {
                        comm.send(MPIRunMessage.groupEnded(handle: values[0]), to: 0, tag: .groupEnded)
                    }
                case .stop:
                    break serving
                default:
                    comm.fail("a run rank received a message with tag \(message.tag) from rank \(message.source)")
                }
            }
            if received > 0 { busy = true }
            if comm.sending && comm.progressSends() { busy = true }
            let wait: Int32 = busy || idleRounds < MPIThread.spinRounds ? 0 : 1
            for result in executor.collect(waitingMilliseconds: executor.count > 0 ? wait : 0) {
                comm.send(MPIRunMessage.result(fitted(result)), to: 0, tag: .jobDone)
                busy = true
            }
            if busy {
                idleRounds = 0
                backoff = 2
                continue
            }
            idleRounds += 1
            if executor.count == 0, idleRounds >= MPIThread.spinRounds {
                usleep(backoff)
                backoff = min(backoff * 2, 1_000)
            }
        }
        // No job is left; from here a signal (`mpirun` ending the job once rank 0 has exited with a
        // failed jobs' status) ends the rank at once.
        pk_restore_default_signals()
        let deadline = MonotonicClock.nanoseconds() + 2_000_000_000
        while comm.sending, MonotonicClock.nanoseconds() < deadline { _ = comm.progressSends() }
        comm.finalize()
        exit(0)
    }

    /// The most output one answer carries: an MPI message counts its bytes in an `Int32`.
    static let outputLimit = Int(Int32.max) - (1 << 20)

    /// `result`, its output and error cut to a GiB each (and said so) when together they are more
    /// than one message can carry.
    static func fitted(_ result: RemoteJobResult) -> RemoteJobResult {
        guard result.output.count + result.error.count > outputLimit else { return result }
        var cut = result
        let each = outputLimit / 2
        if cut.output.count > each { cut.output.removeLast(cut.output.count - each) }
        if cut.error.count > each { cut.error.removeLast(cut.error.count - each) }
        cut.message = "a job's output was over 2 GiB, more than one MPI message carries: cut to 1 GiB of each stream"
        return cut
    }
}
#endif
