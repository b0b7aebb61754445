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

    /// The host cancelled the run (``CommandRunner``'s consuming task was cancelled): on the
    /// next tick no more jobs start, jobs waiting to retry are dropped, and every running job's
    /// process group gets the teardown sequence (its first step is the first signal).
    mutating func cancel() { cancelled = true }

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
        if cancelled, !stopStarting { stopEverything(signal: nil, now, &actions) }
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
    // Internal, not private, only so that the machine's own extensions (RunStateMachine+*.swift)
    // can reach it; nothing outside the machine touches these.

    let configuration: Configuration
    var jobs: [JobState] = []
    var freeIDs: [JobID] = []
    /// Jobs in an attempt, in the order the attempts started.
    var running: [JobID] = []
    var doneCount = 0
    var retryQueue: [(ready: UInt64, job: JobID)] = []
    /// Process groups of finished jobs whose leftover processes are still being ended: followed
    /// to the end of `--termseq` even after the job is printed.
    var leftovers: [(group: Int32, step: TeardownStep)] = []
    var slots: JobSlots
    /// Finished jobs waiting for their turn (`-k`), by place in output order.
    var waitingToPrint: [Int: JobID] = [:]
    var nextPrintIndex = 0
    var tally = HaltPolicy.Tally()
    var inputIsOver = false
    var stopStarting = false
    var haltStatus: Int32?
    var signalled: Int32?
    var cancelled = false
    var writeFailure = false
    /// A failed write waits for the next tick to end the running jobs.
    var endPending = false
    var successfulRuntimes = RuntimeSample()
}
