import Foundation
import ParallelKitSystem
import ParallelKitTestSupport
import ParallelKitTestTasks
import Synchronization
import Testing

@_spi(Backend) @testable import ParallelKit

@Suite("WorkerRestart: ProcessPool.workerRestarts and onWorkerRestart", .serialized)
struct WorkerRestartTests {
    @Test("13.8: a killed worker's replacement is counted and reported, naming both pids and the signal")
    func restartAfterKill() async throws {
        WorkerTasks.register(allTestTasks)
        let events = Mutex<[WorkerRestart]>([])
        let pool = try await ProcessPool(
            workers: 1, executable: testWorkerPath(), accepting: testWorkerBuild(), onWorkerRestart: { restart in events.withLock { $0.append(restart) } })
        #expect(pool.workerRestarts == 0)
        let victim = pool.workerPIDs[0]
        kill(victim, SIGKILL)
        #expect(await eventually(within: .seconds(5)) { processIsGone(victim) })
        #expect(try await pool.apply(SquareTask.self, 9) == 81)
        let replacement = pool.workerPIDs[0]
        #expect(replacement != victim)
        #expect(pool.workerRestarts == 1)
        #expect(events.withLock { $0 } == [WorkerRestart(pid: replacement, replacedPID: victim, reason: .diedWhileIdle(.signaled(SIGKILL)))])
        // A crash while running a batch, retried on a replacement: a second restart.
        #expect(try await pool.apply(PIDTask.self, 0) == replacement)
        _ = try? await pool.apply(CrashTask.self, .crash(.exitCode))
        #expect(try await pool.apply(SquareTask.self, 3) == 9)
        #expect(pool.workerRestarts == 2)
        #expect(events.withLock { $0.last?.reason } == .crashed(.exited(7)))
        pool.close()
        await pool.join()
        #expect(pool.workerRestarts == 2)  // ending the pool is no restart
    }
}
