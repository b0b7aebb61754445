import ParallelKitSystem
import Testing

@testable import ParallelKitCLI
@testable import ParallelKitRun

// The helpers of RunStateMachineTests and RunStateMachine+TransitionsTests: a machine built
// from CLI-like options, driven by hand.

typealias Action = RunStateMachine.Action
typealias HaltNote = RunStateMachine.HaltNote

/// One millisecond in the machine's unit.
let ms: UInt64 = 1_000_000

extension RunStateMachine {
    init(
        jobs: Int, retries: Int = 1, retryDelay: Double = 0, halt: String? = nil, timeout: RunOptions.Timeout? = nil,
        termseq: String? = nil, keepOrder: Bool = false, lineBuffered: Bool = false
    ) {
        self.init(Configuration(
            maxJobs: jobs, retries: retries, retryDelay: retryDelay, halt: halt.flatMap(HaltPolicy.parse) ?? .never,
            timeout: timeout, teardown: termseq.flatMap(Teardown.parse) ?? .gnuDefault, keepOrder: keepOrder,
            lineBuffered: lineBuffered))
    }

    /// What a turn of the loop at `now` asks for.
    mutating func tick(at now: UInt64) -> [Action] {
        var actions: [Action] = []
        tick(at: now, into: &actions)
        return actions
    }

    mutating func end() -> [Action] {
        var actions: [Action] = []
        end(into: &actions)
        return actions
    }

    /// Starts the next job from the input as the poll loop does, its process leading `group`.
    mutating func startNext(group: Int32, at time: UInt64) -> JobID {
        #expect(nextStart(at: time) == .nextInput)
        let id = add()
        started(id, group: group, at: time)
        return id
    }

    /// Three jobs with `-k` and `--retries 2`: `a` (group 100) runs, `b` waits 10 s to retry,
    /// `c` has finished and waits for its turn.
    static func runningWaitingAndRetrying() -> (RunStateMachine, a: JobID, b: JobID, c: JobID) {
        var machine = RunStateMachine(jobs: 3, retries: 2, retryDelay: 10, keepOrder: true)
        let a = machine.startNext(group: 100, at: 0)
        let b = machine.startNext(group: 101, at: 0)
        let c = machine.startNext(group: 102, at: 0)
        machine.complete(c, .exited(0), at: ms)
        #expect(machine.tick(at: ms) == [.finished(c, failed: false)], "waits for its turn")
        machine.complete(b, .exited(1), at: ms)
        #expect(machine.tick(at: ms) == [.retry(b, at: 10_001 * ms)])
        return (machine, a, b, c)
    }

    /// `--halt soon,fail=1` with two jobs: the first failed (no more starts), `b` (group 101)
    /// runs; then the runner gets SIGHUP.
    static func haltedSoonThenHungUp() -> (RunStateMachine, b: JobID) {
        var machine = RunStateMachine(jobs: 2, halt: "soon,fail=1")
        let a = machine.startNext(group: 100, at: 0)
        let b = machine.startNext(group: 101, at: 0)
        machine.complete(a, .exited(1), at: ms)
        _ = machine.tick(at: ms)
        machine.signalReceived(SIGHUP)
        return (machine, b)
    }

    /// The job's process exits and its pipes close.
    mutating func complete(_ id: JobID, _ status: TerminationStatus, at time: UInt64, groupAlive: Bool = false) {
        exited(id, status, groupAlive: groupAlive, at: time)
        outputClosed(id)
    }
}
