import ParallelKitSystem

/// The runner's job bookkeeping, without descriptors, processes or a clock: which job starts
/// next, attempts and `--retries`, `--halt`, the `--timeout` (also `N%`) and `--termseq`
/// deadlines, and the order finished jobs print in (`-k`).
///
/// The poll loop (``RunScheduler``) reports what it saw — a job started, exited, closed its
/// pipes; a signal came; a process group is gone — and on every turn calls ``tick(at:into:)``,
/// which fires the deadlines due at that time and finishes the jobs that are done, and carries
/// out the ``Action``s it returns in order. Time is a parameter (`CLOCK_MONOTONIC` nanoseconds),
/// so tests drive every transition without a clock, threads or processes.
///
/// A job keeps its ``JobID`` across its attempts; the id of a job that is gone is reused. No
/// event allocates once the tables have grown to the run's size.
struct RunStateMachine {
    typealias JobID = Int

    init(_ configuration: Configuration) {
        self.configuration = configuration
        slots = JobSlots(capacity: configuration.maxJobs)
        running.reserveCapacity(min(configuration.maxJobs, 4096))
    }

    // MARK: - Starting jobs

    /// What to start now, if anything: a job whose retry delay has passed, else the next job from
    /// the input; `nil` when `-j` jobs run, when the run stops starting jobs, or when the input is
    /// over. A retry starts its attempt here; a job from the input starts with ``add()``.
    mutating func nextStart(at now: UInt64) -> Start? {
        guard !stopStarting, running.count < configuration.maxJobs else { return nil }
        if let index = retryQueue.firstIndex(where: { $0.ready <= now }) {
            let id = retryQueue.remove(at: index).job
            beginAttempt(id)
            return .retry(id)
        }
        return inputIsOver ? nil : .nextInput
    }

    /// A new job from the input, in its first attempt: the next place in output order, and a slot.
    mutating func add() -> JobID {
        let id: JobID
        if let free = freeIDs.popLast() {
            id = free
        } else {
            id = jobs.count
            jobs.append(JobState())
        }
        jobs[id] = JobState(printIndex: jobsAdded, attemptNumber: 1)
        jobsAdded += 1
        beginAttempt(id)
        return id
    }

    /// The input has no more jobs.
    mutating func inputEnded() { inputIsOver = true }

    /// Jobs in the run when known (for `--halt` percentages); the poll loop updates it as the
    /// input tells.
    var inputTotal: Int?

    /// Jobs added so far.
    private(set) var jobsAdded = 0

    /// No job runs, waits to retry or leaves processes to end: the loop may wait for input.
    var isIdle: Bool { running.isEmpty && retryQueue.isEmpty && leftovers.isEmpty }

    /// Nothing more will happen: the loop ends and calls ``end(into:)``.
    var isFinished: Bool { isIdle && (inputIsOver || stopStarting) }

    /// The `{%}` slot (1 up) of the job's attempt.
    func slot(of id: JobID) -> Int { jobs[id].slot }

    /// The number of the job's attempt, 1 up.
    func attemptNumber(of id: JobID) -> Int { jobs[id].attemptNumber }

    /// Whether the job prints its lines as they come (`--line-buffer`, and with `-k` the job whose
    /// turn it is).
    func printsLive(_ id: JobID) -> Bool {
        configuration.lineBuffered && (!configuration.keepOrder || jobs[id].printIndex == nextPrintIndex)
    }

    // MARK: - Events

    /// The attempt's process started at `time`, as the leader of process group `group`.
    mutating func started(_ id: JobID, group: Int32, at time: UInt64) {
        jobs[id].attempt.group = group
        jobs[id].attempt.start = time
        if let timeout = timeoutNanoseconds() { jobs[id].attempt.deadline = time &+ timeout }
    }

    /// The attempt could not start (no pipe, no process): it ends at once as a command that cannot
    /// be run does, with status 127.
    mutating func failedToStart(_ id: JobID, at time: UInt64) {
        jobs[id].attempt.start = time
        jobs[id].attempt.end = time
        jobs[id].attempt.status = .exited(127)
        jobs[id].attempt.outputClosed = true
        doneCount += 1
    }

    /// The attempt's process ended at `time`; `groupAlive` says that processes it started are left
    /// in its group, which then gets `--termseq` as a timed-out job would.
    mutating func exited(_ id: JobID, _ status: TerminationStatus, groupAlive: Bool, at time: UInt64) {
        guard jobs[id].attempt.status == nil else { return }
        jobs[id].attempt.status = status
        jobs[id].attempt.end = time
        if groupAlive, jobs[id].attempt.teardown == nil { jobs[id].attempt.teardown = TeardownStep(index: 0, due: time) }
        jobs[id].attempt.drainDeadline = time &+ configuration.drainGrace
        if jobs[id].attempt.outputClosed { doneCount += 1 }
    }

    /// Every pipe of the attempt is closed: nothing more comes from it.
    mutating func outputClosed(_ id: JobID) {
        guard !jobs[id].attempt.outputClosed else { return }
        jobs[id].attempt.outputClosed = true
        if jobs[id].attempt.status != nil { doneCount += 1 }
    }

    /// A signal to `group` found no process: its `--termseq` ends.
    mutating func groupEnded(_ group: Int32) {
        for id in running where jobs[id].attempt.group == group { jobs[id].attempt.teardown = nil }
        leftovers.removeAll { $0.group == group }
    }

    /// The runner got a stopping signal (`SIGINT`, `SIGTERM`, `SIGHUP`): on the next tick it starts
    /// no more jobs and ends the running ones with the signal, then `--termseq`; the run exits
    /// with 128 + the first signal.
    mutating func signalReceived(_ signal: Int32) {
        if signalled == nil { signalled = signal }
    }

    /// A write of the runner's own failed (``RunWriteFailure``): no more jobs start; the next tick
    /// ends the running ones as `--halt now` does (output dropped, `--termseq`); finished jobs
    /// still waiting for their turn are not printed; the run exits with 255.
    mutating func writeFailed() {
        guard !writeFailure else { return }
        writeFailure = true
        endPending = true
        stopStarting = true
    }

    // MARK: - Time

    /// Jobs done (exited, pipes closed) and not yet finished: the next tick has work at once.
    var hasDoneJobs: Bool { doneCount > 0 }

    /// The next tick has work at once: done jobs, or running jobs to end after a failed write.
    var hasWorkNow: Bool { doneCount > 0 || endPending }

    /// The nearest deadline: a timeout, a `--termseq` step, a retry, the end of a pipe's grace.
    func nextDeadline() -> UInt64? {
        var nearest = UInt64.max
        for id in running {
            let attempt = jobs[id].attempt
            if attempt.status == nil, let deadline = attempt.deadline { nearest = min(nearest, deadline) }
            if let step = attempt.teardown { nearest = min(nearest, step.due) }
            // The drain waits for a teardown in progress (it fires only after it).
            if let drain = attempt.drainDeadline, attempt.teardown == nil { nearest = min(nearest, drain) }
        }
        for entry in retryQueue { nearest = min(nearest, entry.ready) }
        for leftover in leftovers { nearest = min(nearest, leftover.step.due) }
        return nearest == .max ? nil : nearest
    }

    /// A turn of the loop at `now`: fires what is due (`--termseq` steps, timeouts, the end of a
    /// pipe's grace), stops the run after a signal, and finishes the jobs that are done, in the
    /// order they started. Appends what the loop must do to `actions`.
    mutating func tick(at now: UInt64, into actions: inout [Action]) {
        if endPending {
            endPending = false
            stopEverything(signal: nil, now, &actions)
        }
        var index = 0
        while index < leftovers.count {
            if leftovers[index].step.due <= now {
                guard let next = teardownStep(group: leftovers[index].group, leftovers[index].step, now, &actions) else {
                    leftovers.remove(at: index)
                    continue
                }
                leftovers[index].step = next
            }
            index += 1
        }
        for id in running { fireDeadlines(id, now, &actions) }
        if let signalled, !stopStarting { stopEverything(signal: signalled, now, &actions) }
        guard doneCount > 0 else { return }
        index = 0
        while index < running.count {
            let id = running[index]
            guard jobs[id].attempt.isDone else {
                index += 1
                continue
            }
            running.remove(at: index)
            doneCount -= 1
            let attempt = jobs[id].attempt
            if let step = attempt.teardown, attempt.group > 0 { leftovers.append((attempt.group, step)) }
            finish(id, now, &actions)
        }
    }

    /// The run is over: prints what still waits for its turn (`-k`), then ``Action/exit(_:)``.
    mutating func end(into actions: inout [Action]) {
        flushWaitingOutput(&actions)
        for printIndex in waitingToPrint.keys.sorted() {
            let id = waitingToPrint.removeValue(forKey: printIndex)!
            if writeFailure || (haltStatus != nil && configuration.halt.when == .now) {
                // GNU drops output still waiting for its turn when --halt now (or a failed write)
                // stops the run, and logs only what it printed; the job runs again on --resume.
                actions.append(.skip(id, note: jobs[id].note))
                release(id)
            } else {
                // Turns that will never come (jobs ended by a signal to the runner): in order.
                emit(id, &actions)
            }
        }
        if writeFailure {
            actions.append(.exit(RunWriteFailure.exitStatus))
        } else if let signalled {
            actions.append(.exit(128 + signalled))
        } else {
            actions.append(.exit(haltStatus ?? Int32(min(tally.failed, 101))))
        }
    }

    // MARK: - State

    private let configuration: Configuration
    private var jobs: [JobState] = []
    private var freeIDs: [JobID] = []
    /// Jobs in an attempt, in the order the attempts started.
    private(set) var running: [JobID] = []
    private var doneCount = 0
    private var retryQueue: [(ready: UInt64, job: JobID)] = []
    /// Process groups of finished jobs whose leftover processes are still being ended: followed
    /// to the end of `--termseq` even after the job is printed.
    private var leftovers: [(group: Int32, step: TeardownStep)] = []
    private var slots: JobSlots
    /// Finished jobs waiting for their turn (`-k`), by place in output order.
    private var waitingToPrint: [Int: JobID] = [:]
    private var nextPrintIndex = 0
    private(set) var tally = HaltPolicy.Tally()
    private var inputIsOver = false
    private var stopStarting = false
    private var haltStatus: Int32?
    private var signalled: Int32?
    private var writeFailure = false
    /// A failed write waits for the next tick to end the running jobs.
    private var endPending = false
    private var successfulRuntimes = RuntimeSample()

    // MARK: - Transitions

    /// The one place an attempt starts: a slot, and every attempt field afresh.
    private mutating func beginAttempt(_ id: JobID) {
        jobs[id].attempt = Attempt()
        jobs[id].slot = slots.take()
        running.append(id)
    }

    private mutating func fireDeadlines(_ id: JobID, _ now: UInt64, _ actions: inout [Action]) {
        if jobs[id].attempt.status == nil, let deadline = jobs[id].attempt.deadline, deadline <= now {
            jobs[id].attempt.deadline = nil  // fired: the loop now waits for the teardown's steps
            jobs[id].attempt.killedByRunner = true
            jobs[id].attempt.teardown = TeardownStep(index: 0, due: now)
            actions.append(.timedOut(id))
        }
        if let step = jobs[id].attempt.teardown, step.due <= now {
            jobs[id].attempt.teardown = teardownStep(group: jobs[id].attempt.group, step, now, &actions)
        }
        if let drain = jobs[id].attempt.drainDeadline, drain <= now, jobs[id].attempt.teardown == nil {
            // Something outside the job's process group holds its pipes: stop waiting.
            jobs[id].attempt.drainDeadline = nil
            actions.append(.drainOutput(id))
        }
    }

    /// Takes `step` of `--termseq` against `group`; the step after it, or `nil` when there is no
    /// group to signal (the attempt never started).
    private func teardownStep(group: Int32, _ step: TeardownStep, _ now: UInt64, _ actions: inout [Action])
        -> TeardownStep?
    {
        guard group > 0 else { return nil }  // kill(-0, …) would signal the runner's own group
        let steps = configuration.teardown.steps
        let current = steps[min(step.index, steps.count - 1)]
        if let signal = current.signal { actions.append(.signal(group: group, signal: signal)) }
        let wait = max(MonotonicClock.nanoseconds(current.allowed), 1_000_000)
        return TeardownStep(index: step.index + 1, due: now &+ wait)
    }

    private mutating func finish(_ id: JobID, _ now: UInt64, _ actions: inout [Action]) {
        slots.release(jobs[id].slot)
        if jobs[id].discard {
            actions.append(.forget(id))
            release(id)
            return
        }
        let attempt = jobs[id].attempt
        let status = attempt.status ?? .exited(-1)
        let failed = !status.isSuccess || attempt.killedByRunner
        if failed, jobs[id].attemptNumber < configuration.retries, !stopStarting {
            jobs[id].attemptNumber += 1
            let delay = configuration.retryDelay * Double(1 << min(jobs[id].attemptNumber - 2, 30))
            let ready = now &+ UInt64(delay * 1e9)
            retryQueue.append((ready, id))
            actions.append(.retry(id, at: ready))
            return
        }
        if failed { tally.failed += 1 } else { tally.succeeded += 1 }
        if !failed, case .percentOfMedian = configuration.timeout {
            successfulRuntimes.add(Double(attempt.end &- attempt.start) / 1e9)
        }
        actions.append(.finished(id, failed: failed))
        checkHalt(id, failed: failed, status: status, now, &actions)
        if configuration.keepOrder {
            waitingToPrint[jobs[id].printIndex] = id
            flushWaitingOutput(&actions)
        } else {
            emit(id, &actions)
        }
    }

    private mutating func checkHalt(
        _ id: JobID, failed: Bool, status: TerminationStatus, _ now: UInt64, _ actions: inout [Action]
    ) {
        let policy = configuration.halt
        guard policy.when != .never else { return }
        if let word = policy.describes(failed: failed) { jobs[id].note = HaltNote(outcome: word) }
        guard haltStatus == nil, policy.isReached(by: tally, total: inputTotal) else { return }
        haltStatus = policy.exitStatus(tally: tally, total: inputTotal, triggeringStatus: status.shellStatus)
        stopStarting = true
        if policy.when == .now {
            for other in running { endJob(other, signal: nil, now, &actions) }
        } else if !running.isEmpty {
            jobs[id].note = HaltNote(outcome: jobs[id].note?.outcome, stillRunning: running.count)
        }
        cancelRetries(&actions)
    }

    /// The runner was asked to stop: every job's group gets the signal, then `--termseq`.
    private mutating func stopEverything(signal: Int32?, _ now: UInt64, _ actions: inout [Action]) {
        stopStarting = true
        cancelRetries(&actions)
        for id in running { endJob(id, signal: signal, now, &actions) }
    }

    /// Ends a running job: its output is dropped and its process group gets `--termseq`
    /// (starting with `signal` when given).
    private mutating func endJob(_ id: JobID, signal: Int32?, _ now: UInt64, _ actions: inout [Action]) {
        jobs[id].discard = true
        jobs[id].attempt.killedByRunner = true
        actions.append(.discard(id))
        guard jobs[id].attempt.status == nil || jobs[id].attempt.teardown == nil else { return }
        let group = jobs[id].attempt.group
        if let signal, group > 0 { actions.append(.signal(group: group, signal: signal)) }
        jobs[id].attempt.teardown = TeardownStep(index: 0, due: now)
    }

    private mutating func cancelRetries(_ actions: inout [Action]) {
        for entry in retryQueue {
            actions.append(.forget(entry.job))
            release(entry.job)
        }
        retryQueue.removeAll(keepingCapacity: true)
    }

    /// Prints the jobs waiting their turn (`-k`), in order, as far as they are complete.
    private mutating func flushWaitingOutput(_ actions: inout [Action]) {
        while let id = waitingToPrint.removeValue(forKey: nextPrintIndex) { emit(id, &actions) }
    }

    private mutating func emit(_ id: JobID, _ actions: inout [Action]) {
        actions.append(.print(id, killed: jobs[id].attempt.killedByRunner, note: jobs[id].note))
        let printIndex = jobs[id].printIndex
        release(id)
        guard printIndex == nextPrintIndex else { return }
        // The `-k` turn moves on; with `--line-buffer` the new head job starts printing live.
        nextPrintIndex += 1
        guard configuration.lineBuffered, configuration.keepOrder,
            let head = running.first(where: { jobs[$0].printIndex == nextPrintIndex })
        else { return }
        actions.append(.printLive(head))
    }

    private mutating func release(_ id: JobID) {
        jobs[id].note = nil
        freeIDs.append(id)
    }

    private mutating func timeoutNanoseconds() -> UInt64? {
        switch configuration.timeout {
        case .none: return nil
        case .seconds(let seconds): return UInt64(seconds * 1e9)
        case .percentOfMedian(let percent):
            guard let median = successfulRuntimes.median() else { return nil }
            return UInt64(median * percent / 100 * 1e9)
        }
    }
}
