#if MPI
@_spi(Backend) import ParallelKit
import ParallelKitSystem

/// What ``WorkerTasks/serveIfWorker(_:)-(any WorkerTask.Type...)`` finds (by this type's name)
/// when `mpirun` or `srun` started the process: on a rank other than 0 it serves the registered
/// tasks — and any task type rank 0 names — until rank 0 says stop, then exits; on rank 0 it
/// starts initializing MPI and returns.
enum MPIWorkerEntry: LaunchedProcessServer {
    static func serveIfLaunchedWorker() {
        guard let rank = MPIWorld.launchedRank else { return }
        if rank == 0 { return MPIWorld.shared.start() }
        serve()
    }

    /// The worker rank's loop, on the calling thread (which becomes its MPI thread); never returns.
    static func serve() -> Never {
        let thread = MPIThread()
        var comm = MPIComm.initialize()
        comm.sendNow(MPIMessage.hello(host: comm.host, pid: getpid()), to: 0, tag: .hello)
        let state = MPIWorkerState()
        thread.run {
            var busy = false
            for (id, outcome) in state.takeFinished() {
                switch outcome {
                case .success(let outputs): comm.send(MPIMessage.answer(id: id, payload: outputs), to: 0, tag: .result)
                case .failure(let failure):
                    let encoded = (try? WireCoder.encode(failure)) ?? []
                    comm.send(MPIMessage.answer(id: id, payload: encoded), to: 0, tag: .failure)
                }
                busy = true
            }
            if comm.sending && comm.progressSends() { busy = true }
            // One batch at a time: the next waits in MPI's queue (rank 0 sends it ahead). A batch
            // runs on this thread, so the answers before it go out first: a large one needs this
            // rank's progress to cross (rendezvous), which a running batch would hold up. A stop
            // ends the rank even then: rank 0, ending, no longer takes answers in.
            if !state.running, comm.sending, comm.hasWaiting(.stop, from: 0) { return .stop }
            if !state.running, !comm.sending, let message = comm.receive() {
                switch MPIMessage.Tag(rawValue: message.tag) {
                case .run:
                    guard let run = MPIMessage.parseRun(message.bytes) else { comm.fail("decoding a batch") }
                    state.start(run, thread: thread)
                    busy = true
                case .stop:
                    return .stop
                case .result, .failure, .hello, .job, .jobDone, .signal, .groupEnded, .ready, nil:
                    comm.fail("a worker rank received a message with tag \(message.tag) from rank \(message.source)")
                }
            }
            if busy { return .busy }
            return state.running && !comm.sending ? .waitForCommand : .idle
        }
        comm.finalize()
        exit(0)
    }
}

/// A worker rank's batch in progress and the answers to send, between its MPI thread and the
/// task that runs the batch.
final class MPIWorkerState: @unchecked Sendable {
    // @unchecked: every property is touched only on the MPI thread: the task that runs a batch
    // sets its answer when `thread.isCurrent` says it runs there, and otherwise hands it back
    // through `MPIThread.perform`, which runs it there.
    private var finished: [(UInt64, Result<[UInt8], BatchFailure>)] = []
    private(set) var running = false
    private var discovered: Set<String> = []

    func takeFinished() -> [(UInt64, Result<[UInt8], BatchFailure>)] {
        defer { finished = [] }
        return finished
    }

    /// Runs `run` as a task on the MPI thread (its executor): it starts in the loop's next round,
    /// and a task that suspends lets the loop go on until it resumes there.
    func start(_ run: MPIMessage.Run, thread: MPIThread) {
        running = true
        let discover = discovered.insert(run.task).inserted
        Task(executorPreference: thread) { [self] in
            if discover { _ = WorkerTasks.discover(task: run.task, type: run.type) }
            let outcome = await WorkerTasks.runBatch(task: run.task, payload: run.payload)
            let finish: @Sendable () -> Void = { [self] in
                running = false
                finished.append((run.id, outcome))
            }
            // On the MPI thread (the task's executor) the answer is taken at once, in this round.
            if thread.isCurrent { finish() } else { thread.perform(finish) }
        }
    }
}
#endif
