import ParallelKit

/// Starts a pool of its own worker executable from inside a task (a nested pool, on purpose) and
/// returns the sum of the squares of `0..<input` computed there, with the pids of that pool's
/// workers: the runaway guard must let it through.
public struct NestedPoolTask: WorkerTask {
    public struct Output: Codable, Sendable {
        public let sum: Int
        public let workerPIDs: [Int32]
    }

    public static func run(_ input: Int) async throws -> Output {
        let pool = try await ProcessPool(workers: 1)
        let squares = try await pool.map(SquareTask.self, Array(0..<input))
        let pids = pool.workerPIDs
        pool.close()
        await pool.join()
        return Output(sum: squares.reduce(0, +), workerPIDs: pids)
    }
}
