import ParallelKitSystem

/// How a job is run: directly, or by the shell.
enum JobCommand {
    /// `program` started directly with `arguments` (argv[0] first).
    case exec(program: Bytes, arguments: [Bytes])
    /// `$SHELL -c text`.
    case shell(Bytes)
}

/// One job attempt in flight, and its output until it is printed. Owned by the scheduler's
/// single thread.
final class Job {
    let spec: JobSpec
    /// The job's place in output order (`-k`), given when it first starts.
    let printIndex: Int
    var attempt: Int
    var slot = 0
    var pid: pid_t = 0
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
    var exit: JobExit?
    /// The runner ended the job (timeout, `--halt now`, a signal to the runner).
    var killedByRunner = false
    var timedOut = false
    /// The job's output is not wanted (killed by `--halt now` or the runner's end).
    var discard = false
    /// The timeout deadline, if any.
    var deadline: UInt64?
    /// The termination sequence in progress: next step and when.
    var termStep = 0
    var termNext: UInt64?
    /// After the job exits: when to stop waiting for its pipes' ends.
    var drainDeadline: UInt64?
    /// The command as GNU would show it (for the joblog, `-t`, `--results`), made on first use.
    var shownCommand: Bytes?
    /// What the runner says about this job on standard error after its output (`--halt`).
    var haltMessage: String?

    init(spec: JobSpec, printIndex: Int, budget: OutputBudget) {
        self.spec = spec
        self.printIndex = printIndex
        self.attempt = 1
        self.output = OutputBuffer(budget: budget)
        self.error = OutputBuffer(budget: budget)
    }

    /// Whether nothing more will happen to this attempt: exited and every pipe closed.
    var isDone: Bool { exit != nil && outputFD < 0 && errorFD < 0 && inputFD < 0 }

    /// The record for the joblog and `--results`.
    func record(command: Bytes) -> JobRecord {
        let exit = self.exit ?? JobExit(code: -1, signal: 0)
        return JobRecord(
            sequence: spec.sequence, startTime: startWall,
            runtime: Double(endTime &- startTime) / 1e9,
            sent: spec.input?.count ?? 0, received: output.count,
            exitValue: killedByRunner ? -1 : exit.code, signal: exit.signal, command: command)
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
