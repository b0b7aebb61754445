import ParallelKitSystem
import ParallelKitTestSupport
import Testing

@_spi(Backend) @testable import ParallelKit

typealias ScriptedDriver = WorkerPoolDriver<ScriptedWorkerHost>

/// A driver over `host`, with `initial` workers started one after the other (idle, the last
/// one lent first).
func scriptedDriver(
    _ host: ScriptedWorkerHost, workers: Int = 1, initial: Int? = nil, maxTasksPerWorker: Int? = nil,
    taskTimeout: Duration? = nil, retries: Int = 0
) throws -> ScriptedDriver {
    let driver = ScriptedDriver(
        host: host,
        configuration: .init(workers: workers, maxTasksPerWorker: maxTasksPerWorker, taskTimeout: taskTimeout, retries: retries))
    for _ in 0..<(initial ?? workers) { try driver.startInitialWorker(of: 1) }
    return driver
}

/// A batch of three tasks, at indices 10..<13 of the caller's input.
func scriptedJob(_ payload: [UInt8] = [7], task: String = "square") -> BatchJob {
    BatchJob(task: task, signature: "\(task)(Int)->Int", payload: payload, range: 10..<13)
}

@Suite("WorkerPoolDriver")
struct WorkerPoolDriverTests {
    @Test("the initial workers start on as many threads, each waiting until all have one")
    func initialWorkers() async throws {
        let host = ScriptedWorkerHost()
        let driver = ScriptedDriver(host: host, configuration: .init(workers: 2, taskTimeout: nil, retries: 0))
        async let first: Void = offCooperativePool { () throws(BackendError) in try driver.startInitialWorker(of: 2) }
        async let second: Void = offCooperativePool { () throws(BackendError) in try driver.startInitialWorker(of: 2) }
        _ = try await (first, second)
        #expect(driver.livePIDs == [1001, 1002])
        #expect(host.startedWorkers.map(\.journal) == [[], []])
    }

    @Test("a batch runs on an idle worker, checked for life first and checked back in after")
    func runOnIdleWorker() throws {
        let host = ScriptedWorkerHost()
        let driver = try scriptedDriver(host)
        let worker = try #require(host.startedWorkers.first)
        #expect(try driver.run(scriptedJob([1, 2])) == [1, 2])
        #expect(try driver.run(scriptedJob([3])) == [3])
        #expect(worker.journal == [
            .checked(running: true), .sent(task: "square", id: 1), .answered(id: 1, timeout: nil),
            .checked(running: true), .sent(task: "square", id: 2), .answered(id: 2, timeout: nil),
        ])
        #expect(host.startedWorkers.count == 1)
    }

    @Test("a worker that died while idle is dropped at checkout and a replacement runs the batch")
    func idleDeath() throws {
        let host = ScriptedWorkerHost()
        let driver = try scriptedDriver(host)
        let victim = host.startedWorkers[0]
        victim.die(.signaled(SIGKILL))
        #expect(try driver.run(scriptedJob()) == [7])
        #expect(victim.journal == [.checked(running: false), .reaped])
        #expect(host.startedWorkers.count == 2)
        #expect(host.startedWorkers[1].journal == [.sent(task: "square", id: 1), .answered(id: 1, timeout: nil)])
        #expect(driver.livePIDs == [1002])
    }

    @Test("a worker that dies running a batch fails its tasks with its pid and how it ended; a replacement takes over")
    func crashWhileLent() throws {
        let host = ScriptedWorkerHost()
        let driver = try scriptedDriver(host)
        let victim = host.startedWorkers[0]
        victim.script(.crash(.exited(7)))
        #expect(throws: BackendError.workerCrashed(pid: 1001, exit: .exited(7), tasks: 10..<13)) { try driver.run(scriptedJob()) }
        #expect(victim.journal == [
            .checked(running: true), .sent(task: "square", id: 1), .answered(id: 1, timeout: nil), .stopped(grace: .seconds(1)),
        ])
        #expect(driver.livePIDs.isEmpty)
        #expect(try driver.run(scriptedJob()) == [7])
        #expect(driver.livePIDs == [1002])
    }

    @Test("a batch that never reached its worker (it had died) runs on a replacement, spending no retry")
    func notDelivered() throws {
        let host = ScriptedWorkerHost()
        let driver = try scriptedDriver(host, retries: 0)
        let victim = host.startedWorkers[0]
        victim.script(.notDelivered)
        #expect(try driver.run(scriptedJob()) == [7])
        #expect(victim.journal == [.checked(running: true), .notDelivered(task: "square"), .stopped(grace: .seconds(1))])
        #expect(host.startedWorkers.count == 2)
    }

    @Test("a batch over the timeout, or an answer that cannot be decoded, kills the worker at once")
    func timeoutAndGarbage() throws {
        let host = ScriptedWorkerHost()
        let driver = try scriptedDriver(host, taskTimeout: .milliseconds(300), retries: 2)
        let slow = host.startedWorkers[0]
        slow.script(.timeout)
        #expect(throws: BackendError.timedOut(pid: 1001, tasks: 10..<13, timeout: .milliseconds(300))) {
            try driver.run(scriptedJob())
        }
        #expect(slow.journal == [
            .checked(running: true), .sent(task: "square", id: 1), .answered(id: 1, timeout: .milliseconds(300)), .killedNow,
        ])
        let garbled = ScriptedWorker(pid: 77, replies: [.garbage("unknown message kind 9")])
        host.script(.worker(garbled))
        #expect(throws: BackendError.undecodable(tasks: 10..<13, detail: "unknown message kind 9")) { try driver.run(scriptedJob()) }
        #expect(garbled.journal == [.sent(task: "square", id: 1), .answered(id: 1, timeout: .milliseconds(300)), .killedNow])
        #expect(driver.livePIDs.isEmpty)
    }

    @Test("a task that throws fails with its index in the caller's input; its worker stays and is lent again")
    func taskThrows() throws {
        let host = ScriptedWorkerHost()
        let driver = try scriptedDriver(host)
        let worker = host.startedWorkers[0]
        worker.script(.batchFailure(.init(index: 1, kind: .thrown, error: remoteError)))
        #expect(throws: BackendError.taskFailed(remoteError, task: 11)) { try driver.run(scriptedJob()) }
        #expect(try driver.run(scriptedJob()) == [7])
        #expect(worker.journal.filter { if case .stopped = $0 { true } else { false } }.isEmpty)
        #expect(host.startedWorkers.count == 1)
    }

    @Test("a worker that does not register the task is refused, sent nothing, and kept")
    func refusedTask() throws {
        let host = ScriptedWorkerHost()
        host.script(.worker(ScriptedWorker(pid: 5, refusing: ["cube"])))
        let driver = try scriptedDriver(host)
        #expect(throws: BackendError.taskNotRegistered(task: "cube", signature: "cube(Int)->Int", pid: 5)) {
            try driver.run(scriptedJob(task: "cube"))
        }
        #expect(try driver.run(scriptedJob()) == [7])
        #expect(host.startedWorkers[0].journal == [
            .checked(running: true), .checked(running: true), .sent(task: "square", id: 1), .answered(id: 1, timeout: nil),
        ])
    }

    @Test("maxTasksPerWorker: a worker is stopped politely after that many batches and replaced")
    func recycling() throws {
        let host = ScriptedWorkerHost()
        let driver = try scriptedDriver(host, maxTasksPerWorker: 2)
        for _ in 0..<5 { _ = try driver.run(scriptedJob()) }
        #expect(host.startedWorkers.count == 3)
        #expect(host.startedWorkers[0].journal.last == .stopped(grace: .seconds(1)))
        #expect(host.startedWorkers[1].journal.last == .stopped(grace: .seconds(1)))
        #expect(host.startedWorkers[2].journal.last == .answered(id: 1, timeout: nil))
        #expect(driver.livePIDs == [host.startedWorkers[2].pid])
    }

    @Test("retries: a batch whose worker crashed runs again on a new worker, until the retries are spent")
    func retries() throws {
        let host = ScriptedWorkerHost()
        let driver = try scriptedDriver(host, retries: 1)
        host.startedWorkers[0].script(.crash(.signaled(SIGKILL)))
        host.script(.worker(ScriptedWorker(pid: 2001, replies: [.outputs([49])])))
        #expect(try driver.run(scriptedJob()) == [49])
        let again = ScriptedWorker(pid: 2002, replies: [.crash(.exited(1))])
        host.script(.worker(again))
        host.startedWorkers[1].script(.crash(.exited(3)))
        #expect(throws: BackendError.workerCrashed(pid: 2002, exit: .exited(1), tasks: 10..<13)) { try driver.run(scriptedJob()) }
        #expect(again.journal == [.sent(task: "square", id: 1), .answered(id: 1, timeout: nil), .stopped(grace: .seconds(1))])
    }

    @Test("an answer claiming 4 GB: messageTooLarge naming size and limit, its worker killed, not retried with retries: 2")
    func oversizedAnswer() throws {
        let host = ScriptedWorkerHost()
        let driver = try scriptedDriver(host, retries: 2)
        let liar = host.startedWorkers[0]
        liar.script(.oversized(bytes: 4_294_967_295, limit: 1 << 30))
        #expect(throws: BackendError.messageTooLarge(bytes: 4_294_967_295, limit: 1 << 30, tasks: 10..<13, pid: 1001)) {
            try driver.run(scriptedJob())
        }
        #expect(liar.journal == [.checked(running: true), .sent(task: "square", id: 1), .answered(id: 1, timeout: nil), .killedNow])
        // Not run again: no replacement was started for it, and the next batch starts the first.
        #expect(host.startedWorkers.count == 1)
        #expect(try driver.run(scriptedJob([5])) == [5])
        #expect(host.startedWorkers.count == 2)
    }

    @Test("a batch the worker refused to send as too large fails with messageTooLarge; the worker is kept, not retried")
    func tooLargeResult() throws {
        let host = ScriptedWorkerHost()
        let driver = try scriptedDriver(host, retries: 2)
        let worker = host.startedWorkers[0]
        worker.script(.batchFailure(.tooLarge(bytes: 2_000_009, limit: 1 << 20, holding: "result", pid: 1001)))
        #expect(throws: BackendError.messageTooLarge(bytes: 2_000_009, limit: 1 << 20, tasks: 10..<13, pid: 1001)) {
            try driver.run(scriptedJob())
        }
        #expect(try driver.run(scriptedJob([5])) == [5])
        #expect(host.startedWorkers.count == 1)
        #expect(worker.journal.filter { if case .sent = $0 { true } else { false } }.count == 2)
    }

    @Test("a broken pool: an initializer that throws in a replacement fails this call and every later one")
    func brokenPool() throws {
        let host = ScriptedWorkerHost()
        let driver = try scriptedDriver(host)
        host.startedWorkers[0].script(.crash(.exited(9)))
        #expect(throws: BackendError.self) { try driver.run(scriptedJob()) }
        let broken = BackendError.initializerFailed(remoteError)
        host.script(.fail(broken))
        #expect(throws: broken) { try driver.run(scriptedJob()) }
        #expect(throws: broken) { try driver.run(scriptedJob()) }
        #expect(throws: broken) { try driver.runOnCallingThread([scriptedJob()]) }
        #expect(host.failedStarts == 1 && host.startedWorkers.count == 1)
    }

    @Test("a worker that dies while it starts fails the call; the next call starts another")
    func deathWhileStarting() throws {
        let host = ScriptedWorkerHost()
        let driver = try scriptedDriver(host, initial: 0)
        let refusal = BackendError.handshakeRefused("worker 9 exited with status 3 during the handshake (closed)")
        host.script(.fail(refusal))
        #expect(throws: refusal) { try driver.run(scriptedJob()) }
        #expect(try driver.run(scriptedJob()) == [7])
        #expect(driver.livePIDs == [1001])
    }

    @Test("terminate while a worker starts: the new worker is killed and the call fails with .closed")
    func killWhileStarting() throws {
        let host = ScriptedWorkerHost()
        let driver = try scriptedDriver(host, initial: 0)
        let late = ScriptedWorker(pid: 3)
        host.script(.workerAfter(late, meanwhile: { driver.killAll() }))
        #expect(throws: BackendError.closed) { try driver.run(scriptedJob()) }
        #expect(late.journal == [.killedNow])
        #expect(host.isShutDown && driver.livePIDs.isEmpty)
        #expect(throws: BackendError.closed) { try driver.run(scriptedJob()) }
    }

    @Test("terminate racing a running call: the call fails with .closed, idle workers are killed and reaped")
    func killRacesRunningCall() async throws {
        let host = ScriptedWorkerHost()
        let driver = try scriptedDriver(host, workers: 2)
        let (idle, busy) = (host.startedWorkers[0], host.startedWorkers[1])
        busy.script(.hang)
        let call = Task { try await offCooperativePool { () throws(BackendError) in try driver.run(scriptedJob()) } }
        #expect(await eventually { busy.journal.contains(.answered(id: 1, timeout: nil)) })
        driver.killAll()
        await #expect(throws: BackendError.closed) { _ = try await call.value }
        #expect(busy.journal == [
            .checked(running: true), .sent(task: "square", id: 1), .answered(id: 1, timeout: nil), .killSent,
            .stopped(grace: .seconds(1)),
        ])
        #expect(idle.journal == [.killSent, .reaped])
        #expect(driver.livePIDs.isEmpty && host.isShutDown)
    }

    @Test("close and join: queued batches still run after close; stopAll stops every worker and the host")
    func closeThenStop() throws {
        let host = ScriptedWorkerHost()
        let driver = try scriptedDriver(host, workers: 2)
        driver.close()
        #expect(try driver.runOnCallingThread([scriptedJob()]) == nil)
        #expect(try driver.run(scriptedJob()) == [7])
        driver.stopAll()
        #expect(host.startedWorkers.map { $0.journal.last } == [.stopped(grace: .seconds(1)), .stopped(grace: .seconds(1))])
        #expect(driver.livePIDs.isEmpty && host.isShutDown)
        #expect(throws: BackendError.closed) { try driver.run(scriptedJob()) }
    }
}
