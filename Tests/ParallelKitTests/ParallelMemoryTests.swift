import Foundation
import ParallelKitMemory
import ParallelKitTestSupport
import ParallelKitTestTasks
import Testing

@testable import ParallelKit

// ParallelKitMemory's Parallel.map(_:_:cache:) on worker processes, beside the front door's
// other process tests (the suite is declared in TestSupport.swift, run one at a time).
extension ProcessPoolSuites.ParallelFrontDoorTests {
    @Test("a map with a memory on processes: one pool for every batch, none left after; the second run runs nothing")
    func memoryOnProcesses() async throws {
        let directory = NSTemporaryDirectory() + "parallelkit-memory-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let memory = try Memory(directory: directory)
        let parallel = Parallel(jobs: 2, backend: .processes(worker: testWorker))
        let pids = try await parallel.map(PIDTask.self, Array(0..<3000), cache: memory)
        #expect(Set(pids).count <= 2, "every batch ran on the call's one pool of 2 workers")
        #expect(!Set(pids).contains(getpid()))
        let counter = ProgressCounter()
        var again = parallel
        again.progress = .sink(counter)
        #expect(try await again.map(PIDTask.self, Array(0..<3000), cache: memory) == pids)
        #expect(counter.counts.cached == 3000)
        #expect(counter.counts.started == 0)
        #expect(testWorkersAlive().isEmpty, "a call's worker processes end with it")
    }
}
