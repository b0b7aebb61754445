import ParallelKitTestTasks
import Testing

@testable import ParallelKit

// The suite is declared in TestSupport.swift, with the other suites that ProcessPoolSuites runs one at a time.
extension ProcessPoolSuites.ParallelBackendTests {
    @Test("the same WorkerTask runs on threads or on processes with one word changed", arguments: ["threads", "processes"])
    func parity(backendName: String) async throws {
        let pool = try await testPool()
        defer { pool.terminate() }
        let backend: any ParallelBackend = backendName == "threads" ? .threads : .processes(pool)
        let inputs = Array(0..<3000)
        #expect(try await inputs.parallelMap(SquareTask.self, on: backend) == inputs.map { $0 * $0 })
        await #expect {
            _ = try await [2, 4, 5].parallelMap(EvenOnlyTask.self, on: backend)
        } throws: { error in
            guard let error = error as? BackendError else { return false }
            return error.code == .taskFailed && error.taskIndex == 2 && error.taskError?.message == "odd input 5"
        }
    }
}
