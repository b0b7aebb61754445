@_spi(Backend) import ParallelKit

/// A backend built only from ParallelKit's public and `@_spi(Backend)` surface, as a backend in
/// another module (MPI) would be: batches go through the wire codec and the task registry's
/// worker entry point, in this process. The conformance suite runs it beside the built-in ones,
/// which shows that surface is enough to implement ``ParallelBackend``.
public struct InProcessWireBackend: ParallelBackend {
    /// Inputs per batch.
    public var batchSize: Int

    public init(batchSize: Int = 8) {
        precondition(batchSize >= 1, "InProcessWireBackend(batchSize: \(batchSize)): must be 1 or more")
        self.batchSize = batchSize
    }

    public var capabilities: BackendCapabilities { [.supportsCancellation] }

    public var workerCount: Int { 1 }

    public func map<Task: WorkerTask>(
        _ task: Task.Type, _ inputs: [Task.Input], progress: (any ProgressSink)?
    ) async throws(BackendError) -> [Task.Output] {
        WorkerTasks.register([Task.self])
        progress?.report(.total(inputs.count))
        var outputs: [Task.Output] = []
        var ended = 0
        // Whatever did not end when the call stops was skipped.
        defer { if ended < inputs.count { progress?.report(.skipped(inputs.count - ended)) } }
        for start in stride(from: 0, to: inputs.count, by: batchSize) {
            if _Concurrency.Task.isCancelled { throw .cancelled }
            let range = start..<min(start + batchSize, inputs.count)
            progress?.report(.started(range.count))
            switch await WorkerTasks.runBatch(task: Task.name, payload: try encode(Array(inputs[range]), range)) {
            case .success(let encoded):
                do {
                    outputs += try WireCoder.decode([Task.Output].self, from: encoded)
                } catch {
                    throw .undecodable(tasks: range, detail: "\(error)")
                }
                progress?.report(.finished(range.count))
                ended += range.count
            case .failure(let failure):
                progress?.report(.finished(failure.index))
                progress?.report(.failed(1))
                ended += failure.index + 1
                let index = range.lowerBound + failure.index
                if failure.kind == .thrown { throw .taskFailed(failure.error, task: index) }
                throw .undecodable(tasks: index..<(index + 1), detail: failure.error.message)
            }
        }
        return outputs
    }

    private func encode<Input: Encodable>(_ inputs: [Input], _ range: Range<Int>) throws(BackendError) -> [UInt8] {
        do {
            return try WireCoder.encode(inputs)
        } catch {
            throw .undecodable(tasks: range, detail: "\(error)")
        }
    }
}
