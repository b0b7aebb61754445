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

    /// The worker rank's loop; never returns.
    ///
    /// The loop is one task, and a batch is an `await` in it: a task that does not suspend costs
    /// a call, with no task made, switched to or freed (a task a batch cost about a third of an
    /// unbatched task's time here). It is detached, so it runs in the cooperative pool with no
    /// executor preference: `Task.immediate`, which would start it on this thread, gives the
    /// task a preference record that every `await` then reads under a lock (14% of a worker
    /// rank's time on unbatched tasks). Between batches the loop polls and sleeps on the pool
    /// thread it runs on (a worker rank has nothing else for it); the calling thread sleeps
    /// until the loop exits the process.
    static func serve() -> Never {
        let comm = MPIComm.initialize(.oneAtATime)
        comm.sendNow(MPIMessage.hello(host: comm.host, pid: getpid()), to: 0, tag: .hello)
        Task.detached { [comm] in await serveBatches(comm) }
        while true { pause() }
    }

    /// Receives batches, runs each, sends its answer, until rank 0 says stop; then exits.
    private static func serveBatches(_ comm: consuming MPIComm) async -> Never {
        var comm = comm
        var backoff = IdleBackoff()
        var discovered: Set<String> = []
        // The last batch's task, its runner looked up once: most batches are for the same task.
        var last: (trailer: MPIMessage.RunTrailer, runner: @Sendable ([UInt8]) async -> Result<[UInt8], BatchFailure>)?
        while true {
            // Sends are tested when they hold up the next batch or nothing came in: each test or
            // probe that finds nothing runs Open MPI's progress engine, which yields the core
            // when oversubscribed, so a round makes as few as it can.
            var busy = comm.sendsInProgress > 1 && comm.progressSends()
            // One batch at a time: the next waits in MPI's queue (rank 0 sends it ahead). It may
            // start while one answer is still crossing — a large answer crosses by rendezvous,
            // when rank 0 takes it, and here rank 0 reads it from this rank's memory — but not
            // two: over TCP a large answer needs this rank's progress to cross, which a running
            // batch holds up. A stop ends the rank even then: rank 0, ending, no longer takes
            // answers in.
            if comm.sendsInProgress > 1, comm.hasWaiting(.stop, from: 0) { break }
            if comm.sendsInProgress < 2, var message = comm.receive() {
                switch MPIMessage.Tag(rawValue: message.tag) {
                case .run:
                    let id: UInt64
                    let outcome: Result<[UInt8], BatchFailure>
                    if let known = last, let sameID = MPIMessage.parseRun(&message.bytes, sameTaskAs: known.trailer) {
                        id = sameID
                        outcome = await known.runner(message.bytes)
                    } else {
                        guard let run = MPIMessage.parseRun(message.bytes) else { comm.fail("decoding a batch") }
                        if discovered.insert(run.task).inserted { _ = WorkerTasks.discover(task: run.task, type: run.type) }
                        last = WorkerTasks.batchRunner(task: run.task).map { (MPIMessage.RunTrailer(task: run.task, type: run.type), $0) }
                        id = run.id
                        outcome = await WorkerTasks.runBatch(task: run.task, payload: run.payload)
                    }
                    let (answer, tag) = MPIMessage.answer(id: id, outcome)
                    comm.send(owned: answer, to: 0, tag: tag)
                    busy = true
                case .stop:
                    comm.finalize()
                    exit(0)
                case .result, .failure, .hello, .job, .jobDone, .signal, .groupEnded, .ready, nil:
                    comm.fail("a worker rank received a message with tag \(message.tag) from rank \(message.source)")
                }
            } else if comm.sending, comm.progressSends() {
                busy = true
            }
            if busy {
                backoff.busy()
            } else if let sleep = backoff.idle() {
                var time = timespec(tv_sec: 0, tv_nsec: Int(sleep))
                nanosleep(&time, nil)
            }
        }
        comm.finalize()
        exit(0)
    }
}
#endif
