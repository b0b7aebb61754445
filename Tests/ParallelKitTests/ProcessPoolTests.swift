import Foundation
import ParallelKitTestTasks
import Synchronization
import Testing

@testable import ParallelKit

#if canImport(Glibc)
import Glibc
#endif

/// The test worker executable built next to the test bundle.
func testWorkerPath() -> String { siblingExecutable("ParallelKitTestWorker") }

/// A pool of test workers.
func testPool(
    workers: Workers = 2, initializer: WorkerInitializer? = nil, maxTasksPerWorker: Int? = nil,
    taskTimeout: Duration? = nil, retries: Int = 0
) async throws -> ProcessPool {
    WorkerTasks.register(allTestTasks)
    return try await ProcessPool(
        workers: workers, executable: testWorkerPath(), initializer: initializer, maxTasksPerWorker: maxTasksPerWorker,
        taskTimeout: taskTimeout, retries: retries)
}

@Suite("ProcessPool")
struct ProcessPoolTests {
    @Test("map equals the serial result, in order, for every batching", arguments: [nil, 1, 7, 1000] as [Int?])
    func mapMatchesSerial(chunkSize: Int?) async throws {
        let pool = try await testPool()
        defer { pool.terminate() }
        for size in [0, 1, 2, 97, 20_000] {
            let inputs = Array(0..<size)
            let squares = try await pool.map(SquareTask.self, inputs, chunkSize: chunkSize)
            #expect(squares == inputs.map { $0 * $0 })
        }
    }

    @Test("apply runs one call and returns its value")
    func apply() async throws {
        let pool = try await testPool()
        defer { pool.terminate() }
        #expect(try await pool.apply(SquareTask.self, 12) == 144)
        let count = try await pool.apply(CountInRangeTask.self, .init(row: [1, 4, 5, 8, 9]))
        #expect(count == 3)
    }
}
