/// Starts a pool, runs `body` with it, and always cleans up: on return the pool is closed and
/// joined; on a thrown error or cancellation it is terminated and joined. No worker outlives the call.
/// `body` runs in the caller's isolation (`isolation`), so it may use the caller's values: from
/// a `@main` type's `main`, which is on the main actor, as from anywhere else.
///
/// ```swift
/// let counts = try await withProcessPool(workers: 4) { pool in
///     try await pool.map(CountInRange.self, rows)
/// }
/// ```
public func withProcessPool<Result>(
    workers: Workers = .all,
    executable: String? = nil,
    initializer: WorkerInitializer? = nil,
    maxTasksPerWorker: Int? = nil,
    taskTimeout: Duration? = nil,
    retries: Int = 0,
    maxMessageBytes: Int = WireLimits.defaultMaxMessageBytes,
    accepting: AcceptedBuild = .sameBuild,
    isolation: isolated (any Actor)? = #isolation,
    _ body: (ProcessPool) async throws -> Result
) async throws -> Result {
    let pool = try await ProcessPool(
        workers: workers, executable: executable, initializer: initializer, maxTasksPerWorker: maxTasksPerWorker,
        taskTimeout: taskTimeout, retries: retries, maxMessageBytes: maxMessageBytes, accepting: accepting)
    return try await pool.shuttingDown(isolation: isolation, after: body)
}

/// ``withProcessPool(workers:executable:initializer:maxTasksPerWorker:taskTimeout:retries:maxMessageBytes:accepting:isolation:_:)``
/// with the workers of another executable, `worker` (``WorkerExecutable``): the form for tests.
///
/// ```swift
/// let squares = try await withProcessPool(workers: 2, worker: .product("SquareWorker")) { pool in
///     try await pool.map(Square.self, [1, 2, 3])
/// }
/// ```
public func withProcessPool<Result>(
    workers: Workers = .all, worker: WorkerExecutable, initializer: WorkerInitializer? = nil,
    maxTasksPerWorker: Int? = nil, taskTimeout: Duration? = nil, retries: Int = 0,
    maxMessageBytes: Int = WireLimits.defaultMaxMessageBytes, isolation: isolated (any Actor)? = #isolation,
    _ body: (ProcessPool) async throws -> Result
) async throws -> Result {
    try await withProcessPool(
        workers: workers, executable: worker.path, initializer: initializer, maxTasksPerWorker: maxTasksPerWorker,
        taskTimeout: taskTimeout, retries: retries, maxMessageBytes: maxMessageBytes, accepting: worker.accepting,
        isolation: isolation, body)
}
