import ParallelKitSystem
import ParallelKitTestSupport
import Testing

@_spi(Backend) @testable import ParallelKit

typealias PoolState = WorkerPoolState<ScriptedWorker>

/// A fresh pool state.
func poolState(workers: Int = 2, maxTasksPerWorker: Int? = nil, taskTimeout: Duration? = nil, retries: Int = 0) -> PoolState {
    PoolState(.init(workers: workers, maxTasksPerWorker: maxTasksPerWorker, taskTimeout: taskTimeout, retries: retries))
}

/// Starts `pids` through ``WorkerPoolState/beginStart()`` as a pool's initial workers (idle,
/// in that order) and returns them.
func startInitial(_ state: inout PoolState, _ pids: [Int32]) -> [ScriptedWorker] {
    pids.map { pid in
        let worker = ScriptedWorker(pid: pid)
        #expect(state.beginStart() == .start)
        #expect(state.started(worker) == .accepted(.init(worker: worker, batches: 0)))
        #expect(state.initialWorkerReady(.init(worker: worker, batches: 0)) == .idle)
        return worker
    }
}

/// A remote error for batch failures.
let remoteError = RemoteTaskError(typeName: "Tests.Odd", message: "odd input 7", pid: 42)

@Suite("WorkerPoolState")
struct WorkerPoolStateTests {
    @Test("initial starts: counted while starting, live and idle once ready, done when every thread has one")
    func initialStarts() {
        var state = poolState(workers: 2)
        #expect(state.beginStart() == .start)
        #expect(state.beginStart() == .start)
        #expect(state.starting == 2)
        let first = ScriptedWorker(pid: 11)
        #expect(state.started(first) == .accepted(.init(worker: first, batches: 0)))
        #expect(state.starting == 1 && state.livePIDs == [11])
        #expect(state.initialWorkerReady(.init(worker: first, batches: 0)) == .idle)
        #expect(!state.initialStartsDone(of: 2))
        let second = ScriptedWorker(pid: 12)
        #expect(state.started(second) == .accepted(.init(worker: second, batches: 0)))
        #expect(state.initialWorkerReady(.init(worker: second, batches: 0)) == .idle)
        #expect(state.initialStartsDone(of: 2))
        #expect(state.starting == 0 && state.livePIDs == [11, 12] && state.idleWorkers == [first, second])
        // An ended pool releases threads still waiting for the others.
        var ended = poolState(workers: 2)
        _ = ended.kill()
        #expect(ended.initialStartsDone(of: 2))
    }

    @Test("checkOut lends the most recently checked-in worker, starts up to the pool's count, then waits")
    func checkOut() {
        var state = poolState(workers: 2)
        #expect(state.checkOut() == .start)
        #expect(state.checkOut() == .start)
        #expect(state.checkOut() == .wait)
        let (first, second) = (ScriptedWorker(pid: 1), ScriptedWorker(pid: 2))
        guard case .accepted(let lease) = state.started(first) else {
            Issue.record("not accepted")
            return
        }
        _ = state.started(second)
        #expect(state.checkOut() == .wait)  // both live and lent
        #expect(state.checkIn(lease, ranBatch: true) == .idle)
        #expect(state.checkOut() == .use(.init(worker: first, batches: 1)))
        #expect(state.checkOut() == .wait)
    }

    @Test("checkIn makes a worker idle again, and retires it after maxTasksPerWorker batches that ran")
    func checkInAndRetirement() {
        var state = poolState(workers: 1, maxTasksPerWorker: 2)
        let worker = startInitial(&state, [5])[0]
        guard case .use(let lease) = state.checkOut() else {
            Issue.record("no worker")
            return
        }
        #expect(state.checkIn(lease, ranBatch: false) == .idle)  // refused batches don't count
        guard case .use(let unchanged) = state.checkOut() else {
            Issue.record("no worker")
            return
        }
        #expect(unchanged.batches == 0)
        #expect(state.checkIn(unchanged, ranBatch: true) == .idle)
        guard case .use(let once) = state.checkOut() else {
            Issue.record("no worker")
            return
        }
        #expect(state.checkIn(once, ranBatch: true) == .retire(worker))
        #expect(state.livePIDs.isEmpty && state.idleWorkers.isEmpty)
        #expect(state.checkOut() == .start)  // the replacement
    }

    @Test("a worker found dead when lent leaves the books and makes room for a replacement")
    func foundDead() {
        var state = poolState(workers: 2)
        let workers = startInitial(&state, [1, 2])
        guard case .use(let lease) = state.checkOut() else {
            Issue.record("no worker")
            return
        }
        #expect(lease.worker == workers[1])
        state.foundDead(lease, exit: .signaled(SIGKILL))
        #expect(state.livePIDs == [1])
        #expect(state.checkOut() == .use(.init(worker: workers[0], batches: 0)))
        #expect(state.checkOut() == .start)
    }

    @Test("a start that fails frees its place; an initializer that throws breaks the pool for good")
    func failedStarts() {
        var state = poolState(workers: 1)
        #expect(state.checkOut() == .start)
        state.startFailed(.spawnFailed(executable: "/x", errno: ENOENT))
        #expect(state.starting == 0 && state.broken == nil)
        #expect(state.checkOut() == .start)
        let broken = BackendError.initializerFailed(remoteError)
        state.startFailed(broken)
        #expect(state.broken == broken)
        #expect(state.checkOut() == .refuse(broken))
        #expect(state.checkOutIdle(1) == .refuse(broken))
        #expect(state.beginStart() == .refuse(broken))
    }

    @Test("a worker that passes its handshake after terminate() is to be killed")
    func startedAfterKill() {
        var state = poolState(workers: 1)
        #expect(state.beginStart() == .start)
        #expect(state.kill() == .init(all: [], idle: []))
        let late = ScriptedWorker(pid: 9)
        #expect(state.started(late) == .kill(late))
        #expect(state.livePIDs.isEmpty && state.starting == 0)
        #expect(state.beginStart() == .refuse(.closed))
        #expect(state.checkOut() == .refuse(.closed))
    }

    @Test("how a failed worker is ended", arguments: [
        (FrameChannel.Failure.timedOut, PoolState.Ending.killNow), (.undecodable("x"), .killNow),
        (.notDelivered, .stop(grace: .seconds(1))), (.closed, .stop(grace: .seconds(1))),
        (.oversized(bytes: 1 << 31, limit: 1 << 30), .killNow),
        (.system(SystemError(call: "recv", errno: EIO)), .stop(grace: .seconds(1))),
    ])
    func endings(failure: FrameChannel.Failure, ending: PoolState.Ending) {
        #expect(PoolState.ending(for: failure) == ending)
    }

    @Test("a worker dying while lent: the batch runs again if it never arrived, or while retries last; else its error")
    func workerFailures() {
        var state = poolState(workers: 1, taskTimeout: .milliseconds(300), retries: 1)
        let worker = startInitial(&state, [7])[0]
        func fail(_ failure: FrameChannel.Failure, exit: TerminationStatus = .signaled(SIGKILL), attempts: inout Int) -> PoolState.Verdict {
            state.workerFailed(worker, failure: failure, exit: exit, tasks: 4..<6, attemptsLeft: &attempts)
        }
        var attempts = 1
        #expect(fail(.notDelivered, attempts: &attempts) == .retry)
        #expect(attempts == 1)  // it never reached the worker: no attempt spent
        #expect(state.livePIDs.isEmpty)
        #expect(fail(.closed, exit: .exited(7), attempts: &attempts) == .retry)
        #expect(attempts == 0)
        #expect(fail(.closed, exit: .exited(7), attempts: &attempts) == .fail(.workerCrashed(pid: 7, exit: .exited(7), tasks: 4..<6)))
        attempts = 1
        #expect(fail(.timedOut, attempts: &attempts) == .fail(.timedOut(pid: 7, tasks: 4..<6, timeout: .milliseconds(300))))
        #expect(fail(.undecodable("bad kind"), attempts: &attempts) == .fail(.undecodable(tasks: 4..<6, detail: "bad kind")))
        #expect(attempts == 1)  // only crashes spend retries
    }

    @Test("an answer over the message limit fails its batch with messageTooLarge, naming both sizes, and spends no retry")
    func oversizedAnswersAreNotRetried() {
        var state = poolState(workers: 1, retries: 2)
        let worker = startInitial(&state, [7])[0]
        var attempts = 2
        let verdict = state.workerFailed(
            worker, failure: .oversized(bytes: 4_294_967_295, limit: 1 << 30), exit: .signaled(SIGKILL), tasks: 4..<6,
            attemptsLeft: &attempts)
        #expect(verdict == .fail(.messageTooLarge(bytes: 4_294_967_295, limit: 1 << 30, tasks: 4..<6, pid: 7)))
        #expect(attempts == 2)
        #expect(state.livePIDs.isEmpty)
        guard case .fail(let error) = verdict else { return }
        #expect(error.code == .messageTooLarge && error.messageBytes == 4_294_967_295 && error.maxMessageBytes == 1 << 30)
        #expect("\(error)".contains("4294967295") && "\(error)".contains("\(1 << 30)"))
    }

    @Test("a batch whose result the worker refused to send as too large fails with messageTooLarge")
    func tooLargeBatchFailure() {
        let failure = BatchFailure.tooLarge(bytes: 2_000_000, limit: 1_000_000, holding: "result", pid: 9)
        #expect(PoolState.error(for: failure, tasks: 0..<4) == .messageTooLarge(bytes: 2_000_000, limit: 1_000_000, tasks: 0..<4, pid: 9))
    }

    @Test("a batch that fails in its worker names the task's index, or the batch's range")
    func batchErrors() {
        #expect(PoolState.error(for: .init(index: 2, kind: .thrown, error: remoteError), tasks: 10..<15) == .taskFailed(remoteError, task: 12))
        #expect(PoolState.error(for: .init(index: 0, kind: .undecodable, error: remoteError), tasks: 10..<15) == .undecodable(tasks: 10..<15, detail: "odd input 7"))
        #expect(PoolState.error(for: .init(index: 0, kind: .unencodable, error: remoteError), tasks: 0..<1) == .undecodable(tasks: 0..<1, detail: "odd input 7"))
    }

    @Test("the calling-thread path takes as many idle workers as batches or none, and counts the run")
    func directCheckOut() {
        var state = poolState(workers: 3)
        let workers = startInitial(&state, [1, 2])
        #expect(state.checkOutIdle(3) == .queue)
        #expect(state.directRuns == 0 && state.idleWorkers == workers)
        #expect(state.checkOutIdle(2) == .use([.init(worker: workers[1], batches: 0), .init(worker: workers[0], batches: 0)]))
        #expect(state.directRuns == 1 && state.idleWorkers.isEmpty)
        #expect(state.checkOutIdle(1) == .queue)  // never waits or starts one
        #expect(state.checkOut() == .start)  // the queued path does
        state.endDirectRun()
        #expect(state.directRuns == 0)
    }

    @Test("close: no more runs from callers' threads, but queued batches still get workers")
    func close() {
        var state = poolState(workers: 1)
        let worker = startInitial(&state, [1])[0]
        state.close()
        #expect(state.phase == .closing)
        #expect(state.checkOutIdle(1) == .queue)
        #expect(state.checkOut() == .use(.init(worker: worker, batches: 0)))
    }

    @Test("close and join racing a run from the caller's thread: stop waits for it, then stops every worker")
    func stopWaitsForDirectRuns() {
        var state = poolState(workers: 2)
        let workers = startInitial(&state, [1, 2])
        guard case .use(let leases) = state.checkOutIdle(1) else {
            Issue.record("no worker")
            return
        }
        state.close()
        #expect(state.stop() == .waitForDirectRuns)
        #expect(state.phase == .closing)
        #expect(state.checkIn(leases[0], ranBatch: true) == .idle)
        state.endDirectRun()
        #expect(state.stop() == .stop(workers))
        #expect(state.phase == .ended && state.livePIDs.isEmpty && state.idleWorkers.isEmpty)
        #expect(state.checkOut() == .refuse(.closed))
        #expect(state.checkOutIdle(1) == .queue)
    }

    @Test("terminate racing a running call: every worker is to be killed, idle ones reaped, busy ones leave through their holders")
    func killRacesRunningCall() {
        var state = poolState(workers: 2, retries: 3)
        let workers = startInitial(&state, [1, 2])
        guard case .use(let busy) = state.checkOut() else {
            Issue.record("no worker")
            return
        }
        #expect(state.kill() == .init(all: workers, idle: [workers[0]]))
        #expect(state.livePIDs == [2])  // the busy one, until its holder reports it
        var attempts = 3
        #expect(state.workerFailed(busy.worker, failure: .closed, exit: .signaled(SIGKILL), tasks: 0..<1, attemptsLeft: &attempts) == .fail(.closed))
        #expect(attempts == 3 && state.livePIDs.isEmpty)
        // A batch that finished meanwhile: its worker is retired, not lent again.
        var other = poolState(workers: 1)
        let worker = startInitial(&other, [3])[0]
        guard case .use(let lease) = other.checkOut() else {
            Issue.record("no worker")
            return
        }
        _ = other.kill()
        #expect(other.checkIn(lease, ranBatch: true) == .retire(worker))
        #expect(other.livePIDs.isEmpty)
    }

    @Test("terminate while a run from the caller's thread is counted: stop no longer waits for it")
    func killDuringDirectRun() {
        var state = poolState(workers: 1)
        let worker = startInitial(&state, [1])[0]
        guard case .use = state.checkOutIdle(1) else {
            Issue.record("no worker")
            return
        }
        #expect(state.kill() == .init(all: [worker], idle: []))
        #expect(state.stop() == .stop([worker]))
    }

    @Test("the time a handed-over batch has left of its timeout")
    func remainingTimeout() {
        #expect(PoolState.remainingTimeout(of: nil, elapsed: 5_000_000) == nil)
        #expect(PoolState.remainingTimeout(of: .milliseconds(300), elapsed: 40_000_000) == .milliseconds(260))
        #expect(PoolState.remainingTimeout(of: .milliseconds(300), elapsed: 400_000_000) == .zero)
        #expect(PoolState.remainingTimeout(of: .seconds(1), elapsed: .max) == .zero)
    }
}

@Suite("WorkerPoolState restarts")
struct WorkerPoolStateRestartTests {
    @Test("each worker that leaves before the end is paired with the next start: counted, with why and by whom")
    func restartsArePairedWithReplacements() {
        var state = poolState(workers: 2, maxTasksPerWorker: 2)
        let workers = startInitial(&state, [1, 2])
        #expect(state.restarts == 0 && state.takeRestarts().isEmpty)  // initial starts are not restarts
        // Worker 2 crashes running a batch; worker 1 is found dead while idle.
        guard case .use(let busy) = state.checkOut(), case .use(let idle) = state.checkOut() else {
            Issue.record("no workers")
            return
        }
        #expect(busy.worker == workers[1] && idle.worker == workers[0])
        var attempts = 0
        _ = state.workerFailed(busy.worker, failure: .closed, exit: .exited(3), tasks: 0..<1, attemptsLeft: &attempts)
        state.foundDead(idle, exit: .signaled(SIGKILL))
        #expect(state.restarts == 0)  // nothing is replaced until a replacement has started
        #expect(state.checkOut() == .start)
        _ = state.started(ScriptedWorker(pid: 3))
        #expect(state.checkOut() == .start)
        let fourth = ScriptedWorker(pid: 4)
        guard case .accepted(let lease) = state.started(fourth) else {
            Issue.record("not accepted")
            return
        }
        #expect(state.restarts == 2)
        #expect(
            state.takeRestarts() == [
                WorkerRestart(pid: 3, replacedPID: 2, reason: .crashed(.exited(3))),
                WorkerRestart(pid: 4, replacedPID: 1, reason: .diedWhileIdle(.signaled(SIGKILL))),
            ])
        #expect(state.takeRestarts().isEmpty)  // handed out once
        // Retired after maxTasksPerWorker, and timed out: both are restarts too.
        #expect(state.checkIn(lease, ranBatch: true) == .idle)
        guard case .use(let again) = state.checkOut() else {
            Issue.record("no worker")
            return
        }
        #expect(state.checkIn(again, ranBatch: true) == .retire(fourth))
        _ = state.workerFailed(ScriptedWorker(pid: 3), failure: .timedOut, exit: .signaled(SIGKILL), tasks: 0..<1, attemptsLeft: &attempts)
        #expect(state.beginStart() == .start && state.beginStart() == .start)
        _ = state.started(ScriptedWorker(pid: 5))
        _ = state.started(ScriptedWorker(pid: 6))
        #expect(
            state.takeRestarts() == [
                WorkerRestart(pid: 5, replacedPID: 4, reason: .maxTasksPerWorker),
                WorkerRestart(pid: 6, replacedPID: 3, reason: .timedOut),
            ])
        // Workers that leave because the pool ends are not restarts.
        _ = state.kill()
        #expect(state.restarts == 4 && state.takeRestarts().isEmpty)
    }
}
