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

/// Owns a pool's worker processes: starts, checks out, replaces and kills them.
///
/// Each dispatcher thread checks out an idle worker for one batch and returns it afterwards, so
/// a worker is only ever used by one thread at a time. A worker that fails is not returned; the
/// next batch starts a replacement.
final class WorkerSupervisor: @unchecked Sendable {
    // @unchecked: `idle`, `live` and `broken` are guarded by `lock`; a checked-out connection is
    // touched by the one thread that holds it.
    private let launch: WorkerConnection.Launch
    private let maxTasksPerWorker: Int?
    private let taskTimeout: Duration?
    private let retries: Int
    private let lock = PThreadLock()
    private var idle: [WorkerConnection] = []
    private var live: [Int32: WorkerConnection] = [:]
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

    /// Starts a worker and parks it as idle.
    func startIdleWorker() throws(ProcessPoolError) {
        let connection = try startWorker()
        lock.withLock { idle.append(connection) }
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
            let connection: WorkerConnection
            if let waiting = lock.withLock({ idle.popLast() }) {
                connection = waiting
            } else {
                do {
                    connection = try startWorker()
                } catch {
                    if case .initializerFailed = error { lock.withLock { broken = error } }
                    throw error
                }
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
            case .closed, .oversized, .system:
                error = .workerCrashed(pid: pid, exit: connection.stop(grace: .seconds(1)), tasks: job.range)
            }
            let wasKilled = lock.withLock { () -> Bool in
                live[pid] = nil
                batchesRun[pid] = nil
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

    /// Returns a worker to the idle list, or retires it after `maxTasksPerWorker` batches.
    private func checkIn(_ connection: WorkerConnection, ranBatch: Bool) {
        let retire = lock.withLock { () -> Bool in
            guard !killed else { return true }
            if ranBatch { batchesRun[connection.pid, default: 0] += 1 }
            if let limit = maxTasksPerWorker, batchesRun[connection.pid, default: 0] >= limit {
                live[connection.pid] = nil
                batchesRun[connection.pid] = nil
                return true
            }
            idle.append(connection)
            return false
        }
        if retire { connection.stop(grace: .seconds(1)) }
    }

    /// Ends every idle worker politely (after `close()` and the last batch).
    func stopAll() {
        let workers = lock.withLock { () -> [WorkerConnection] in
            killed = true
            defer {
                idle = []
                live = [:]
            }
            return Array(live.values)
        }
        for worker in workers { worker.stop(grace: .seconds(1)) }
    }

    /// Kills every worker at once; batches running on them fail with ``ProcessPoolError/closed``.
    func killAll() {
        let (all, waiting) = lock.withLock { () -> ([WorkerConnection], [WorkerConnection]) in
            killed = true
            defer { idle = [] }
            return (Array(live.values), idle)
        }
        for worker in all { kill(worker.pid, SIGKILL) }
        // Idle workers are reaped here; a busy one by the dispatcher that holds it, which sees
        // its worker die.
        for worker in waiting { _ = worker.reap(blocking: true) }
        lock.withLock { for worker in waiting { live[worker.pid] = nil } }
    }
}

extension WorkerConnection: @unchecked Sendable {
    // @unchecked: a connection is used by one thread at a time — the supervisor hands it out
    // under its lock and takes it back the same way.
}
