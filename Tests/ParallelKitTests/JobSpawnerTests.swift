import Foundation
import ParallelKit
import ParallelKitSystem
import ParallelKitTestSupport
import ParallelKitTestTasks
import Testing

@testable import ParallelKitRun

/// The runner's spawns in a program with many threads: 1,000 jobs started by runs begun from
/// `ThreadPool` threads, while a `parallelMap` keeps the engine's threads busy and a
/// `ProcessPool`'s workers (and its spawner thread) are alive — with both strategies, the
/// library's `posix_spawn` and the CLI's clone that does not wait for the exec.
extension ProcessPoolSuites {
    @Suite("JobSpawner in a threaded host")
    struct JobSpawnerTests {
        @Test(
            "1,000 jobs from ThreadPool threads beside a parallelMap, a ProcessPool alive: every output whole",
            .serialized, arguments: [SpawnConfiguration.Strategy.posixSpawn, .cloneWithoutWaiting])
        func threadedHost(strategy: SpawnConfiguration.Strategy) async throws {
            let pool = try await ProcessPool(workers: 2, executable: testWorkerPath(), accepting: testWorkerBuild())
            let threads = ThreadPool(workers: 4)
            var configured = CommandRunner(RunConfiguration(workers: .count(4)))
            configured.spawnStrategy = strategy
            let runner = configured
            // Pipes and pidfds only, and polled at the end: the runner's suites (serialized
            // among themselves, not with these) start jobs meanwhile, whose pipes come and go;
            // a leak here would be hundreds that stay.
            let before = openPipeAndPidfdCount()
            let outputs = try await withThrowingTaskGroup(of: [String].self) { group in
                for run in 0..<4 {
                    group.addTask(executorPreference: threads) {
                        let values = (0..<250).map { "r\(run)-\($0)" }
                        return try await runner.map(template: "echo {} {#}", values: values).map(\.text)
                    }
                }
                group.addTask {
                    // Threads that allocate, lock and signal each other while the jobs start.
                    for _ in 0..<20 {
                        let squares = (0..<200_000).parallelMap { $0 &* $0 }
                        #expect(squares[1_000] == 1_000_000)
                        let square = try await pool.apply(SquareTask.self, 12)
                        #expect(square == 144)
                    }
                    return []
                }
                var all: [String] = []
                for try await texts in group { all += texts }
                return all
            }
            let expected = (0..<4).flatMap { run in (0..<250).map { "r\(run)-\($0) \($0 + 1)\n" } }
            #expect(outputs.sorted() == expected.sorted())
            #expect(try await pool.apply(SquareTask.self, 7) == 49)
            pool.terminate()
            threads.close()
            #expect(await eventually { openPipeAndPidfdCount() <= before + 2 }, "\(openPipeAndPidfdCount()) > \(before) + 2")
        }
    }
}
