import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One batch on its way to a worker.
struct BatchJob: Sendable {
    let task: String
    let signature: String
    let payload: [UInt8]
    /// The indices of the batch's tasks in the caller's input.
    let range: Range<Int>
}

/// Owns a pool's worker processes: starts, replaces and kills them.
///
/// Each worker belongs to the dispatcher thread that started it and is used by that thread
/// only. That is required, not just tidy: a worker is told to die when the *thread* that
/// started it ends (`PR_SET_PDEATHSIG`), and after `close()` dispatcher threads end as soon as
/// the queue is empty — a worker shared between threads could be killed mid-batch. A worker
/// that fails is dropped; its thread's next batch starts a replacement.
final class WorkerSupervisor: @unchecked Sendable {
    // @unchecked: `byThread`, `live`, `busy`, `batchesRun`, `broken` and `killed` are guarded by
    // `lock`; a connection is touched only by the thread it belongs to.
    private let launch: WorkerConnection.Launch
    private let maxTasksPerWorker: Int?
    private let taskTimeout: Duration?
    private let retries: Int
    private let lock = PThreadLock()
    private var byThread: [pthread_t: WorkerConnection] = [:]
    private var live: [Int32: WorkerConnection] = [:]
    private var busy: Set<Int32> = []
    /// Threads that have started their first worker, for ``startWorkerForThisThread(of:)``.
    private var startedThreads = 0
    private var batchesRun: [Int32: Int] = [:]
    /// Set once the pool cannot go on (an initializer that throws on a replacement worker).
    private var broken: ProcessPoolError?
    private var killed = false

    init(launch: WorkerConnection.Launch, maxTasksPerWorker: Int?, taskTimeout: Duration?, retries: Int) {
        self.launch = launch
        self.maxTasksPerWorker = maxTasksPerWorker
        self.taskTimeout = taskTimeout
        self.retries = retries
    }

    var livePIDs: [Int32] { lock.withLock { Array(live.keys).sorted() } }

    /// Starts the calling dispatcher thread's worker, then waits until `count` dispatcher
    /// threads have done the same — so that each of the pool's threads runs exactly one of the
    /// pool's start-up jobs and owns one worker.
    func startWorkerForThisThread(of count: Int) throws(ProcessPoolError) {
        let connection = try startWorker()
        lock.withLock {
            byThread[pthread_self()] = connection
            startedThreads += 1
            lock.broadcast()
            let deadline = Ticks.monotonicNanoseconds() &+ 30_000_000_000
            while startedThreads < count && !killed {
                if !lock.wait(untilNanoseconds: deadline) { break }
            }
        }
    }

    private func startWorker() throws(ProcessPoolError) -> WorkerConnection {
        if let broken = lock.withLock({ killed ? ProcessPoolError.closed : broken }) { throw broken }
        let connection = try WorkerConnection.start(launch)
        let accepted = lock.withLock { () -> Bool in
            guard !killed else { return false }
            live[connection.pid] = connection
            return true
        }
        guard accepted else {
            connection.killNow()
            throw .closed
        }
        return connection
    }

    /// Runs `job` on an idle worker (starting one if needed), replacing the worker if it fails.
    func run(_ job: BatchJob) throws(ProcessPoolError) -> [UInt8] {
        var attemptsLeft = retries
        while true {
            let thread = pthread_self()
            let connection: WorkerConnection
            if let own = lock.withLock({ byThread[thread] }), own.reap(blocking: false) == nil {
                connection = own
            } else {
                // No worker yet, or it died while idle (killed, OOM): forget it, start another.
                lock.withLock {
                    if let dead = byThread[thread] {
                        live[dead.pid] = nil
                        batchesRun[dead.pid] = nil
                    }
                    byThread[thread] = nil
                }
                do {
                    connection = try startWorker()
                } catch {
                    if case .initializerFailed = error { lock.withLock { broken = error } }
                    throw error
                }
                lock.withLock { byThread[thread] = connection }
            }
            let stillAlive = lock.withLock { () -> Bool in
                guard live[connection.pid] != nil else { return false }
                busy.insert(connection.pid)
                return true
            }
            guard stillAlive else {
                lock.withLock { byThread[thread] = nil }
                throw .closed
            }
            guard connection.serves(job) else {
                checkIn(connection, ranBatch: false)
                throw .handshakeRefused("worker \(connection.pid) does not register \(job.signature)")
            }
            let failure: FrameChannel.Failure
            do throws(WorkerConnection.RunFailure) {
                let outputs = try connection.run(task: job.task, payload: job.payload, timeout: taskTimeout)
                checkIn(connection, ranBatch: true)
                return outputs
            } catch {
                guard case .worker(let workerFailure) = error else {
                    guard case .batch(let batchFailure) = error else { preconditionFailure() }
                    checkIn(connection, ranBatch: true)
                    let index = job.range.lowerBound + batchFailure.index
                    switch batchFailure.kind {
                    case .thrown: throw .taskFailed(batchFailure.error, task: index)
                    case .undecodable, .unencodable:
                        throw .undecodable(tasks: job.range, detail: batchFailure.error.message)
                    }
                }
                failure = workerFailure
            }
            // The worker itself failed: end it, forget it, and maybe run the batch again.
            let pid = connection.pid
            let error: ProcessPoolError
            switch failure {
            case .timedOut:
                connection.killNow()
                error = .taskTimedOut(pid: pid, tasks: job.range, timeout: taskTimeout ?? .zero)
            case .undecodable(let detail):
                connection.killNow()  // the byte stream cannot be trusted any more
                error = .undecodable(tasks: job.range, detail: detail)
            case .notDelivered:
                // The batch never reached the worker (it died while idle): run it on a new one.
                connection.stop(grace: .seconds(1))
                lock.withLock {
                    live[pid] = nil
                    busy.remove(pid)
                    batchesRun[pid] = nil
                    byThread[thread] = nil
                }
                if lock.withLock({ killed }) { throw .closed }
                continue
            case .closed, .oversized, .system:
                error = .workerCrashed(pid: pid, exit: connection.stop(grace: .seconds(1)), tasks: job.range)
            }
            let wasKilled = lock.withLock { () -> Bool in
                live[pid] = nil
                busy.remove(pid)
                batchesRun[pid] = nil
                byThread[thread] = nil
                return killed
            }
            if wasKilled { throw .closed }
            if case .workerCrashed = error, attemptsLeft > 0 {
                attemptsLeft -= 1
                continue
            }
            throw error
        }
    }

    /// Marks a worker idle again, or retires it after `maxTasksPerWorker` batches.
    private func checkIn(_ connection: WorkerConnection, ranBatch: Bool) {
        let retire = lock.withLock { () -> Bool in
            busy.remove(connection.pid)
            guard !killed else { return false }
            if ranBatch { batchesRun[connection.pid, default: 0] += 1 }
            if let limit = maxTasksPerWorker, batchesRun[connection.pid, default: 0] >= limit {
                live[connection.pid] = nil
                batchesRun[connection.pid] = nil
                byThread[pthread_self()] = nil
                return true
            }
            return false
        }
        if retire { connection.stop(grace: .seconds(1)) }
    }

    /// Ends every worker politely, once the dispatcher threads have ended (after `close()`).
    func stopAll() {
        let workers = lock.withLock { () -> [WorkerConnection] in
            killed = true
            lock.broadcast()
            defer {
                byThread = [:]
                live = [:]
            }
            return Array(live.values)
        }
        for worker in workers { worker.stop(grace: .seconds(1)) }
    }

    /// Kills every worker at once; batches running on them fail with ``ProcessPoolError/closed``.
    func killAll() {
        let (all, idle) = lock.withLock { () -> ([WorkerConnection], [WorkerConnection]) in
            killed = true
            lock.broadcast()
            let all = Array(live.values)
            let idle = all.filter { !busy.contains($0.pid) }
            // Idle workers leave the books now, so no dispatcher picks one up again.
            for worker in idle { live[worker.pid] = nil }
            byThread = byThread.filter { busy.contains($0.value.pid) }
            return (all, idle)
        }
        for worker in all { kill(worker.pid, SIGKILL) }
        // An idle worker is reaped here; a busy one by its dispatcher, which sees it die.
        for worker in idle { _ = worker.reap(blocking: true) }
    }
}

extension WorkerConnection: @unchecked Sendable {
    // @unchecked: a connection is used by one thread at a time — the supervisor hands it out
    // under its lock and takes it back the same way.
}
