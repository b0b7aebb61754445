import ParallelKitSystem

extension RunStateMachine {
    /// What the state machine needs of the run's options.
    struct Configuration {
        /// `-j`: attempts in flight at most (exited jobs count until their pipes close).
        var maxJobs: Int
        /// `--retries`: attempts per job (`Int.max` for `--retries 0`).
        var retries = 1
        /// `--retry-delay` in seconds, doubled for every further attempt.
        var retryDelay: Double = 0
        var halt = HaltPolicy.never
        var timeout: RunOptions.Timeout?
        /// `--termseq`.
        var teardown = Teardown.gnuDefault
        /// `-k`: print in input order.
        var keepOrder = false
        /// `--line-buffer`: lines print as they come (with `-k`, those of the job whose turn it is).
        var lineBuffered = false
        /// How long an exited job's pipes may stay open (held by something outside its process
        /// group) before the runner stops waiting for them.
        var drainGrace: UInt64 = 5_000_000_000
    }

    /// What ``nextStart(at:)`` says to start.
    enum Start: Equatable {
        /// Another attempt of this job, now in ``running`` with a slot: spawn it, then report
        /// ``started(_:group:at:)`` or ``failedToStart(_:at:)``.
        case retry(JobID)
        /// The next job from the input: take it and ``add()`` it (or report ``inputEnded()``).
        case nextInput
    }

    /// What the runner says on standard error after a job's output under `--halt`: `This job
    /// failed:` (or succeeded, or finished) and the command; and, when the job's end stops the
    /// run softly, `Starting no more jobs. Waiting for N jobs to finish.`
    struct HaltNote: Equatable {
        /// `failed`, `succeeded` or `finished`.
        var outcome: String?
        /// The jobs still running when the halt stopped the run (`--halt soon`).
        var stillRunning: Int?
    }

    /// What the poll loop must do, in the order given.
    enum Action: Equatable {
        /// Send `signal` to every process in process group `group`; report
        /// ``groupEnded(_:)`` when there is none.
        case signal(group: Int32, signal: Int32)
        /// The job ran past `--timeout` (its `--termseq` starts): warn.
        case timedOut(JobID)
        /// The job exited long ago and its pipes are still open: read what is in them, close
        /// them, report ``outputClosed(_:)``.
        case drainOutput(JobID)
        /// The runner is ending the job (`--halt now`, a signal): its output is not wanted,
        /// neither what it holds nor what is still to come.
        case discard(JobID)
        /// The attempt failed and the job runs again once ``nextStart(at:)`` says so (at `at`
        /// at the earliest): forget this attempt's output and descriptors.
        case retry(JobID, at: UInt64)
        /// The job is finished for good (count it as done, `failed` or not); it prints now or
        /// when its turn comes.
        case finished(JobID, failed: Bool)
        /// `-k --line-buffer`: the running job is now first in output order: print what it holds
        /// and its lines as they come.
        case printLive(JobID)
        /// Print the finished job's output and `note`, and record it (joblog, `--results`);
        /// `killed`: the runner ended it (its joblog exit value is -1). The job is then gone.
        case print(JobID, killed: Bool, note: HaltNote?)
        /// `--halt now` ended the run before this finished job's turn: print only `note`, record
        /// nothing. The job is then gone.
        case skip(JobID, note: HaltNote?)
        /// The job is gone without a word: ended by the runner, or its retry was cancelled.
        case forget(JobID)
        /// The run is over: exit with this status.
        case exit(Int32)
    }

    // MARK: - A job's state (private to the machine's tables)

    /// Where a `--termseq` stands: the step to take next, and when.
    struct TeardownStep {
        var index: Int
        var due: UInt64
    }

    /// One attempt of a job; a new attempt starts from a fresh value (``beginAttempt(_:)``).
    struct Attempt {
        var group: Int32 = 0
        var start: UInt64 = 0
        var end: UInt64 = 0
        var status: TerminationStatus?
        var outputClosed = false
        /// The `--timeout` deadline, until it fires.
        var deadline: UInt64?
        /// The runner ended it (timeout, `--halt now`, a signal to the runner).
        var killedByRunner = false
        var teardown: TeardownStep?
        /// After the exit: when to stop waiting for the pipes' ends.
        var drainDeadline: UInt64?

        var isDone: Bool { status != nil && outputClosed }
    }

    struct JobState {
        /// The job's place in output order, given when it first starts.
        var printIndex = 0
        var attemptNumber = 0
        var slot = 0
        var attempt = Attempt()
        /// The runner ended the job: nothing of it is printed or counted.
        var discard = false
        var note: HaltNote?
    }
}

extension RunStateMachine.Configuration {
    init(options: RunOptions, maxJobs: Int) {
        self.init(
            maxJobs: maxJobs, retries: options.retries, retryDelay: options.retryDelay, halt: options.halt,
            timeout: options.timeout, teardown: options.termSequence, keepOrder: options.keepOrder,
            lineBuffered: options.outputMode == .lineBuffered)
    }
}
