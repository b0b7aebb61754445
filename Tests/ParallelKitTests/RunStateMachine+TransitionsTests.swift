import ParallelKitSystem
import Testing

@testable import ParallelKitRun

// RunStateMachine+Transitions.swift: how a run stops from outside (a signal to the runner, a
// failed write), in the suite of RunStateMachineTests.
extension RunStateMachineTests {
    @Test("a signal to the runner: no more starts, retries cancelled, jobs signalled then --termseq, exit 128 + signal")
    func signalToRunner() {
        var (machine, a, b, c) = RunStateMachine.runningWaitingAndRetrying()
        machine.signalReceived(SIGINT)
        machine.signalReceived(SIGTERM)
        #expect(machine.tick(at: 2 * ms) == [.forget(b), .discard(a), .signal(group: 100, signal: SIGINT)])
        #expect(machine.nextStart(at: 2 * ms) == nil)
        #expect(machine.tick(at: 2 * ms) == [.signal(group: 100, signal: SIGTERM)])
        machine.complete(a, .signaled(SIGINT), at: 3 * ms)
        #expect(machine.tick(at: 3 * ms) == [.forget(a)])
        machine.groupEnded(100)
        #expect(machine.isFinished)
        #expect(machine.end() == [.print(c, killed: false, note: nil), .exit(128 + SIGINT)], "turns that never came print in order")
    }

    @Test("a signal after --halt soon has stopped the starts ends nothing more, but sets the exit status")
    func signalAfterHaltSoon() {
        var (machine, b) = RunStateMachine.haltedSoonThenHungUp()
        #expect(machine.tick(at: 2 * ms) == [])
        machine.complete(b, .exited(0), at: 3 * ms)
        #expect(machine.tick(at: 3 * ms) == [.finished(b, failed: false), .print(b, killed: false, note: nil)])
        #expect(machine.end() == [.exit(128 + SIGHUP)])
    }

    @Test("a failed write: no more starts at once; the next tick cancels retries and ends the running jobs; waiting turns are skipped; exit 255")
    func writeFailure() {
        var (machine, a, b, c) = RunStateMachine.runningWaitingAndRetrying()
        #expect(!machine.hasWorkNow)
        machine.writeFailed()
        #expect(machine.nextStart(at: 20_000 * ms) == nil, "no job starts, not even a retry that is due")
        #expect(machine.hasWorkNow, "the loop does not wait before the next tick")
        // As --halt now: dropped, then GNU's --termseq (TERM first) at once.
        #expect(machine.tick(at: 2 * ms) == [.forget(b), .discard(a), .signal(group: 100, signal: SIGTERM)])
        #expect(!machine.hasWorkNow)
        machine.writeFailed()
        #expect(machine.tick(at: 3 * ms) == [], "a second failure ends nothing again")
        machine.complete(a, .signaled(SIGTERM), at: 4 * ms)
        #expect(machine.tick(at: 4 * ms) == [.forget(a)])
        machine.groupEnded(100)
        #expect(machine.isFinished)
        #expect(machine.end() == [.skip(c, note: nil), .exit(255)], "a finished job whose turn never came is not printed")
    }

    @Test("a failed write after --halt soon still ends the running jobs, and its 255 wins over a signal's status")
    func writeFailureAfterHaltSoon() {
        var (machine, b) = RunStateMachine.haltedSoonThenHungUp()
        machine.writeFailed()
        #expect(machine.tick(at: 2 * ms) == [.discard(b), .signal(group: 101, signal: SIGTERM)])
        machine.complete(b, .signaled(SIGTERM), at: 3 * ms)
        #expect(machine.tick(at: 3 * ms) == [.forget(b)])
        machine.groupEnded(101)
        #expect(machine.isFinished)
        #expect(machine.end() == [.exit(255)])
    }
}
