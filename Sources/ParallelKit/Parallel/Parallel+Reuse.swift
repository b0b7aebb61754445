extension Parallel {
    /// Runs `body` with a `Parallel` whose calls share one backend: for worker processes made
    /// for the call (`backend: .processes`), one pool started here for all of `body`'s maps and
    /// shut down after it, however it ends; for every other backend, `self`.
    ///
    /// For modules that make several maps of one logical call (ParallelKitMemory's resumed map
    /// runs the misses in batches, committing each): not for users to call.
    @_spi(Backend) public func reusingBackend<Result>(
        _ body: (Parallel) async throws(BackendError) -> Result
    ) async throws(BackendError) -> Result {
        guard case .processes(let worker, let jobs, let timeout) = try plan() else { return try await body(self) }
        return try await Self.withWorkerProcesses(worker, jobs, timeout: timeout) { pool throws(BackendError) in
            var reused = self
            reused.backend = .processes(pool)
            reused.timeout = nil  // the pool holds it
            if timeout != nil { reused.chunking = .fixed(1) }
            return try await body(reused)
        }
    }
}
