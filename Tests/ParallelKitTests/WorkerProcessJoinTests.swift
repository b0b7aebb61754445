import Foundation
import ParallelKitSystem
import ParallelKitTestSupport
import ParallelKitTestTasks
import Testing

@_spi(Backend) @testable import ParallelKit

@Suite("WorkerProcess.join(timeout:)", .serialized)
struct WorkerProcessJoinTests {
    @Test("13.8: join(timeout:) on a process that never ends gives up in time and leaves it running")
    func joinTimesOut() async throws {
        WorkerTasks.register(allTestTasks)
        let sleeper = WorkerProcess(SleepTask.self, 600_000, executable: testWorkerPath(), accepting: testWorkerBuild())
        sleeper.start()
        while sleeper.pid == nil { try await Task.sleep(for: .milliseconds(5)) }
        let started = ContinuousClock.now
        await #expect {
            _ = try await sleeper.join(timeout: .milliseconds(300))
        } throws: { error in
            (error as? BackendError)?.code == .timedOut && (error as? BackendError)?.timeout == .milliseconds(300)
        }
        // The task sleeps 10 minutes: long enough that a test resumed late in a full run still
        // finds it running.
        #expect(ContinuousClock.now - started < .seconds(60))
        let pid = try #require(sleeper.pid)
        #expect(!processIsGone(pid) && sleeper.exitStatus == nil)
        sleeper.kill()
        await #expect(throws: BackendError.workerCrashed(pid: pid, exit: .signaled(SIGKILL), tasks: 0..<1)) {
            _ = try await sleeper.join(timeout: .seconds(30))
        }
        // A process that ends in time: its output.
        let quick = WorkerProcess(SquareTask.self, 12, executable: testWorkerPath(), accepting: testWorkerBuild())
        quick.start()
        #expect(try await quick.join(timeout: .seconds(30)) == 144)
    }
}
