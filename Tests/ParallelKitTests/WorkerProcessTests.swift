import ParallelKitSystem
import ParallelKitTestSupport
import ParallelKitTestTasks
import Testing

@_spi(Backend) @testable import ParallelKit

// The suite is declared in TestSupport.swift, with the other suites that ProcessPoolSuites runs one at a time.
extension ProcessPoolSuites.WorkerProcessTests {
    @Test("start and join return the task's output; the process has exited cleanly")
    func startJoin() async throws {
        WorkerTasks.register(allTestTasks)
        let process = WorkerProcess(SquareTask.self, 11, executable: testWorkerPath(), accepting: testWorkerBuild())
        process.start()
        #expect(try await process.join() == 121)
        #expect(process.pid != nil && process.exitStatus == .exited(0))
    }

    @Test("kill makes join fail with the signal; a task error arrives typed")
    func killAndErrors() async throws {
        let sleeper = WorkerProcess(SleepTask.self, 30_000, executable: testWorkerPath(), accepting: testWorkerBuild())
        sleeper.start()
        while sleeper.pid == nil { try await Task.sleep(for: .milliseconds(5)) }
        sleeper.kill()
        await #expect(throws: BackendError.workerCrashed(pid: sleeper.pid!, exit: .signaled(SIGKILL), tasks: 0..<1)) {
            _ = try await sleeper.join()
        }
        let odd = WorkerProcess(EvenOnlyTask.self, 5, executable: testWorkerPath(), accepting: testWorkerBuild())
        odd.start()
        await #expect {
            _ = try await odd.join()
        } throws: { error in
            if let failure = error as? BackendError, failure.code == .taskFailed, failure.taskIndex == 0, let remote = failure.taskError { return remote.message == "odd input 5" }
            return false
        }
    }

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
