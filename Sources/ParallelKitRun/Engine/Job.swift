import ParallelKitSystem

/// How a job is run: directly, or by the shell.
enum JobCommand {
    /// `program` started directly with `arguments` (argv[0] first).
    case exec(program: Bytes, arguments: [Bytes])
    /// `$SHELL -c text`.
    case shell(Bytes)
    /// Nothing to start: `program` is not found or not executable (the Swift API's typed error).
    case unrunnable(Bytes)
}

/// One attempt of a job, as the poll loop sees it: its process, descriptors and output until it
/// is printed (``RunStateMachine`` keeps its attempts, deadlines and turn). Owned by the
/// scheduler's single thread; each attempt gets a new `Job` with the same ``id`` and spec.
final class Job {
    let id: RunStateMachine.JobID
    let spec: JobSpec
    var slot = 0
    /// The attempt's number, 1 up.
    var attempt = 1
    /// Why the attempt could not start (the Swift API reports it as a typed error).
    var launchError: RunError?
    var pid: pid_t = 0
    /// The host that ran the attempt when another one did (``RemoteJobs``); `nil`: this one.
    var host: Bytes?
    var pidfd: Int32 = -1
    /// The child's arguments and stack, which it shares until its exec: kept until it is reaped.
    var launch: JobLaunch?
    /// Read ends of the job's standard output and error pipes (-1 once closed, or with `-u`).
    var outputFD: Int32 = -1
    var errorFD: Int32 = -1
    /// The write end of the job's standard input pipe with `--pipe` (-1 once done).
    var inputFD: Int32 = -1
    var inputOffset = 0
    let output: OutputBuffer
    let error: OutputBuffer
    /// Line-buffered output: the incomplete last line of each stream.
    var pendingLine: [Bytes] = [[], []]
    /// Line-buffered output: whether this job prints as it goes (the head job with `-k`).
    var live = false
    var startWall = 0.0
    var startTime: UInt64 = 0
    var endTime: UInt64 = 0
    var status: TerminationStatus?
    /// The job's output is not wanted (the runner is ending it).
    var discard = false
    /// The command as GNU would show it (for the joblog, `-t`, `--results`), made on first use.
    var shownCommand: Bytes?

    init(id: RunStateMachine.JobID, spec: JobSpec, budget: OutputBudget) {
        self.id = id
        self.spec = spec
        self.output = OutputBuffer(budget: budget)
        self.error = OutputBuffer(budget: budget)
    }

    /// Whether every pipe is closed: nothing more comes from the attempt's output.
    var pipesClosed: Bool { outputFD < 0 && errorFD < 0 && inputFD < 0 }

    /// The record for the joblog and `--results`; `killed`: the runner ended the job.
    func record(command: Bytes, killed: Bool) -> JobRecord {
        let status = self.status ?? .exited(-1)
        return JobRecord(
            sequence: spec.sequence, host: host, startTime: startWall,
            runtime: Double(endTime &- startTime) / 1e9,
            sent: spec.input?.count ?? 0, received: output.count,
            exitValue: killed ? -1 : status.exitCode, signal: status.signalNumber, command: command)
    }

    /// Forgets what the job's output holds.
    func releaseOutput() {
        output.release()
        error.release()
    }

    /// Closes every descriptor the job still holds.
    func closeDescriptors() {
        for fd in [outputFD, errorFD, inputFD, pidfd] where fd >= 0 { close(fd) }
        outputFD = -1
        errorFD = -1
        inputFD = -1
        pidfd = -1
    }
}

extension TerminationStatus {
    /// The exit status as the joblog writes it: 0 when a signal ended the process.
    var exitCode: Int32 {
        if case .exited(let code) = self { return code }
        return 0
    }

    /// The signal that ended the process, or 0.
    var signalNumber: Int32 {
        if case .signaled(let signal) = self { return signal }
        return 0
    }
}
