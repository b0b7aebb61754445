/// Runs `body` on every input as child tasks, at most `limit` at once, on `executor` (the
/// cooperative pool when `nil`), and returns the results in input order: the one loop behind
/// the threads backend and the ``ThreadPool`` backend.
///
/// The first failure (by completion) ends the call: no input starts after it, the running ones
/// finish, and it is thrown as ``BackendError/Code/taskFailed`` with its index. A cancelled
/// calling task starts nothing more and throws ``BackendError/cancelled``; calls that then
/// end with `CancellationError` count as skipped, not failed.
func mapInTaskGroup<Input: Sendable, Output: Sendable>(
    _ inputs: [Input], limit: Int, executor: (any TaskExecutor)?, progress: (any ProgressSink)?,
    _ body: @escaping @Sendable (Input) async throws -> Output
) async throws(BackendError) -> [Output] {
    let tally = ProgressTally(progress, total: inputs.count)
    defer { tally.close() }
    let outcome = await withTaskGroup(of: (Int, Result<Output, any Error>).self) { group in
        var results = [Output?](repeating: nil, count: inputs.count)
        var next = 0
        var firstError: BackendError?
        func startNext() -> Bool {
            guard next < inputs.count, firstError == nil, !Task.isCancelled else { return false }
            let index = next
            next += 1
            tally.started()
            group.addTask(executorPreference: executor) {
                do {
                    return (index, .success(try await body(inputs[index])))
                } catch {
                    return (index, .failure(error))
                }
            }
            return true
        }
        var running = 0
        while running < limit, startNext() { running += 1 }
        while let (index, result) = await group.next() {
            running -= 1
            switch result {
            case .success(let value):
                results[index] = value
                tally.finished()
            case .failure(let error):
                if error is CancellationError, Task.isCancelled { break }
                tally.failed()
                if firstError == nil { firstError = .taskFailed(RemoteTaskError(error), task: index) }
            }
            if startNext() { running += 1 }
        }
        if let firstError { return Result<[Output], BackendError>.failure(firstError) }
        if next < inputs.count || results.contains(where: { $0 == nil }) { return .failure(.cancelled) }
        return .success(results.map { $0! })
    }
    return try outcome.get()
}
