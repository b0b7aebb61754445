import ParallelKitSystem
import Testing

@testable import ParallelKitCLI
@testable import ParallelKitRun

// RunStateMachine.swift and RunStateMachine+Transitions.swift without processes; the helpers
// are in RunStateMachine+TestSupport.swift, the stops from outside in +TransitionsTests.
@Suite("RunStateMachine: the runner's jobs without processes")
struct RunStateMachineTests {
    @Test("a job that succeeds is counted and printed; the run exits 0")
    func success() {
        var machine = RunStateMachine(jobs: 2)
        let a = machine.startNext(group: 100, at: 0)
        #expect(machine.slot(of: a) == 1)
        #expect(machine.attemptNumber(of: a) == 1)
        machine.exited(a, .exited(0), groupAlive: false, at: 5 * ms)
        #expect(machine.tick(at: 5 * ms) == [], "done only once its pipes are closed too")
        #expect(!machine.hasDoneJobs)
        machine.outputClosed(a)
        #expect(machine.hasDoneJobs)
        #expect(machine.tick(at: 6 * ms) == [.finished(a, failed: false), .print(a, killed: false, note: nil)])
        machine.inputEnded()
        #expect(machine.nextStart(at: 6 * ms) == nil)
        #expect(machine.isFinished)
        #expect(machine.end() == [.exit(0)])
    }

    @Test("failed jobs: the exit status counts them, up to 101")
    func failure() {
        var machine = RunStateMachine(jobs: 1)
        let a = machine.startNext(group: 100, at: 0)
        machine.complete(a, .exited(3), at: ms)
        #expect(machine.tick(at: ms) == [.finished(a, failed: true), .print(a, killed: false, note: nil)])
        for index in 0..<120 {
            let job = machine.startNext(group: 200 + Int32(index), at: 2 * ms)
            machine.complete(job, .signaled(SIGSEGV), at: 3 * ms)
            #expect(machine.tick(at: 3 * ms) == [.finished(job, failed: true), .print(job, killed: false, note: nil)])
        }
        machine.inputEnded()
        #expect(machine.end() == [.exit(101)])
    }

    @Test("-j bounds the attempts in flight; ids and slots of finished jobs are reused")
    func jobSlots() {
        var machine = RunStateMachine(jobs: 2)
        let a = machine.startNext(group: 100, at: 0)
        let b = machine.startNext(group: 101, at: 0)
        #expect(machine.nextStart(at: 0) == nil)
        #expect((machine.slot(of: a), machine.slot(of: b)) == (1, 2))
        machine.complete(a, .exited(0), at: ms)
        #expect(machine.nextStart(at: ms) == nil, "a done job holds its place until the loop finishes it")
        _ = machine.tick(at: ms)
        let c = machine.startNext(group: 102, at: ms)
        #expect(c == a, "the id is reused")
        #expect(machine.slot(of: c) == 1, "the lowest free slot")
        for index in 0..<1000 {
            machine.complete(c, .exited(0), at: 2 * ms)
            _ = machine.tick(at: 2 * ms)
            #expect(machine.startNext(group: 1000 + Int32(index), at: 2 * ms) == c)
        }
    }

    @Test("a job that cannot start ends at once with status 127")
    func failedToStart() {
        var machine = RunStateMachine(jobs: 2)
        #expect(machine.nextStart(at: 0) == .nextInput)
        let a = machine.add()
        machine.failedToStart(a, at: 0)
        #expect(machine.hasDoneJobs)
        #expect(machine.nextDeadline() == nil)
        #expect(machine.tick(at: 0) == [.finished(a, failed: true), .print(a, killed: false, note: nil)])
        machine.inputEnded()
        #expect(machine.end() == [.exit(1)])
    }

    @Test("--retries: a failed attempt runs again after --retry-delay, doubled each time, until it succeeds")
    func retriesUntilSuccess() {
        var machine = RunStateMachine(jobs: 1, retries: 3, retryDelay: 0.5)
        let a = machine.startNext(group: 100, at: 0)
        machine.inputEnded()
        machine.complete(a, .exited(1), at: 10 * ms)
        #expect(machine.tick(at: 10 * ms) == [.retry(a, at: 510 * ms)])
        #expect(machine.nextDeadline() == 510 * ms)
        #expect(!machine.isFinished)
        #expect(machine.nextStart(at: 509 * ms) == nil)
        #expect(machine.nextStart(at: 510 * ms) == .retry(a))
        #expect(machine.attemptNumber(of: a) == 2)
        machine.started(a, group: 101, at: 510 * ms)
        machine.complete(a, .signaled(SIGKILL), at: 520 * ms)
        #expect(machine.tick(at: 520 * ms) == [.retry(a, at: 1520 * ms)])
        #expect(machine.nextStart(at: 1520 * ms) == .retry(a))
        #expect(machine.attemptNumber(of: a) == 3)
        machine.started(a, group: 102, at: 1520 * ms)
        machine.complete(a, .exited(0), at: 1530 * ms)
        #expect(machine.tick(at: 1530 * ms) == [.finished(a, failed: false), .print(a, killed: false, note: nil)])
        #expect(machine.isFinished)
        #expect(machine.end() == [.exit(0)])
    }

    @Test("--retries: the last failed attempt is the job's result")
    func retriesExhausted() {
        var machine = RunStateMachine(jobs: 1, retries: 2)
        let a = machine.startNext(group: 100, at: 0)
        machine.inputEnded()
        machine.complete(a, .exited(4), at: ms)
        #expect(machine.tick(at: ms) == [.retry(a, at: ms)])
        #expect(machine.nextStart(at: ms) == .retry(a))
        machine.started(a, group: 101, at: ms)
        machine.complete(a, .exited(5), at: 2 * ms)
        #expect(machine.tick(at: 2 * ms) == [.finished(a, failed: true), .print(a, killed: false, note: nil)])
        #expect(machine.end() == [.exit(1)])
    }

    @Test("--halt now,fail=1: the failure ends the others (dropped, then --termseq), and the run exits with its status")
    func haltNowOnFailure() {
        var machine = RunStateMachine(jobs: 3, halt: "now,fail=1")
        let a = machine.startNext(group: 100, at: 0)
        let b = machine.startNext(group: 101, at: 0)
        let c = machine.startNext(group: 102, at: 0)
        machine.complete(b, .exited(7), at: 10 * ms)
        #expect(machine.tick(at: 10 * ms) == [
            .finished(b, failed: true), .discard(a), .discard(c),
            .print(b, killed: false, note: HaltNote(outcome: "failed")),
        ])
        #expect(machine.nextStart(at: 10 * ms) == nil, "no job starts after the halt")
        #expect(machine.nextDeadline() == 10 * ms)
        // GNU's --termseq: TERM, 200 ms, TERM, 100 ms, TERM, 50 ms, KILL, 25 ms.
        #expect(machine.tick(at: 10 * ms) == [.signal(group: 100, signal: SIGTERM), .signal(group: 102, signal: SIGTERM)])
        #expect(machine.nextDeadline() == 210 * ms)
        #expect(machine.tick(at: 209 * ms) == [])
        #expect(machine.tick(at: 210 * ms) == [.signal(group: 100, signal: SIGTERM), .signal(group: 102, signal: SIGTERM)])
        machine.complete(a, .signaled(SIGTERM), at: 250 * ms)
        #expect(machine.tick(at: 250 * ms) == [.forget(a)], "a job the runner ended is neither printed nor counted")
        // a's group is followed to the end of --termseq until a signal finds nobody.
        #expect(machine.tick(at: 310 * ms) == [.signal(group: 100, signal: SIGTERM), .signal(group: 102, signal: SIGTERM)])
        machine.groupEnded(100)
        #expect(machine.tick(at: 360 * ms) == [.signal(group: 102, signal: SIGKILL)])
        #expect(machine.tick(at: 385 * ms) == [.signal(group: 102, signal: SIGKILL)], "the last step repeats")
        machine.complete(c, .signaled(SIGKILL), at: 390 * ms)
        #expect(machine.tick(at: 390 * ms) == [.forget(c)])
        #expect(!machine.isFinished, "c's group is still followed")
        #expect(machine.tick(at: 410 * ms) == [.signal(group: 102, signal: SIGKILL)])
        machine.groupEnded(102)
        #expect(machine.isFinished)
        #expect(machine.end() == [.exit(7)])
    }

    @Test("--halt soon,fail=2: every failure is told; the second starts no more jobs and waits for the running ones")
    func haltSoonOnFailures() {
        var machine = RunStateMachine(jobs: 3, halt: "soon,fail=2")
        let a = machine.startNext(group: 100, at: 0)
        let b = machine.startNext(group: 101, at: 0)
        let c = machine.startNext(group: 102, at: 0)
        machine.complete(a, .exited(1), at: ms)
        #expect(machine.tick(at: ms) == [.finished(a, failed: true), .print(a, killed: false, note: HaltNote(outcome: "failed"))])
        #expect(machine.nextStart(at: ms) == .nextInput)
        machine.complete(b, .exited(2), at: 2 * ms)
        #expect(machine.tick(at: 2 * ms) == [
            .finished(b, failed: true), .print(b, killed: false, note: HaltNote(outcome: "failed", stillRunning: 1)),
        ])
        #expect(machine.nextStart(at: 2 * ms) == nil)
        #expect(!machine.isFinished)
        machine.complete(c, .exited(0), at: 3 * ms)
        #expect(machine.tick(at: 3 * ms) == [.finished(c, failed: false), .print(c, killed: false, note: nil)])
        #expect(machine.isFinished, "the input need not end: the halt stopped it")
        #expect(machine.end() == [.exit(2)])
    }

    @Test("--halt success: now ends the others; soon waits for them; both exit 0")
    func haltOnSuccess() {
        var now = RunStateMachine(jobs: 2, halt: "now,success=1")
        let a = now.startNext(group: 100, at: 0)
        let b = now.startNext(group: 101, at: 0)
        now.complete(a, .exited(0), at: ms)
        #expect(now.tick(at: ms) == [
            .finished(a, failed: false), .discard(b), .print(a, killed: false, note: HaltNote(outcome: "succeeded")),
        ])
        now.complete(b, .signaled(SIGTERM), at: 2 * ms)
        #expect(now.tick(at: 2 * ms) == [.signal(group: 101, signal: SIGTERM), .forget(b)])
        now.groupEnded(101)
        #expect(now.isFinished)
        #expect(now.end() == [.exit(0)])

        var soon = RunStateMachine(jobs: 2, halt: "soon,success=1")
        let c = soon.startNext(group: 100, at: 0)
        let d = soon.startNext(group: 101, at: 0)
        soon.complete(d, .exited(1), at: ms)
        #expect(soon.tick(at: ms) == [.finished(d, failed: true), .print(d, killed: false, note: nil)])
        soon.complete(c, .exited(0), at: 2 * ms)
        #expect(soon.tick(at: 2 * ms) == [.finished(c, failed: false), .print(c, killed: false, note: HaltNote(outcome: "succeeded"))])
        #expect(soon.isFinished)
        #expect(soon.end() == [.exit(0)])
    }

    @Test("--halt cancels the retries waiting for their delay")
    func haltCancelsRetries() {
        var machine = RunStateMachine(jobs: 2, retries: 3, retryDelay: 1, halt: "soon,done=1")
        let a = machine.startNext(group: 100, at: 0)
        let b = machine.startNext(group: 101, at: 0)
        machine.complete(a, .exited(1), at: ms)
        #expect(machine.tick(at: ms) == [.retry(a, at: 1001 * ms)])
        machine.complete(b, .exited(0), at: 2 * ms)
        #expect(machine.tick(at: 2 * ms) == [
            .finished(b, failed: false), .forget(a), .print(b, killed: false, note: HaltNote(outcome: "finished")),
        ])
        #expect(machine.isFinished)
        #expect(machine.end() == [.exit(0)])
    }

    @Test("--timeout: the job is warned about and gets --termseq step by step; it fails, killed by the runner")
    func timeout() {
        var machine = RunStateMachine(jobs: 1, timeout: .seconds(1), termseq: "TERM,100,KILL,25")
        let a = machine.startNext(group: 100, at: 0)
        machine.inputEnded()
        #expect(machine.nextDeadline() == 1000 * ms)
        #expect(machine.tick(at: 999 * ms) == [])
        #expect(machine.tick(at: 1000 * ms) == [.timedOut(a), .signal(group: 100, signal: SIGTERM)])
        #expect(machine.nextDeadline() == 1100 * ms, "the next step: the timeout fired once")
        #expect(machine.tick(at: 1100 * ms) == [.signal(group: 100, signal: SIGKILL)])
        #expect(machine.tick(at: 1125 * ms) == [.signal(group: 100, signal: SIGKILL)], "the last step repeats")
        machine.complete(a, .signaled(SIGKILL), at: 1130 * ms)
        #expect(machine.tick(at: 1130 * ms) == [.finished(a, failed: true), .print(a, killed: true, note: nil)])
        #expect(machine.tick(at: 1150 * ms) == [.signal(group: 100, signal: SIGKILL)])
        machine.groupEnded(100)
        #expect(machine.isFinished)
        #expect(machine.end() == [.exit(1)])
    }

    @Test("a job that exits during its teardown, leaving processes: the teardown goes on, not restarted, after it is printed")
    func exitDuringTeardown() {
        var machine = RunStateMachine(jobs: 1, timeout: .seconds(1))
        let a = machine.startNext(group: 100, at: 0)
        machine.inputEnded()
        #expect(machine.tick(at: 1000 * ms) == [.timedOut(a), .signal(group: 100, signal: SIGTERM)])
        machine.complete(a, .exited(0), at: 1050 * ms, groupAlive: true)
        #expect(machine.tick(at: 1050 * ms) == [.finished(a, failed: true), .print(a, killed: true, note: nil)])
        #expect(machine.tick(at: 1200 * ms) == [.signal(group: 100, signal: SIGTERM)])
        #expect(machine.tick(at: 1300 * ms) == [.signal(group: 100, signal: SIGTERM)])
        #expect(machine.tick(at: 1350 * ms) == [.signal(group: 100, signal: SIGKILL)])
        machine.groupEnded(100)
        #expect(machine.tick(at: 1375 * ms) == [])
        #expect(machine.isFinished)
    }

    @Test("a job that exits leaving processes in its group: they get --termseq; the job is printed at once")
    func leftoverProcesses() {
        var machine = RunStateMachine(jobs: 1)
        let a = machine.startNext(group: 100, at: 0)
        machine.complete(a, .exited(0), at: 10 * ms, groupAlive: true)
        #expect(machine.tick(at: 10 * ms) == [
            .signal(group: 100, signal: SIGTERM), .finished(a, failed: false), .print(a, killed: false, note: nil),
        ])
        machine.inputEnded()
        #expect(!machine.isFinished)
        #expect(machine.nextDeadline() == 210 * ms)
        #expect(machine.tick(at: 210 * ms) == [.signal(group: 100, signal: SIGTERM)])
        machine.groupEnded(100)
        #expect(machine.isFinished)
        #expect(machine.end() == [.exit(0)])
    }

    @Test("pipes held open long after the exit are drained, unless a teardown is still running")
    func drain() {
        var machine = RunStateMachine(jobs: 1)
        let a = machine.startNext(group: 100, at: 0)
        machine.exited(a, .exited(0), groupAlive: false, at: ms)
        #expect(machine.nextDeadline() == 5001 * ms)
        #expect(machine.tick(at: 5000 * ms) == [])
        #expect(machine.tick(at: 5001 * ms) == [.drainOutput(a)])
        #expect(machine.tick(at: 5002 * ms) == [], "drained once")
        machine.outputClosed(a)
        #expect(machine.tick(at: 5002 * ms) == [.finished(a, failed: false), .print(a, killed: false, note: nil)])

        let b = machine.startNext(group: 101, at: 6000 * ms)
        machine.exited(b, .exited(0), groupAlive: true, at: 6000 * ms)
        #expect(machine.tick(at: 6000 * ms) == [.signal(group: 101, signal: SIGTERM)])
        #expect(machine.tick(at: 11_000 * ms) == [.signal(group: 101, signal: SIGTERM)], "no drain while the group is ended")
        #expect(machine.nextDeadline() == 11_100 * ms, "the next step, not the drain that waits for it")
        machine.groupEnded(101)
        #expect(machine.nextDeadline() == 11_000 * ms)
        #expect(machine.tick(at: 11_001 * ms) == [.drainOutput(b)])
    }

    @Test("-k: jobs print in input order, whatever order they end in")
    func keepOrder() {
        var machine = RunStateMachine(jobs: 3, keepOrder: true)
        let a = machine.startNext(group: 100, at: 0)
        let b = machine.startNext(group: 101, at: 0)
        let c = machine.startNext(group: 102, at: 0)
        machine.complete(c, .exited(0), at: ms)
        #expect(machine.tick(at: ms) == [.finished(c, failed: false)])
        let d = machine.startNext(group: 103, at: ms)
        machine.complete(b, .exited(1), at: 2 * ms)
        #expect(machine.tick(at: 2 * ms) == [.finished(b, failed: true)])
        machine.complete(a, .exited(0), at: 3 * ms)
        #expect(machine.tick(at: 3 * ms) == [
            .finished(a, failed: false), .print(a, killed: false, note: nil), .print(b, killed: false, note: nil),
            .print(c, killed: false, note: nil),
        ])
        machine.complete(d, .exited(0), at: 4 * ms)
        #expect(machine.tick(at: 4 * ms) == [.finished(d, failed: false), .print(d, killed: false, note: nil)])
        machine.inputEnded()
        #expect(machine.end() == [.exit(1)])
    }

    @Test("-k --line-buffer: the job whose turn it is prints live; the next one goes live when the turn moves on")
    func keepOrderLineBuffered() {
        var machine = RunStateMachine(jobs: 2, keepOrder: true, lineBuffered: true)
        let a = machine.startNext(group: 100, at: 0)
        let b = machine.startNext(group: 101, at: 0)
        #expect(machine.printsLive(a))
        #expect(!machine.printsLive(b))
        machine.complete(a, .exited(0), at: ms)
        #expect(machine.tick(at: ms) == [.finished(a, failed: false), .print(a, killed: false, note: nil), .printLive(b)])
        #expect(machine.printsLive(b))

        var unordered = RunStateMachine(jobs: 2, lineBuffered: true)
        let c = unordered.startNext(group: 100, at: 0)
        let d = unordered.startNext(group: 101, at: 0)
        #expect(unordered.printsLive(c) && unordered.printsLive(d))
    }

    @Test("-k with --halt now: finished jobs still waiting for their turn print only their note")
    func keepOrderHaltNow() {
        var machine = RunStateMachine(jobs: 2, halt: "now,fail=1", keepOrder: true)
        let a = machine.startNext(group: 100, at: 0)
        let b = machine.startNext(group: 101, at: 0)
        machine.complete(b, .exited(3), at: ms)
        #expect(machine.tick(at: ms) == [.finished(b, failed: true), .discard(a)])
        machine.complete(a, .signaled(SIGTERM), at: 2 * ms)
        #expect(machine.tick(at: 2 * ms) == [.signal(group: 100, signal: SIGTERM), .forget(a)])
        machine.groupEnded(100)
        #expect(machine.isFinished)
        #expect(machine.end() == [.skip(b, note: HaltNote(outcome: "failed")), .exit(3)])
    }

    @Test("--timeout N%: a deadline once three jobs have succeeded, N% of their median runtime")
    func timeoutPercentOfMedian() {
        var machine = RunStateMachine(jobs: 1, timeout: .percentOfMedian(200))
        for runtime: UInt64 in [30, 10, 20] {
            let job = machine.startNext(group: 100, at: 1000 * ms)
            #expect(machine.nextDeadline() == nil)
            machine.complete(job, .exited(0), at: (1000 + runtime) * ms)
            _ = machine.tick(at: (1000 + runtime) * ms)
        }
        let failing = machine.startNext(group: 101, at: 2000 * ms)
        #expect(machine.nextDeadline() == 2040 * ms, "200% of the median, 20 ms")
        machine.complete(failing, .exited(1), at: 2100 * ms)
        _ = machine.tick(at: 2100 * ms)
        _ = machine.startNext(group: 102, at: 3000 * ms)
        #expect(machine.nextDeadline() == 3040 * ms, "failed jobs do not count")
    }
}
