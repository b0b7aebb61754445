#if MPI
@_spi(Backend) import ParallelKit
import ParallelKitSystem
import Synchronization

/// A pool whose workers are the other ranks of an MPI job: mpi4py.futures' `MPIPoolExecutor`,
/// with ``ProcessPool``'s API.
///
/// Launch the program with `mpirun -np N` (or `srun -n N`): rank 0 runs it, and ranks 1…N-1
/// serve its ``WorkerTask``s from the same entry line as a process pool's workers,
/// ``WorkerTasks/serveIfWorker(_:)-(any WorkerTask.Type...)``, until rank 0 exits.
///
/// ```swift
/// WorkerTasks.serveIfWorker()            // ranks 1… serve here and exit at the end of the job
/// let pool = try await MPIPool()         // on rank 0: the other ranks are its workers
/// let squares = try await pool.map(Square.self, Array(0..<10_000))
/// ```
///
/// Work is balanced as it goes: a batch goes to the rank with the least work out, and each rank
/// holds at most two (one running, one ready), so a rank gets more exactly when it returns a
/// result. Inputs travel in batches (``Chunking``, sized as a process pool sizes them). A task that
/// throws on a rank returns its error (``BackendError/Code/taskFailed``); the job goes on.
///
/// - Note: Thread-safe. Every MPI call is made on one thread of its own; no method blocks a
///   thread of the cooperative pool. A rank that dies (a crash, `SIGKILL`, its host lost) ends
///   the whole job: Open MPI 4.1 has no fault tolerance (no ULFM), so `mpirun` kills every rank and
///   names the dead one and its host.
public final class MPIPool: Sendable {
    /// The worker ranks: the job's size less rank 0.
    public let workerCount: Int
    /// The host rank 0 runs on, as MPI names it.
    public let host: String

    let world: MPIWorld
    private let state = Mutex<(closed: Bool, outstanding: Int, joiners: [UnsafeContinuation<Void, Never>])>(
        (false, 0, []))

    /// Joins the job this process was launched in, as its rank 0.
    ///
    /// On a rank other than 0 (a program that did not call `WorkerTasks.serveIfWorker()` first)
    /// it serves tasks there and never returns, as that call would have.
    ///
    /// - Throws: ``BackendError/Code/unsupported`` when no launcher started the process (a
    ///   singleton), or the job has one rank: the message says how to launch it.
    public init() async throws(BackendError) {
        if let rank = MPIWorld.launchedRank, rank != 0 {
            // A program that did not call `serveIfWorker()` first: this rank serves here, and
            // this call never returns. `serve()` parks its calling thread for good, so it gets a
            // thread of its own, not one of the cooperative pool's, where the loop itself runs.
            _ = OSThread.start(name: "pk-mpi", joinable: false) { MPIWorkerEntry.serve() }
            await withUnsafeContinuation { (_: UnsafeContinuation<Void, Never>) in }
        }
        MPIWorkerEntry.serveIfLaunchedWorker()
        world = MPIWorld.shared
        world.start()
        let layout: MPIWorld.Layout
        do {
            layout = try await world.layout.value
        } catch {
            if case .failed(let error) = error { throw error }
            throw .cancelled
        }
        workerCount = Int(layout.size) - 1
        host = layout.host
    }

    /// Each worker rank's host and process ID, once it has said hello (at start), by rank.
    public var workers: [Int: (host: String, pid: Int32)] {
        get async { Dictionary(uniqueKeysWithValues: await world.workers().map { (Int($0.key), $0.value) }) }
    }

    /// Stops taking work; work already given goes on.
    public func close() { state.withLock { $0.closed = true } }

    /// Waits until the work given before ``close()`` has finished.
    public func join() async {
        await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
            let now = state.withLock { state -> Bool in
                if state.outstanding == 0 { return true }
                state.joiners.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    var isClosed: Bool { state.withLock { $0.closed } }

    /// Runs `task` once with `input` on a worker rank and returns its output.
    ///
    /// ```swift
    /// let count = try await pool.apply(CountInRange.self, .init(row: [1, 5, 9]))
    /// ```
    ///
    /// - Throws: ``BackendError``: the task threw (``BackendError/Code/taskFailed``), the pool is
    ///   closed, or the outputs could not be decoded.
    public func apply<Task: WorkerTask>(_ task: Task.Type, _ input: Task.Input) async throws(BackendError) -> Task.Output {
        guard !isClosed else { throw .closed }
        let done = await withUnsafeContinuation { continuation in
            send(task, [input][...], start: 0) { continuation.resume(returning: $0) }
        }
        return try done.outputs(task)[0]
    }

    /// Starts `task` with `input` and returns at once with a future.
    ///
    /// ```swift
    /// let handle = try pool.submit(Square.self, 12)
    /// let square = try await handle.value
    /// ```
    ///
    /// - Throws: ``BackendError/closed`` when the pool was closed before the call.
    @discardableResult
    public func submit<Task: WorkerTask>(
        _ task: Task.Type, _ input: Task.Input,
        onSuccess: (@Sendable (Task.Output) -> Void)? = nil,
        onFailure: (@Sendable (BackendError) -> Void)? = nil
    ) throws(BackendError) -> Future<Task.Output, BackendError> {
        guard !isClosed else { throw .closed }
        let future = Future<Task.Output, BackendError>.pending()
        send(task, [input][...], start: 0) { done in
            do throws(BackendError) {
                let output = try done.outputs(task)[0]
                future.complete(.success(output))
                onSuccess?(output)
            } catch {
                future.complete(.failure(.failed(error)))
                onFailure?(error)
            }
        }
        return future
    }

    /// Encodes `inputs` (the inputs `start…` of a call) and sends them as one batch;
    /// `completion` runs on the MPI thread (or at once when they cannot be encoded).
    func send<Task: WorkerTask>(
        _ task: Task.Type, _ inputs: ArraySlice<Task.Input>, start: Int,
        completion: @escaping @Sendable (MPIBatchDone) -> Void
    ) {
        let range = start..<(start + inputs.count)
        let payload: [UInt8]
        do {
            payload = try WireCoder.encode(Array(inputs))
        } catch {
            return completion(MPIBatchDone(range: range, outcome: .unencodable("\(error)"), seconds: 0))
        }
        beginWork()
        let began = MonotonicClock.nanoseconds()
        world.submit(task: Task.name, type: _mangledTypeName(task) ?? "", payload: payload) { [self] outcome in
            let seconds = Double(MonotonicClock.nanoseconds() - began) / 1e9
            completion(MPIBatchDone(range: range, outcome: .sent(outcome), seconds: seconds))
            endWork()
        }
    }

    /// Counts work given to the job, for ``join()``.
    func beginWork() { state.withLock { $0.outstanding += 1 } }

    /// Counts work done, resuming the joiners when none is left.
    func endWork() {
        let joiners = state.withLock { state -> [UnsafeContinuation<Void, Never>] in
            state.outstanding -= 1
            guard state.outstanding == 0 else { return [] }
            defer { state.joiners = [] }
            return state.joiners
        }
        for joiner in joiners { joiner.resume() }
    }
}

/// One batch of a pool's call, done: its place in the call, how it ended, and how long it took.
struct MPIBatchDone: Sendable {
    enum Outcome: Sendable {
        case sent(MPIBatchOutcome)
        case unencodable(String)
    }

    var range: Range<Int>
    var outcome: Outcome
    var seconds: Double

    /// The batch's outputs, or the error it ended with, in the call's indices.
    func outputs<Task: WorkerTask>(_ task: Task.Type) throws(BackendError) -> [Task.Output] {
        switch outcome {
        case .unencodable(let detail):
            throw .undecodable(tasks: range, detail: detail)
        case .sent(.finished(let bytes, _)):
            do {
                return try WireCoder.decode([Task.Output].self, from: bytes)
            } catch {
                throw .undecodable(tasks: range, detail: "\(error)")
            }
        case .sent(.failed(let failure, let rank)):
            let index = range.lowerBound + failure.index
            if failure.kind == .thrown {
                var error = BackendError.taskFailed(failure.error, task: index)
                error.detail = "on MPI rank \(rank)"
                throw error
            }
            throw .undecodable(tasks: index..<(index + 1), detail: "on MPI rank \(rank): \(failure.error.message)")
        case .sent(.stopped):
            throw .closed
        }
    }
}
#endif
