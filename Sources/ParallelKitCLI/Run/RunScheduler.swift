import CParallelKit
import ParallelKit
import ParallelKitSystem

/// Runs the jobs: one thread, one `poll` loop over every job's output pipes and pidfd (and, with
/// `--pipe`, its input pipe), the runner's signal pipe, and the nearest deadline (timeouts,
/// termination steps, retry delays, progress refreshes).
///
/// Why one thread and `poll`: a job costs a spawn, two pipes and a pidfd; nothing here needs more
/// than one core, and a single owner of all job state needs no locks. pidfds (Linux 5.3+) make
/// a job's exit an ordinary readable descriptor, so no SIGCHLD handler races with the loop.
final class RunScheduler {
    private let options: RunOptions
    private let template: CommandTemplate?
    private let tagTemplate: CommandTemplate?
    private let feed: JobFeed
    private let spawner: JobSpawner
    private let maxJobs: Int
    private let budget: OutputBudget
    private let writer = OutputWriter()
    private let joblog: JobLog?
    private let results: ResultsWriter?
    private let progress: ProgressBar?
    private let names: [Bytes: Int]

    private var running: [Job] = []
    private var slotInUse: [Bool] = []
    private var retryQueue: [(ready: UInt64, job: Job)] = []
    private var waitingToPrint: [Int: Job] = [:]
    private var nextPrintIndex = 0
    private var printIndexCounter = 0
    private var tally = HaltPolicy.Tally()
    private var feedDone = false
    /// Standard input, while the next job's record has not arrived and jobs are running.
    private var inputToWaitFor: Int32?
    private var stopStarting = false
    private var haltStatus: Int32?
    private var signalled: Int32?
    private var signalPipe: (read: Int32, write: Int32) = (-1, -1)
    private var successfulRuntimes = RuntimeSample()
    private var scratch = Bytes(repeating: 0, count: 64 * 1024)
    private var noPidfd = false
    /// Process groups of finished jobs whose leftover processes are still being ended, and
    /// where their `--termseq` stands: followed to the end even after the job is printed.
    private var leftovers: [(group: pid_t, step: Int, next: UInt64)] = []

    init(options: RunOptions, feed: JobFeed, template: CommandTemplate?, maxJobs: Int) throws(RunUsageError) {
        self.options = options
        self.feed = feed
        self.template = template
        self.maxJobs = maxJobs
        self.names = feed.names
        if let tagString = options.tagString {
            tagTemplate = try CommandTemplate(
                words: [tagString], quoteWords: false, replaceString: options.replaceString,
                header: options.header != nil)
        } else {
            tagTemplate = nil
        }
        spawner = JobSpawner(extraEnvironment: ["PARALLEL_PID": String(getpid())])
        var directory = options.tmpdir ?? Array("/tmp".utf8)
        if options.tmpdir == nil, let tmp = getenv("TMPDIR") { directory = Array(String(cString: tmp).utf8) }
        budget = OutputBudget(directory: directory)
        if let path = options.joblog, !options.dryRun {
            joblog = try JobLog(path: path, append: options.resume != .none || options.joblogAppends)
        } else {
            joblog = nil
        }
        results = try options.results.map { results throws(RunUsageError) in
            try ResultsWriter(results, options: options, names: feed.names)
        }
        if options.progress.any, !options.dryRun {
            var style: ProgressBar.Style = []
            if options.progress.bar { style.insert(.bar) }
            if options.progress.eta { style.insert(.eta) }
            if options.progress.progress { style.insert(.counts) }
            let known = options.resume == .none ? feed.total : nil
            progress = ProgressBar(style: style, total: options.totalJobsHint ?? known)
        } else {
            progress = nil
        }
        slotInUse = Array(repeating: false, count: min(maxJobs, 4096))
    }

    // MARK: - The loop

    /// Runs every job and returns the exit status GNU parallel would give.
    func run() throws(RunUsageError) -> Int32 {
        if options.dryRun { return try dryRun() }
        installSignalPipe()
        defer { removeSignalPipe() }
        while true {
            try startJobs()
            if running.isEmpty && retryQueue.isEmpty && leftovers.isEmpty && (feedDone || stopStarting) { break }
            waitForEvents()
            if writer.brokenPipe { stopForBrokenPipe() }
        }
        readSignals()  // a stopping signal that ended a wait for input, with no job left to stop
        flushWaitingOutput(final: true)
        writer.flush()
        progress?.finish()
        if let signalled { return 128 + signalled }
        if let haltStatus { return haltStatus }
        return Int32(min(tally.failed, 101))
    }

    private func dryRun() throws(RunUsageError) -> Int32 {
        while let spec = try feed.next() {
            let job = Job(spec: spec, printIndex: 0, budget: budget)
            job.slot = 1
            var line = tag(for: job).map { $0 + [0x09] } ?? []
            line += shownCommand(job)
            line.append(0x0A)
            writer.write(line, stream: 0)
            if writer.brokenPipe { break }
        }
        writer.flush()
        return 0
    }

    private func startJobs() throws(RunUsageError) {
        inputToWaitFor = nil
        let now = RunClock.nanoseconds()
        while !stopStarting, running.count < maxJobs {
            if let index = retryQueue.firstIndex(where: { $0.ready <= now }) {
                let job = retryQueue.remove(at: index).job
                launch(job)
                continue
            }
            guard !feedDone else { break }
            // Wait for input only when nothing else needs the runner meanwhile.
            let idle = running.isEmpty && retryQueue.isEmpty && leftovers.isEmpty
            let spec: JobSpec
            switch try feed.next(waiting: idle) {
            case .job(let next):
                spec = next
            case .end:
                feedDone = true
                progress?.setTotal((feed.total ?? printIndexCounter) - feed.skipped)
                return
            case .inputPending(let fd):
                inputToWaitFor = fd
                return
            }
            let job = Job(spec: spec, printIndex: printIndexCounter, budget: budget)
            printIndexCounter += 1
            launch(job)
        }
    }

    private func waitForEvents() {
        var descriptors: [pollfd] = []
        // For each descriptor: the index of its job in `running` (-1: the signal pipe) and which
        // of the job's descriptors it is (0 output, 1 error, 2 input, 3 pidfd).
        var owners: [(job: Int, stream: Int)] = []
        descriptors.reserveCapacity(running.count * 3 + 1)
        descriptors.append(pollfd(fd: signalPipe.read, events: Int16(POLLIN), revents: 0))
        owners.append((-1, -1))
        if let inputToWaitFor {
            // Polled only to wake up: the next `startJobs` reads what arrived.
            descriptors.append(pollfd(fd: inputToWaitFor, events: Int16(POLLIN), revents: 0))
            owners.append((-2, -1))
        }
        for (index, job) in running.enumerated() {
            if job.outputFD >= 0 {
                descriptors.append(pollfd(fd: job.outputFD, events: Int16(POLLIN), revents: 0))
                owners.append((index, 0))
            }
            if job.errorFD >= 0 {
                descriptors.append(pollfd(fd: job.errorFD, events: Int16(POLLIN), revents: 0))
                owners.append((index, 1))
            }
            if job.inputFD >= 0 {
                descriptors.append(pollfd(fd: job.inputFD, events: Int16(POLLOUT), revents: 0))
                owners.append((index, 2))
            }
            if job.exit == nil, job.pidfd >= 0 {
                descriptors.append(pollfd(fd: job.pidfd, events: Int16(POLLIN), revents: 0))
                owners.append((index, 3))
            }
        }
        let timeout = pollTimeout()
        let ready = poll(&descriptors, nfds_t(descriptors.count), timeout)
        if ready < 0, errno != EINTR { return }
        if ready > 0 {
            for (index, descriptor) in descriptors.enumerated() where descriptor.revents != 0 {
                let (owner, stream) = owners[index]
                if owner == -2 { continue }
                guard owner >= 0 else {
                    readSignals()
                    continue
                }
                let job = running[owner]
                switch stream {
                case 0, 1: readOutput(job, stream: stream)
                case 2: writeInput(job)
                default: reap(job)
                }
            }
        }
        if noPidfd { for job in running where job.exit == nil { reap(job) } }
        checkDeadlines()
        if let signalled, !stopStarting { stopEverything(signal: signalled) }
        var index = 0
        while index < running.count {
            if running[index].isDone {
                let job = running.remove(at: index)
                if let next = job.termNext, job.pid > 0 { leftovers.append((job.pid, job.termStep, next)) }
                finish(job)
            } else {
                index += 1
            }
        }
        progress?.refresh()
    }

    /// Milliseconds until the nearest deadline, or -1.
    private func pollTimeout() -> Int32 {
        var nearest = UInt64.max
        for job in running {
            if let deadline = job.deadline, job.exit == nil { nearest = min(nearest, deadline) }
            if let next = job.termNext { nearest = min(nearest, next) }
            if let drain = job.drainDeadline { nearest = min(nearest, drain) }
        }
        for (ready, _) in retryQueue { nearest = min(nearest, ready) }
        for leftover in leftovers { nearest = min(nearest, leftover.next) }
        var timeout: Int32 = -1
        if running.contains(where: \.isDone) { return 0 }
        if nearest != .max {
            let now = RunClock.nanoseconds()
            timeout = nearest <= now ? 0 : Int32(min((nearest - now + 999_999) / 1_000_000, 60_000))
        }
        if noPidfd, running.contains(where: { $0.exit == nil }) { timeout = timeout < 0 ? 5 : min(timeout, 5) }
        if progress != nil { timeout = timeout < 0 ? 200 : min(timeout, 200) }
        return timeout
    }

    // MARK: - Starting a job

    private func launch(_ job: Job) {
        job.slot = takeSlot()
        job.pid = 0  // until spawned: a retried job must not signal its last attempt's group
        job.exit = nil
        job.killedByRunner = false
        job.timedOut = false
        job.termStep = 0
        job.termNext = nil
        job.drainDeadline = nil
        job.inputOffset = 0
        job.live = options.outputMode == .lineBuffered && (!options.keepOrder || job.printIndex == nextPrintIndex)
        let command = command(for: job)
        if options.verbose { writer.write(shownCommand(job) + [0x0A], stream: 1) }
        if options.verboseToStandardOutput {
            if options.outputMode == .grouped {
                job.output.append(shownCommand(job) + [0x0A])
            } else {
                writer.write(shownCommand(job) + [0x0A], stream: 0)
            }
        }
        writer.flush()

        var outputPipe: [Int32] = [-1, -1]
        var errorPipe: [Int32] = [-1, -1]
        var inputPipe: [Int32] = [-1, -1]
        var pipeFailure: Int32 = 0
        if options.outputMode != .ungrouped {
            if pk_pipe_cloexec(&outputPipe, 0) != 0 || pk_pipe_cloexec(&errorPipe, 0) != 0 { pipeFailure = errno }
        }
        if job.spec.input != nil, pipeFailure == 0 {
            if pk_pipe_cloexec(&inputPipe, 0) != 0 {
                pipeFailure = errno
            } else {
                _ = fcntl(inputPipe[1], F_SETFL, fcntl(inputPipe[1], F_GETFL) | O_NONBLOCK)
            }
        }
        let environment = [
            Array("PARALLEL_SEQ=".utf8) + decimalBytes(job.spec.sequence),
            Array("PARALLEL_JOBSLOT=".utf8) + decimalBytes(job.slot),
        ]
        let (program, arguments, direct): (Bytes, [Bytes], Bool)
        switch command {
        case .exec(let path, let argv): (program, arguments, direct) = (path, argv, true)
        case .shell(let text): (program, arguments, direct) = (spawner.shell, [spawner.shell, Array("-c".utf8), text], false)
        }
        job.startWall = RunClock.wallSeconds()
        job.startTime = RunClock.nanoseconds()
        if pipeFailure != 0 {
            // Out of descriptors: the job fails visibly rather than running ungrouped or without
            // its --pipe block (`-j` is capped by the descriptor limit, so this is a last resort).
            writer.message("cannot create a pipe for job \(job.spec.sequence): \(String(cString: strerror(pipeFailure)))")
            job.exit = JobExit(code: 127, signal: 0)
            job.endTime = job.startTime
        } else {
            do throws(JobSpawner.Failure) {
                let child = try spawner.spawn(
                    program: program, arguments: arguments, environment: environment,
                    input: inputPipe[0] >= 0 ? inputPipe[0] : nil,
                    output: outputPipe[1] >= 0 ? outputPipe[1] : nil,
                    error: errorPipe[1] >= 0 ? errorPipe[1] : nil, shellFallback: direct)
                job.pid = child.pid
                job.pidfd = child.pidfd
                job.launch = child.launch
                if child.pidfd < 0 { noPidfd = true }
            } catch {
                writer.message("cannot start \(error.program.text): \(String(cString: strerror(error.errno)))")
                job.exit = JobExit(code: 127, signal: 0)
                job.endTime = job.startTime
            }
        }
        for fd in [outputPipe[1], errorPipe[1], inputPipe[0]] where fd >= 0 { close(fd) }
        job.outputFD = job.exit == nil ? outputPipe[0] : -1
        job.errorFD = job.exit == nil ? errorPipe[0] : -1
        job.inputFD = job.exit == nil ? inputPipe[1] : -1
        if job.exit != nil { for fd in [outputPipe[0], errorPipe[0], inputPipe[1]] where fd >= 0 { close(fd) } }
        if let timeout = timeoutNanoseconds() { job.deadline = job.startTime &+ timeout } else { job.deadline = nil }
        running.append(job)
        if job.attempt == 1 { progress?.started() }
    }

    /// How this job runs: directly when the template allows, else under the shell.
    private func command(for job: Job) -> JobCommand {
        if let logged = job.spec.loggedCommand { return .shell(logged) }
        guard let template else {
            return .shell(Array(job.spec.arguments.joined(separator: [0x20])))
        }
        if !template.needsShell {
            let argv = template.argv(context(job))
            if let name = argv.first, !CommandTemplate.shellWords.contains(name), let path = spawner.resolve(name) {
                return .exec(program: path, arguments: argv)
            }
        }
        return .shell(shownCommand(job))
    }

    private func context(_ job: Job) -> CommandTemplate.Context {
        CommandTemplate.Context(
            arguments: job.spec.arguments, sequence: job.spec.sequence, slot: job.slot,
            repeatWords: options.maxArguments != nil, names: names, appendsArguments: !options.pipe)
    }

    /// The command as GNU would show it, made once per job.
    private func shownCommand(_ job: Job) -> Bytes {
        if let shown = job.shownCommand { return shown }
        let shown: Bytes
        if let logged = job.spec.loggedCommand {
            shown = logged
        } else if let template {
            shown = template.shellText(context(job))
        } else {
            shown = Array(job.spec.arguments.joined(separator: [0x20]))
        }
        job.shownCommand = shown
        return shown
    }

    private func tag(for job: Job) -> Bytes? {
        if let tagTemplate { return tagTemplate.rawText(context(job)) }
        if options.tag { return Array(job.spec.arguments.joined(separator: [0x20])) }
        return nil
    }

    private func takeSlot() -> Int {
        if let free = slotInUse.firstIndex(of: false) {
            slotInUse[free] = true
            return free + 1
        }
        slotInUse.append(true)
        return slotInUse.count
    }

    private func timeoutNanoseconds() -> UInt64? {
        switch options.timeout {
        case .none: return nil
        case .seconds(let seconds): return UInt64(seconds * 1e9)
        case .percentOfMedian(let percent):
            guard let median = successfulRuntimes.median() else { return nil }
            return UInt64(median * percent / 100 * 1e9)
        }
    }

    // MARK: - Events

    private func readOutput(_ job: Job, stream: Int) {
        let fd = stream == 0 ? job.outputFD : job.errorFD
        let got = scratch.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if got < 0, errno == EINTR || errno == EAGAIN { return }
        guard got > 0 else {
            close(fd)
            if stream == 0 { job.outputFD = -1 } else { job.errorFD = -1 }
            return
        }
        if job.discard { return }
        scratch.withUnsafeBytes { raw in
            let bytes = UnsafeRawBufferPointer(rebasing: raw[0..<got])
            let buffer = stream == 0 ? job.output : job.error
            if options.outputMode == .lineBuffered, job.live {
                if stream == 0 { job.output.countOnly(got) }
                emitLines(job, stream: stream, bytes: bytes)
            } else {
                buffer.append(bytes)
            }
        }
    }

    /// Line-buffered printing: whole lines now, the incomplete last line kept for later.
    private func emitLines(_ job: Job, stream: Int, bytes: UnsafeRawBufferPointer) {
        guard let lastNewline = pk_memrchr(bytes.baseAddress!, 0x0A, bytes.count) else {
            job.pendingLine[stream].append(contentsOf: bytes)
            return
        }
        let cut = bytes.baseAddress!.distance(to: UnsafeRawPointer(lastNewline)) + 1
        let tag = tag(for: job)
        var lineStart = true
        if !job.pendingLine[stream].isEmpty {
            job.pendingLine[stream].withUnsafeBytes {
                writer.write($0, stream: stream, tag: tag, atLineStart: &lineStart)
            }
            job.pendingLine[stream].removeAll()
        }
        writer.write(UnsafeRawBufferPointer(rebasing: bytes[0..<cut]), stream: stream, tag: tag, atLineStart: &lineStart)
        job.pendingLine[stream].append(contentsOf: bytes[cut...])
        writer.flush(stream)
    }

    private func writeInput(_ job: Job) {
        guard let input = job.spec.input else { return }
        var finished = false
        switch input {
        case .bytes(let bytes):
            let wrote = bytes.withUnsafeBytes { raw in
                write(job.inputFD, raw.baseAddress! + job.inputOffset, raw.count - job.inputOffset)
            }
            if wrote > 0 { job.inputOffset += wrote }
            finished = job.inputOffset >= bytes.count || (wrote < 0 && errno != EAGAIN && errno != EINTR)
        case .range(let file, let offset, let length):
            let wanted = min(scratch.count, length - job.inputOffset)
            let got = scratch.withUnsafeMutableBytes {
                pread(file.fd, $0.baseAddress, wanted, off_t(offset + job.inputOffset))
            }
            if got > 0 {
                let wrote = scratch.withUnsafeBytes { write(job.inputFD, $0.baseAddress, got) }
                if wrote > 0 { job.inputOffset += wrote }
                finished = wrote < 0 && errno != EAGAIN && errno != EINTR
            } else {
                finished = true
            }
            finished = finished || job.inputOffset >= length
        }
        if finished {
            close(job.inputFD)
            job.inputFD = -1
        }
    }

    /// Collects the job's exit status once its pidfd says it has ended; then ends whatever the
    /// job left running in its process group.
    private func reap(_ job: Job) {
        guard job.exit == nil else { return }
        var status: Int32 = 0
        var result: pid_t
        repeat { result = waitpid(job.pid, &status, WNOHANG) } while result < 0 && errno == EINTR
        guard result == job.pid else {
            if result < 0 { job.exit = JobExit(code: -1, signal: 0) } else { return }
            return
        }
        job.exit = JobExit(waitStatus: status)
        job.endTime = RunClock.nanoseconds()
        if let launch = job.launch {
            job.launch = nil
            if launch.execErrno != 0 {
                writer.message("cannot start \(launch.program.text): \(String(cString: strerror(launch.execErrno)))")
            }
        }
        if job.pidfd >= 0 {
            close(job.pidfd)
            job.pidfd = -1
        }
        if job.inputFD >= 0 {
            close(job.inputFD)
            job.inputFD = -1
        }
        // Background children of the job still in its group: end them as a timeout would.
        if kill(-job.pid, 0) == 0 {
            if job.termNext == nil {
                job.termStep = 0
                job.termNext = job.endTime
            }
        }
        job.drainDeadline = job.endTime &+ 5_000_000_000
    }

    private func checkDeadlines() {
        let now = RunClock.nanoseconds()
        leftovers = leftovers.compactMap { leftover in
            guard leftover.next <= now else { return leftover }
            guard let next = terminationStep(group: leftover.group, step: leftover.step, now: now) else { return nil }
            return (leftover.group, leftover.step + 1, next)
        }
        for job in running {
            if job.exit == nil, let deadline = job.deadline, deadline <= now, !job.timedOut {
                job.timedOut = true
                job.killedByRunner = true
                job.termStep = 0
                job.termNext = now
                writer.message("warning: this job was killed because it timed out:\n\(shownCommand(job).text)")
            }
            if let next = job.termNext, next <= now { stepTermination(job, now: now) }
            if let drain = job.drainDeadline, drain <= now, job.termNext == nil {
                // Something outside the job's process group holds its pipes: stop waiting.
                for fd in [job.outputFD, job.errorFD] where fd >= 0 {
                    while true {
                        let got = scratch.withUnsafeMutableBytes { raw -> Int in
                            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                            guard poll(&descriptor, 1, 0) > 0 else { return 0 }
                            return read(fd, raw.baseAddress, raw.count)
                        }
                        guard got > 0 else { break }
                        if !job.discard {
                            scratch.withUnsafeBytes {
                                (fd == job.outputFD ? job.output : job.error).append(
                                    UnsafeRawBufferPointer(rebasing: $0[0..<got]))
                            }
                        }
                    }
                    close(fd)
                }
                job.outputFD = -1
                job.errorFD = -1
                job.drainDeadline = nil
            }
        }
    }

    /// Sends the next signal of `--termseq` to the job's process group.
    private func stepTermination(_ job: Job, now: UInt64) {
        job.termNext = terminationStep(group: job.pid, step: job.termStep, now: now)
        job.termStep += 1
    }

    /// Sends step `step` of `--termseq` to process `group`; returns when the next step is due,
    /// or nil when the group is gone.
    private func terminationStep(group: pid_t, step: Int, now: UInt64) -> UInt64? {
        // kill(-0, …) would signal the runner's own process group.
        guard group > 0, kill(-group, 0) == 0 else { return nil }
        let steps = options.termSequence.steps
        let current = steps[min(step, steps.count - 1)]
        kill(-group, current.signal)
        return now &+ UInt64(max(current.waitMilliseconds, 1)) * 1_000_000
    }

    // MARK: - Finishing a job

    private func finish(_ job: Job) {
        releaseSlot(job.slot)
        job.closeDescriptors()
        if job.discard {
            job.output.release()
            job.error.release()
            return
        }
        let exit = job.exit ?? JobExit(code: -1, signal: 0)
        let failed = !exit.succeeded || job.killedByRunner
        if failed, job.attempt < options.retries, !stopStarting {
            job.attempt += 1
            job.output.release()
            job.error.release()
            job.pendingLine = [[], []]
            job.shownCommand = nil
            let delay = options.retryDelay * Double(1 << min(job.attempt - 2, 30))
            retryQueue.append((RunClock.nanoseconds() &+ UInt64(delay * 1e9), job))
            return
        }
        if failed { tally.failed += 1 } else { tally.succeeded += 1 }
        if !failed, case .percentOfMedian = options.timeout {
            successfulRuntimes.add(Double(job.endTime &- job.startTime) / 1e9)
        }
        progress?.finished(failed: failed)
        checkHalt(job, failed: failed, exit: exit)
        if options.keepOrder {
            waitingToPrint[job.printIndex] = job
            flushWaitingOutput()
        } else {
            emit(job)
        }
    }

    private func releaseSlot(_ slot: Int) {
        if slot - 1 < slotInUse.count { slotInUse[slot - 1] = false }
    }

    private func checkHalt(_ job: Job, failed: Bool, exit: JobExit) {
        let policy = options.halt
        guard policy.when != .never else { return }
        if let word = policy.describes(failed: failed) {
            job.haltMessage = "This job \(word):\n" + shownCommand(job).text
        }
        guard haltStatus == nil, policy.isReached(by: tally, total: feed.total) else { return }
        let status = job.killedByRunner && exit.signal != 0 ? 128 + exit.signal : exit.shellStatus
        haltStatus = policy.exitStatus(tally: tally, total: feed.total, triggeringStatus: status)
        stopStarting = true
        if policy.when == .now {
            for other in running { endJob(other, signal: nil) }
        } else if !running.isEmpty {
            job.haltMessage = (job.haltMessage.map { $0 + "\n" } ?? "")
                + "Starting no more jobs. Waiting for \(running.count) jobs to finish."
        }
        retryQueue.removeAll()
    }

    /// Ends a running job: its output is dropped and its process group gets `--termseq`
    /// (starting with `signal` when given).
    private func endJob(_ job: Job, signal: Int32?) {
        job.discard = true
        job.killedByRunner = true
        job.output.release()
        job.error.release()
        guard job.exit == nil || job.termNext == nil else { return }
        if let signal, job.pid > 0 { kill(-job.pid, signal) }
        job.termStep = 0
        job.termNext = RunClock.nanoseconds()
    }

    /// Prints the jobs waiting their turn (`-k`), in order, as far as they are complete.
    private func flushWaitingOutput(final: Bool = false) {
        while let job = waitingToPrint.removeValue(forKey: nextPrintIndex) {
            emit(job)
        }
        guard final else { return }
        for key in waitingToPrint.keys.sorted() {
            let job = waitingToPrint.removeValue(forKey: key)!
            if haltStatus != nil, options.halt.when == .now {
                // GNU drops output still waiting for its turn when --halt now stops the run, and
                // logs only what it printed; the job then runs again on --resume.
                if let message = job.haltMessage { writer.message(message) }
                job.output.release()
                job.error.release()
            } else {
                // Turns that will never come (jobs ended by a signal to the runner): in order.
                emit(job)
            }
        }
    }

    private func emit(_ job: Job) {
        let tag = self.tag(for: job)
        // With --results GNU prints nothing of the jobs' output (only `-.csv`/`-.json` rows).
        if results == nil {
            if options.outputMode == .lineBuffered {
                if !job.live {
                    writer.write(job.output, stream: 0, tag: tag)
                    writer.write(job.error, stream: 1, tag: tag)
                }
                for stream in 0..<2 where !job.pendingLine[stream].isEmpty {
                    writer.write(job.pendingLine[stream], stream: stream, tag: tag)
                }
            } else {
                writer.write(job.output, stream: 0, tag: tag)
                writer.write(job.error, stream: 1, tag: tag)
            }
        }
        if let message = job.haltMessage { writer.message(message) }
        writer.flush()
        if joblog != nil || results != nil {
            let record = job.record(command: shownCommand(job))
            joblog?.write(record)
            results?.write(record, job: job, context: context(job))
        }
        job.output.release()
        job.error.release()
        if job.printIndex == nextPrintIndex { advancePrintIndex() }
    }

    /// Moves the `-k` turn on; with `--line-buffer` the new head job starts printing live.
    private func advancePrintIndex() {
        nextPrintIndex += 1
        guard options.outputMode == .lineBuffered, options.keepOrder,
            let head = running.first(where: { $0.printIndex == nextPrintIndex })
        else { return }
        for (stream, buffer) in [head.output, head.error].enumerated() {
            let contents = buffer.contents()
            buffer.release()
            if stream == 0 { buffer.countOnly(contents.count) }  // the joblog's Receive column
            contents.withUnsafeBytes { emitLines(head, stream: stream, bytes: $0) }
        }
        head.live = true
        writer.flush()
    }

    // MARK: - Signals and stopping

    private func installSignalPipe() {
        signal(SIGPIPE, SIG_IGN)
        var fds: [Int32] = [-1, -1]
        guard pk_pipe_cloexec(&fds, 1) == 0 else { return }
        signalPipe = (fds[0], fds[1])
        pk_install_signal_pipe(fds[1])
    }

    private func removeSignalPipe() {
        pk_restore_default_signals()
        if signalPipe.read >= 0 {
            close(signalPipe.read)
            close(signalPipe.write)
        }
    }

    private func readSignals() {
        var byte: UInt8 = 0
        while read(signalPipe.read, &byte, 1) == 1 {
            if signalled == nil { signalled = Int32(byte) }
        }
    }

    /// The runner was asked to stop: every job's group gets the signal, then `--termseq`.
    private func stopEverything(signal: Int32) {
        stopStarting = true
        retryQueue.removeAll()
        for job in running { endJob(job, signal: signal) }
    }

    /// Standard output is a closed pipe: stop the jobs, then end as GNU does, by SIGPIPE.
    private func stopForBrokenPipe() -> Never {
        for job in running where job.exit == nil { kill(-job.pid, SIGTERM) }
        signal(SIGPIPE, SIG_DFL)
        raise(SIGPIPE)
        _exit(141)
    }
}

/// A bounded sample of the runtimes of successful jobs, for `--timeout N%`: the median of up to
/// 1,001 values (new values replace a random old one once full), so memory stays constant.
struct RuntimeSample {
    private var values: [Double] = []
    private var seen = 0
    private var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    /// The median of `values` as last computed; nil after a change.
    private var cachedMedian: Double?

    mutating func add(_ value: Double) {
        seen += 1
        cachedMedian = nil
        if values.count < 1001 {
            values.append(value)
            return
        }
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        let index = Int((state >> 33) % UInt64(seen))
        if index < values.count { values[index] = value }
    }

    /// The median, once three jobs have succeeded (sorted once per change, not per job start).
    mutating func median() -> Double? {
        guard values.count >= 3 else { return nil }
        if let cachedMedian { return cachedMedian }
        let sorted = values.sorted()
        cachedMedian = sorted[sorted.count / 2]
        return cachedMedian
    }
}
