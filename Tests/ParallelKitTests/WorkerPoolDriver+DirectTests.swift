import ParallelKitSystem
import ParallelKitTestSupport
import Testing

@_spi(Backend) @testable import ParallelKit

/// The outputs of a run from the caller's thread, awaited if it was handed over.
func outputs(of run: ScriptedDriver.DirectRun?) async throws -> [[UInt8]]? {
    switch run {
    case nil: return nil
    case .finished(let outputs): return outputs
    case .handedOver(let future): return try await future.value
    }
}

/// Whether `run` was handed over to a thread.
func isHandedOver(_ run: ScriptedDriver.DirectRun?) -> Bool {
    if case .handedOver = run { return true }
    return false
}

@Suite("WorkerPoolDriver, calling-thread path")
struct WorkerPoolDriverDirectTests {
    @Test("as many idle workers as batches: all sent at once, answered while the caller polls, checked back in")
    func finished() async throws {
        let host = ScriptedWorkerHost()
        let driver = try scriptedDriver(host, workers: 2)
        let run = try driver.runOnCallingThread([scriptedJob([1]), scriptedJob([2])])
        guard case .finished(let answers) = run else {
            Issue.record("not answered while polling")
            return
        }
        #expect(answers == [[1], [2]])
        // The last checked in is lent first: the first job went to the second worker.
        #expect(host.startedWorkers[1].journal == [.checked(running: true), .sent(task: "square", id: 1), .polled(id: 1)])
        #expect(host.startedWorkers[0].journal == [.checked(running: true), .sent(task: "square", id: 1), .polled(id: 1)])
        #expect(driver.lock.withLock { driver.state.directRuns } == 0)
        #expect(try await outputs(of: driver.runOnCallingThread([scriptedJob([3]), scriptedJob([4])])) == [[3], [4]])
    }

    @Test("too few idle workers: nil, nothing lent or sent, no worker started")
    func tooFewIdle() throws {
        let host = ScriptedWorkerHost()
        let driver = try scriptedDriver(host, workers: 3, initial: 1)
        #expect(try driver.runOnCallingThread([scriptedJob(), scriptedJob()]) == nil)
        #expect(host.startedWorkers.count == 1 && host.startedWorkers[0].journal.isEmpty)
        #expect(driver.lock.withLock { driver.state.directRuns } == 0)
    }

    @Test("a slow answer is handed to a thread, which waits for what is left of the task timeout")
    func handedOverWithTimeLeft() async throws {
        let host = ScriptedWorkerHost()
        let driver = try scriptedDriver(host, taskTimeout: .seconds(1))
        let worker = host.startedWorkers[0]
        worker.script(.slow([9], taking: .milliseconds(40)))
        let run = try driver.runOnCallingThread([scriptedJob()])
        #expect(isHandedOver(run))
        #expect(try await outputs(of: run) == [[9]])
        #expect(worker.journal == [.checked(running: true), .sent(task: "square", id: 1), .answered(id: 1, timeout: .milliseconds(960))])
        #expect(await eventually { driver.lock.withLock { driver.state.directRuns } == 0 })
    }

    @Test("a task that throws fails the run with its index once every batch has answered; both workers are kept")
    func batchFailure() throws {
        let host = ScriptedWorkerHost()
        let driver = try scriptedDriver(host, workers: 2)
        host.startedWorkers[0].script(.batchFailure(.init(index: 2, kind: .thrown, error: remoteError)))
        #expect(throws: BackendError.taskFailed(remoteError, task: 12)) {
            try driver.runOnCallingThread([scriptedJob([1]), scriptedJob([2])])
        }
        #expect(host.startedWorkers.map { $0.journal.last } == [.polled(id: 1), .polled(id: 1)])
        #expect(driver.livePIDs == [1001, 1002])
        #expect(try driver.runOnCallingThread([scriptedJob([1]), scriptedJob([2])]) != nil)
    }

    @Test("a worker found dead when lent is dropped, the others go back, and the batches are queued")
    func deadWhenLent() throws {
        let host = ScriptedWorkerHost()
        let driver = try scriptedDriver(host, workers: 2)
        let (dead, alive) = (host.startedWorkers[0], host.startedWorkers[1])
        dead.die(.signaled(SIGKILL))
        #expect(try driver.runOnCallingThread([scriptedJob(), scriptedJob()]) == nil)
        #expect(dead.journal == [.checked(running: false), .reaped])
        #expect(alive.journal == [.checked(running: true)])
        #expect(driver.livePIDs == [1002])
        #expect(driver.lock.withLock { driver.state.directRuns } == 0)
        // One batch still fits the one worker left.
        #expect(try driver.runOnCallingThread([scriptedJob()]) != nil)
    }

    @Test("a crash during a run from the caller's thread is settled on a thread of its own and retried on a replacement")
    func crashRetried() async throws {
        let host = ScriptedWorkerHost()
        let driver = try scriptedDriver(host, retries: 1)
        let victim = host.startedWorkers[0]
        victim.script(.crash(.exited(7)))
        let run = try driver.runOnCallingThread([scriptedJob([5])])
        #expect(isHandedOver(run))
        #expect(try await outputs(of: run) == [[5]])
        #expect(victim.journal == [.checked(running: true), .sent(task: "square", id: 1), .polled(id: 1), .stopped(grace: .seconds(1))])
        #expect(host.startedWorkers.count == 2)
        #expect(host.startedWorkers[1].journal == [.sent(task: "square", id: 1), .answered(id: 1, timeout: nil)])
    }

    @Test("a worker that does not register a batch's task: every worker goes back, nothing is sent")
    func refused() throws {
        let host = ScriptedWorkerHost()
        host.script(.worker(ScriptedWorker(pid: 1, refusing: ["cube"])), .worker(ScriptedWorker(pid: 2)))
        let driver = try scriptedDriver(host, workers: 2)
        #expect(throws: BackendError.taskNotRegistered(task: "cube", signature: "cube(Int)->Int", pid: 1)) {
            try driver.runOnCallingThread([scriptedJob(), scriptedJob(task: "cube")])
        }
        #expect(host.startedWorkers.map(\.journal) == [[.checked(running: true)], [.checked(running: true)]])
        // Back in the order they were lent, as before the state machine.
        #expect(driver.lock.withLock { driver.state.idleWorkers.map(\.pid) } == [2, 1])
    }

    @Test("close and join racing a handed-over run: stopAll waits for it, then stops every worker")
    func stopWaitsForHandedOverRun() async throws {
        let host = ScriptedWorkerHost()
        let driver = try scriptedDriver(host)
        let gate = Gate()
        host.startedWorkers[0].script(.held([8], gate))
        let run = try driver.runOnCallingThread([scriptedJob()])
        #expect(isHandedOver(run))
        driver.close()
        let join = Task { await offCooperativePool { driver.stopAll() } }
        try await Task.sleep(for: .milliseconds(50))
        #expect(!host.isShutDown)  // still waiting for the run
        gate.open()
        #expect(try await outputs(of: run) == [[8]])
        await join.value
        #expect(host.isShutDown)
        #expect(host.startedWorkers[0].journal.last == .stopped(grace: .seconds(1)))
    }

    @Test("terminate racing a handed-over run: it fails with .closed at once")
    func killDuringHandedOverRun() async throws {
        let host = ScriptedWorkerHost()
        let driver = try scriptedDriver(host, retries: 2)
        let worker = host.startedWorkers[0]
        worker.script(.hang)
        let run = try driver.runOnCallingThread([scriptedJob()])
        #expect(isHandedOver(run))
        #expect(await eventually { worker.journal.contains(.answered(id: 1, timeout: nil)) })
        driver.killAll()
        await #expect(throws: FutureError<BackendError>.failed(.closed)) { _ = try await outputs(of: run) }
        #expect(worker.journal.suffix(2) == [.killSent, .stopped(grace: .seconds(1))])
        #expect(driver.livePIDs.isEmpty)
        #expect(await eventually { driver.lock.withLock { driver.state.directRuns } == 0 })
    }
}
