import CParallelKit
import ParallelKit
import ParallelKitSystem

/// Runs the jobs: one thread, one `poll` loop over every job's output pipes and pidfd (and, with
/// `--pipe`, its input pipe), the runner's signal pipe, and the nearest deadline (timeouts,
/// termination steps, retry delays, progress refreshes).
///
/// The loop does the system's side — descriptors, pipes, spawning, reading and writing — and
/// tells ``RunStateMachine`` what happened; the machine decides what follows (which job starts,
/// retries, `--halt`, `--timeout`, `--termseq`, print order) and the loop carries out its
/// actions (``perform(_:)``). ``RunOutput`` prints and records.
///
/// Why one thread and `poll`: a job costs a spawn, two pipes and a pidfd; nothing here needs more
/// than one core, and a single owner of all job state needs no locks. pidfds (Linux 5.3+) make
/// a job's exit an ordinary readable descriptor, so no SIGCHLD handler races with the loop.
final class RunScheduler {
    let options: RunOptions
    let template: CommandTemplate?
    private let feed: JobFeed
    let spawner: JobSpawner
    let budget: OutputBudget
    let output: RunOutput
    var writer: OutputWriter { output.writer }
    let progress: ProgressBar?

    var machine: RunStateMachine
    /// The poll loop's side of each job, by the machine's job id.
    var jobs: [Job?] = []
    /// Reused by every turn of the loop.
    private var actions: [RunStateMachine.Action] = []
    private var descriptors: [pollfd] = []
    /// For each polled descriptor: the id of its job (-1: the signal pipe, -2: standard input) and
    /// which of the job's descriptors it is (0 output, 1 error, 2 input, 3 pidfd).
    private var owners: [(job: Int, stream: Int)] = []
    /// Standard input, while the next job's record has not arrived and jobs are running.
    private var inputToWaitFor: Int32?
    /// The host's control pipe (``RunHost/controlDescriptor``): signals, or a cancellation.
    private var control: Int32 = -1
    let host: RunHost
    /// The broken standard output has been handled (the library's host has no handler).
    private var brokenPipeHandled = false
    /// What one `read` of a job's pipe lands in.
    let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
    /// Set when the kernel gives no pidfds: the loop then reaps by polling.
    var noPidfd = false
    /// Jobs from the input not yet printed, skipped or forgotten (what ``RunHost/admitsJob`` is told).
    private var undelivered = 0
    /// Attempts running elsewhere (``RunHost/remote``), by their handle.
    var remoteAttempts: [Int32: Job] = [:]
    /// The next attempt's handle (never reused: a finished job's leftovers may still be signalled).
    var nextRemoteHandle: Int32 = 1

    init(options: RunOptions, feed: JobFeed, template: CommandTemplate?, host: RunHost) throws(RunUsageError) {
        self.options = options
        self.feed = feed
        self.template = template
        self.host = host
        spawner = JobSpawner(
            extraEnvironment: ["PARALLEL_PID": String(getpid())], environment: host.environment,
            workingDirectory: host.workingDirectory, strategy: host.strategy)
        var directory = options.tmpdir ?? Array("/tmp".utf8)
        if options.tmpdir == nil, let tmp = getenv("TMPDIR") { directory = Array(String(cString: tmp).utf8) }
        budget = OutputBudget(directory: directory, cap: host.outputLimit)
        output = try RunOutput(options: options, template: template, names: feed.names, host: host)
        if options.progress.any, !options.dryRun {
            var style: ProgressBar.Style = []
            if options.progress.bar { style.insert(.bar) }
            if options.progress.eta { style.insert(.eta) }
            if options.progress.progress { style.insert(.counts) }
            let known = options.resume == .none ? feed.total : nil
            // Always drawn, terminal or not, as GNU parallel writes --bar, --eta and --progress
            // to standard error wherever it goes.
            progress = ProgressBar(style: style, total: options.totalJobsHint ?? known, drawing: .always)
        } else {
            progress = nil
        }
        machine = RunStateMachine(.init(options: options, maxJobs: host.maxJobs))
        machine.inputTotal = feed.total
    }

    deinit { scratch.deallocate() }

    // MARK: - The loop

    /// Runs every job and returns the exit status GNU parallel would give.
    func run() throws(RunUsageError) -> Int32 {
        if options.dryRun { return try dryRun() }
        control = host.willStartJobs?() ?? host.controlDescriptor
        defer { host.didEndJobs?() }
        while true {
            try startJobs()
            if machine.isFinished { break }
            waitForEvents()
            if writer.brokenPipe { stopForBrokenPipe() }
        }
        readSignals()  // a stopping signal that ended a wait for input, with no job left to stop
        noteWriteFailure()
        machine.end(into: &actions)
        var status: Int32 = 0
        for action in actions {
            if case .exit(let code) = action { status = code } else { perform(action) }
        }
        actions.removeAll()
        writer.flush()
        progress?.finish()
        return status
    }

    private func dryRun() throws(RunUsageError) -> Int32 {
        while let spec = try feed.next() {
            let job = Job(id: 0, spec: spec, budget: budget)
            job.slot = 1
            output.printDryRun(job)
            if writer.brokenPipe || writer.failure != nil { break }
        }
        writer.flush()
        guard let failure = writer.failure else { return 0 }
        output.fail(failure)
        return RunWriteFailure.exitStatus
    }

    private func startJobs() throws(RunUsageError) {
        inputToWaitFor = nil
        let now = MonotonicClock.nanoseconds()
        starting: while true {
            noteWriteFailure()  // a failed `-v` line starts no more jobs
            guard let start = machine.nextStart(at: now) else { break }
            switch start {
            case .retry(let id):
                let previous = jobs[id]!
                let job = Job(id: id, spec: previous.spec, budget: budget)
                jobs[id] = job
                launch(job)
            case .nextInput:
                // `.nextInput` changes nothing in the machine: the host may hold it back.
                if let admitsJob = host.admitsJob, !admitsJob(undelivered) { break starting }
                // Block in a read of the input only when nothing else needs the runner meanwhile
                // and nothing can stop it: with a control pipe, a signal caught just before the
                // read began would go unseen until the next record, so the loop polls the input
                // and the pipe together instead (seen in CI at load 50: SIGTERM ignored 5 s).
                let next = try feed.next(waiting: machine.isIdle && control < 0)
                machine.inputTotal = feed.total
                switch next {
                case .job(let spec):
                    let id = machine.add()
                    undelivered += 1
                    let job = Job(id: id, spec: spec, budget: budget)
                    if id < jobs.count { jobs[id] = job } else { jobs.append(job) }
                    launch(job)
                case .end:
                    machine.inputEnded()
                    progress?.report(.total((feed.total ?? machine.jobsAdded) - feed.skipped))
                    return
                case .inputPending(let fd):
                    inputToWaitFor = fd
                    return
                }
            }
        }
    }

    private func waitForEvents() {
        descriptors.removeAll(keepingCapacity: true)
        owners.removeAll(keepingCapacity: true)
        descriptors.append(pollfd(fd: control, events: Int16(POLLIN), revents: 0))
        owners.append((-1, -1))
        if let inputToWaitFor {
            // Polled only to wake up: the next `startJobs` reads what arrived.
            descriptors.append(pollfd(fd: inputToWaitFor, events: Int16(POLLIN), revents: 0))
            owners.append((-2, -1))
        }
        if let remote = host.remote {
            descriptors.append(pollfd(fd: remote.wakeDescriptor, events: Int16(POLLIN), revents: 0))
            owners.append((-3, -1))
        }
        for id in machine.running {
            let job = jobs[id]!
            if job.outputFD >= 0 {
                descriptors.append(pollfd(fd: job.outputFD, events: Int16(POLLIN), revents: 0))
                owners.append((id, 0))
            }
            if job.errorFD >= 0 {
                descriptors.append(pollfd(fd: job.errorFD, events: Int16(POLLIN), revents: 0))
                owners.append((id, 1))
            }
            if job.inputFD >= 0 {
                descriptors.append(pollfd(fd: job.inputFD, events: Int16(POLLOUT), revents: 0))
                owners.append((id, 2))
            }
            if job.status == nil, job.pidfd >= 0 {
                descriptors.append(pollfd(fd: job.pidfd, events: Int16(POLLIN), revents: 0))
                owners.append((id, 3))
            }
        }
        let timeout = pollTimeout()
        let count = nfds_t(descriptors.count)
        guard let ready = try? systemCall("poll", { poll(&descriptors, count, timeout) }) else { return }
        if ready > 0 {
            for index in descriptors.indices where descriptors[index].revents != 0 {
                let (owner, stream) = owners[index]
                if owner == -2 { continue }
                if owner == -3 {
                    receiveRemoteEvents()
                    continue
                }
                guard owner >= 0 else {
                    readSignals()
                    continue
                }
                let job = jobs[owner]!
                switch stream {
                case 0, 1: readOutput(job, stream: stream)
                case 2: writeInput(job)
                default: reap(job)
                }
            }
        }
        if noPidfd { for id in machine.running where jobs[id]!.status == nil { reap(jobs[id]!) } }
        noteWriteFailure()
        machine.tick(at: MonotonicClock.nanoseconds(), into: &actions)
        for action in actions { perform(action) }
        actions.removeAll(keepingCapacity: true)
        noteWriteFailure()
        progress?.refresh()
    }

    /// Tells the machine when one of the runner's writes has failed (spilling output, printing,
    /// recording): it then ends the run.
    private func noteWriteFailure() {
        if output.failure != nil { machine.writeFailed() }
    }

    /// Milliseconds until the nearest deadline, or -1.
    private func pollTimeout() -> Int32 {
        if machine.hasWorkNow { return 0 }
        var timeout: Int32 = -1
        if let nearest = machine.nextDeadline() {
            let now = MonotonicClock.nanoseconds()
            timeout = nearest <= now ? 0 : Int32(min((nearest - now + 999_999) / 1_000_000, 60_000))
        }
        if noPidfd, machine.running.contains(where: { jobs[$0]!.status == nil }) {
            timeout = timeout < 0 ? 5 : min(timeout, 5)
        }
        if progress != nil { timeout = timeout < 0 ? 200 : min(timeout, 200) }
        return timeout
    }

    // MARK: - The machine's actions

    private func perform(_ action: RunStateMachine.Action) {
        switch action {
        case .signal(let group, let signal):
            if let remote = host.remote { return remote.signal(group, signal) }
            do {
                _ = try systemCall("kill") { kill(-group, signal) }
            } catch {
                machine.groupEnded(group)
            }
        case .timedOut(let id):
            output.warnTimedOut(jobs[id]!)
        case .drainOutput(let id):
            drain(jobs[id]!)
        case .discard(let id):
            let job = jobs[id]!
            job.discard = true
            job.releaseOutput()
        case .retry(let id, _):
            let job = jobs[id]!
            job.closeDescriptors()
            job.releaseOutput()
        case .finished(let id, let failed):
            jobs[id]!.closeDescriptors()
            progress?.report(failed ? .failed(1) : .finished(1))
        case .printLive(let id):
            output.printLive(jobs[id]!)
        case .print(let id, let killed, let note):
            output.print(jobs[id]!, killed: killed, note: note)
            jobs[id] = nil
            undelivered -= 1
        case .skip(let id, let note):
            output.skip(jobs[id]!, note: note)
            jobs[id] = nil
            undelivered -= 1
        case .forget(let id):
            let job = jobs[id]!
            job.closeDescriptors()
            job.releaseOutput()
            jobs[id] = nil
            undelivered -= 1
        case .exit:
            break
        }
    }

    // MARK: - Signals and stopping

    /// Tells the machine what the host wrote to its control pipe (non-blocking): the signals the
    /// CLI's handler caught, 0 for a cancellation, or the wake byte (nothing to tell: the next
    /// turn asks ``RunHost/admitsJob`` again).
    private func readSignals() {
        guard control >= 0 else { return }
        var byte: UInt8 = 0
        while (try? systemCall("read", { read(control, &byte, 1) })) == 1 {
            switch byte {
            case 0: machine.cancel()
            case RunHost.wakeByte: break
            default: machine.signalReceived(Int32(byte))
            }
        }
    }

    /// Standard output is a closed pipe: stop the jobs, then let the host end the process (the
    /// CLI ends as GNU does, by SIGPIPE); a host without a policy for it gets a failed write.
    private func stopForBrokenPipe() {
        guard !brokenPipeHandled else { return }
        brokenPipeHandled = true
        for case let job? in jobs where job.pid > 0 && job.status == nil { _ = kill(-job.pid, SIGTERM) }
        for handle in remoteAttempts.keys { host.remote?.signal(handle, SIGTERM) }
        if let brokenPipe = host.brokenPipe { brokenPipe() }
        machine.writeFailed()
    }
}
