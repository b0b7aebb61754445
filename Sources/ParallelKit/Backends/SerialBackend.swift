/// The plain loop: every call in turn, in the calling task — for debugging, and as the
/// reference the other backends are tested against.
///
/// ```swift
/// let expected = try await inputs.parallelMap(Square.self, on: .serial)
/// ```
public struct SerialBackend: ClosureBackend {
    public init() {}

    public var capabilities: BackendCapabilities { [.runsClosures, .sharesMemory, .supportsCancellation] }

    public var workerCount: Int { 1 }

    public func map<Task: WorkerTask>(
        _ task: Task.Type, _ inputs: [Task.Input], progress: (any ProgressSink)?
    ) async throws(BackendError) -> [Task.Output] {
        try await run(inputs, progress) { input async throws in try await Task.run(input) }
    }

    public func map<Input: Sendable, Output: Sendable>(
        _ inputs: [Input], progress: (any ProgressSink)?, _ body: @escaping @Sendable (Input) throws -> Output
    ) async throws(BackendError) -> [Output] {
        try await run(inputs, progress) { input async throws in try body(input) }
    }

    private func run<Input, Output>(
        _ inputs: [Input], _ progress: (any ProgressSink)?, _ body: (Input) async throws -> Output
    ) async throws(BackendError) -> [Output] {
        let tally = ProgressTally(progress, total: inputs.count)
        defer { tally.close() }
        var outputs: [Output] = []
        outputs.reserveCapacity(inputs.count)
        for (index, input) in inputs.enumerated() {
            if Task.isCancelled { throw .cancelled }
            tally.started()
            do {
                outputs.append(try await body(input))
            } catch {
                tally.failed()
                throw .taskFailed(RemoteTaskError(error), task: index)
            }
            tally.finished()
        }
        return outputs
    }
}

extension ParallelBackend where Self == SerialBackend {
    /// The plain loop in the calling task.
    public static var serial: SerialBackend { SerialBackend() }
}
