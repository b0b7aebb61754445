/// Where ``Swift/Collection/parallelMap(_:on:)`` runs a ``WorkerTask``: the same task on
/// threads in this process, or in a pool's worker processes — a one-word change.
public enum ParallelBackend: Sendable {
    /// In this process, at most this many calls at once (async-aware, on the cooperative pool).
    case threads(Workers)
    /// In a ``ProcessPool``'s workers, batched automatically.
    case processes(ProcessPool)

    /// Threads, one call per usable core at once.
    public static var threads: ParallelBackend { .threads(.all) }
}

extension Collection where Element: Sendable {
    /// Runs `task` on every element and returns the outputs in order, on the chosen backend.
    ///
    /// ```swift
    /// let inProcess = try await rows.parallelMap(CountInRange.self)                        // threads
    /// let isolated = try await rows.parallelMap(CountInRange.self, on: .processes(pool))   // processes
    /// ```
    ///
    /// On threads, an error thrown by the task arrives as ``ProcessPoolError/taskFailed(_:task:)``
    /// exactly as it would from a worker process, so callers handle both backends alike.
    public func parallelMap<Task: WorkerTask>(
        _ task: Task.Type, on backend: ParallelBackend = .threads
    ) async throws(ProcessPoolError) -> [Task.Output] where Element == Task.Input {
        switch backend {
        case .processes(let pool):
            return try await pool.map(task, self)
        case .threads(let workers):
            do {
                return try await Array(enumerated()).concurrentMap(workers: workers) { index, input in
                    do {
                        return try await Task.run(input)
                    } catch {
                        throw ProcessPoolError.taskFailed(RemoteTaskError(error), task: index)
                    }
                }
            } catch let error as ProcessPoolError {
                throw error
            } catch {
                throw .cancelled
            }
        }
    }
}
