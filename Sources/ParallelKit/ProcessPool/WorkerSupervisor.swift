import ParallelKitSystem

/// Owns a ``ProcessPool``'s worker processes: the pool's driver over real workers.
typealias WorkerSupervisor = WorkerPoolDriver<ProcessWorkerHost>

/// Where a pool's workers come from: processes started with `posix_spawn` (``WorkerConnection``).
///
/// Any thread may drive any worker because none of them started it: workers are spawned on
/// `spawner`, a thread that lives until every worker has been stopped — a worker is told to
/// die when the *thread* that started it ends (`PR_SET_PDEATHSIG`).
struct ProcessWorkerHost: WorkerHost {
    let launch: WorkerConnection.Launch
    let spawner = ThreadPool(workers: 1)

    func startWorker() throws(BackendError) -> WorkerConnection {
        try WorkerConnection.start(launch, spawner: spawner)
    }

    func nanoseconds() -> UInt64 { MonotonicClock.nanoseconds() }

    func shutDown() { spawner.terminate() }
}

extension WorkerPoolDriver where Host == ProcessWorkerHost {
    convenience init(
        launch: WorkerConnection.Launch, workers: Int, maxTasksPerWorker: Int?, taskTimeout: Duration?, retries: Int,
        onWorkerRestart: (@Sendable (WorkerRestart) -> Void)? = nil
    ) {
        self.init(
            host: ProcessWorkerHost(launch: launch),
            configuration: .init(workers: workers, maxTasksPerWorker: maxTasksPerWorker, taskTimeout: taskTimeout, retries: retries),
            onWorkerRestart: onWorkerRestart)
    }
}
