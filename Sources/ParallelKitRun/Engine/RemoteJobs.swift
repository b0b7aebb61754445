import ParallelKitSystem

/// Where a run's jobs go when they run on other machines (`parallelkit run --mpi`): the host's
/// way to hand each attempt to another process and hear back how it ended. The scheduler keeps
/// everything else — the input, `-k` order, the joblog, `--halt`, `--timeout`, `--retries` — so
/// a run sent elsewhere prints and exits exactly as it would here.
///
/// Each attempt gets a ``RemoteJob/handle`` that also stands for its process group in
/// ``RunStateMachine``: a `--termseq` step or a `--halt now` becomes ``signal(_:_:)`` with that
/// handle, never a `kill` here. Called only on the scheduler's thread.
package protocol RemoteJobs: AnyObject {
    /// Readable (`poll`) when ``takeEvents()`` has something; the scheduler polls it with its jobs.
    var wakeDescriptor: Int32 { get }
    /// Starts `job` on a process with a free job slot.
    func start(_ job: RemoteJob)
    /// Sends `signal` to the process group of the attempt `handle` names, wherever it runs; the
    /// answer, when the group is gone, is a ``RemoteJobEvent/groupEnded(_:)``.
    func signal(_ handle: Int32, _ signal: Int32)
    /// What happened since the last call (and empties the wake descriptor).
    func takeEvents() -> [RemoteJobEvent]
}

/// One attempt of a job, rendered where the run reads its inputs, for another process to start.
package struct RemoteJob: Codable, Sendable, Equatable {
    /// Names the attempt in the answer, and its process group in signals (≥ 1).
    package var handle: Int32
    /// The program's words to exec when the template needs no shell (the program is looked up in
    /// the `PATH` of the process that runs it); empty: run ``shellText`` with the shell.
    package var words: [Bytes]
    /// The command as the shell runs it: used when ``words`` is empty or its program is not found
    /// there (so the shell reports it, status 127, as here).
    package var shellText: Bytes
    /// `NAME=value` entries added to the job's environment (`PARALLEL_SEQ`, `PARALLEL_JOBSLOT`).
    package var environment: [Bytes]
    /// The `--pipe` block for its standard input; `nil`: `/dev/null`.
    package var input: Bytes?

    package init(handle: Int32, words: [Bytes], shellText: Bytes, environment: [Bytes], input: Bytes?) {
        self.handle = handle
        self.words = words
        self.shellText = shellText
        self.environment = environment
        self.input = input
    }
}

/// How an attempt ended where it ran: its status, its whole output and its times.
package struct RemoteJobResult: Codable, Sendable, Equatable {
    package var handle: Int32
    /// The exit status (0 when a signal ended it).
    package var exitCode: Int32
    /// The signal that ended it, or 0.
    package var signal: Int32
    /// Processes the job started were left in its group when it exited.
    package var groupAlive: Bool
    /// Seconds since the epoch when it started, by the clock of the machine that ran it.
    package var startWall: Double
    package var runtimeNanoseconds: UInt64
    package var output: Bytes
    package var error: Bytes
    /// The runner's own message about the attempt (`cannot start …`), for standard error.
    package var message: String?

    package init(
        handle: Int32, exitCode: Int32, signal: Int32, groupAlive: Bool, startWall: Double,
        runtimeNanoseconds: UInt64, output: Bytes, error: Bytes, message: String?
    ) {
        self.handle = handle
        self.exitCode = exitCode
        self.signal = signal
        self.groupAlive = groupAlive
        self.startWall = startWall
        self.runtimeNanoseconds = runtimeNanoseconds
        self.output = output
        self.error = error
        self.message = message
    }

    /// The status as this machine's ``TerminationStatus``.
    var status: TerminationStatus { signal != 0 ? .signaled(signal) : .exited(exitCode) }
}

/// What a ``RemoteJobs`` has heard.
package enum RemoteJobEvent: Sendable {
    /// The attempt ended on `host` (its name for the joblog's Host column).
    case finished(RemoteJobResult, host: Bytes)
    /// A signal to the attempt's group found no process there.
    case groupEnded(Int32)
}
