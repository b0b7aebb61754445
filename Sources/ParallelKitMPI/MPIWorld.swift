#if MPI
import ParallelKit
import ParallelKitSystem
import Synchronization

/// This process's place in an MPI job, and rank 0's dispatcher: one per process, as MPI is
/// initialized once per process.
///
/// Rank 0 starts it from ``WorkerTasks/serveIfWorker(_:)-(any WorkerTask.Type...)`` (or the
/// first ``MPIPool``): a thread of its own initializes MPI, so the program goes on while
/// `MPI_Init` takes its ~200 ms, and runs the dispatcher. At exit it tells every worker rank to
/// stop and finalizes MPI, so a program that ends without closing anything still ends its job.
final class MPIWorld: Sendable {
    /// What a pool needs to know of the job.
    struct Layout: Sendable {
        var rank: Int32
        var size: Int32
        var host: String
    }

    static let shared = MPIWorld()

    let thread = MPIThread()
    /// Set once MPI is initialized on rank 0; fails when this process is not in a job of two
    /// ranks or more.
    let layout = Future<Layout, BackendError>.pending()
    private let dispatcher = Mutex<MPIDispatcher?>(nil)
    private let started = Atomic<Bool>(false)
    private let ended = Atomic<Bool>(false)

    /// What a process not started by a launcher is told.
    static let howToLaunch =
        "run it with `mpirun -np 4 PROGRAM` (or `srun -n 4 PROGRAM` under Slurm): rank 0 runs the program, "
        + "ranks 1, 2, … serve its tasks"

    /// The rank the launcher gave this process, from its environment, or `nil` without a launcher.
    static var launchedRank: Int? { launcherRank }

    /// Starts rank 0's side once; later calls do nothing.
    func start() {
        guard started.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
        else { return }
        guard Self.launchedRank != nil else {
            layout.complete(.failure(.failed(.unsupported("MPIPool in a process no MPI launcher started (a singleton)", instead: Self.howToLaunch))))
            return
        }
        OSThread.start(name: "pk-mpi", joinable: false) { [self] in
            let comm = MPIComm.initialize(.initializing)
            let dispatcher = MPIDispatcher(comm: comm)
            self.dispatcher.withLock { $0 = dispatcher }
            if comm.size < 2 {
                layout.complete(.failure(.failed(.unsupported(
                    "MPIPool in an MPI job of one rank (\(comm.host))",
                    instead: "it needs ranks to serve its tasks: " + Self.howToLaunch))))
            } else {
                layout.complete(.success(Layout(rank: comm.rank, size: comm.size, host: comm.host)))
            }
            thread.run { ended.load(ordering: .acquiring) ? .stop : dispatcher.poll() }
        }
        atexit { MPIWorld.shared.end() }
    }

    /// Queues a batch for the worker ranks; `completion` runs on the MPI thread.
    func submit(task: String, type: String, payload: [UInt8], completion: @escaping @Sendable (MPIBatchOutcome) -> Void) {
        let dispatcher = self.dispatcher.withLock { $0 }
        guard let dispatcher else { return completion(.stopped) }
        thread.perform {
            dispatcher.enqueue(MPIDispatcher.Batch(task: task, type: type, payload: payload, completion: completion))
        }
    }

    /// Runs `call` on the MPI thread, drawing its batches as ranks have room, until it ends;
    /// cancelling the calling task cancels it.
    func run<Task: WorkerTask>(_ call: MPIMapCall<Task>) async -> MPIMapCall<Task>.Outcome {
        guard let dispatcher = self.dispatcher.withLock({ $0 }) else { return .failure(.closed) }
        return await withTaskCancellationHandler {
            await withUnsafeContinuation { continuation in
                thread.perform {
                    call.start(continuation)
                    dispatcher.add(call)
                }
            }
        } onCancel: {
            thread.perform { call.cancel() }
        }
    }

    /// The host and process ID of each worker rank that has said hello, by rank.
    func workers() async -> [Int32: (host: String, pid: Int32)] {
        guard let dispatcher = self.dispatcher.withLock({ $0 }) else { return [:] }
        return await withUnsafeContinuation { continuation in
            thread.perform { continuation.resume(returning: dispatcher.workers) }
        }
    }

    /// Stops the worker ranks and finalizes MPI, waiting until it is done: at exit.
    private func end() {
        guard let dispatcher = self.dispatcher.withLock({ $0 }) else { return }
        let done = Future<Void, Never>.pending()
        thread.perform { [self] in
            dispatcher.stop()
            ended.store(true, ordering: .releasing)
            done.complete(.success(()))
        }
        _ = try? done.wait()
    }
}
#endif
