import CParallelKit
import ParallelKitSystem

/// The system's side of one job: its pipes and process, reading its output, writing its
/// `--pipe` input, reaping it. What follows from each event is ``RunStateMachine``'s to decide.
extension RunScheduler {
    // MARK: - Starting an attempt

    /// Starts the attempt the machine has just begun (``RunStateMachine/nextStart(at:)``).
    func launch(_ job: Job) {
        job.slot = machine.slot(of: job.id)
        job.live = machine.printsLive(job.id)
        job.attempt = machine.attemptNumber(of: job.id)
        let command = command(for: job)
        output.printStarting(job)
        let environment = [
            Array("PARALLEL_SEQ=".utf8) + decimalBytes(job.spec.sequence),
            Array("PARALLEL_JOBSLOT=".utf8) + decimalBytes(job.slot),
        ]
        if let remote = host.remote { return launchRemote(job, on: remote, command: command, environment: environment) }

        var outputPipe: [Int32] = [-1, -1]
        var errorPipe: [Int32] = [-1, -1]
        var inputPipe: [Int32] = [-1, -1]
        var pipeFailure: SystemError?
        do throws(SystemError) {
            if options.outputMode != .ungrouped {
                _ = try systemCall("pipe2") { pk_pipe_cloexec(&outputPipe, 0) }
                _ = try systemCall("pipe2") { pk_pipe_cloexec(&errorPipe, 0) }
            }
            if job.spec.input != nil {
                _ = try systemCall("pipe2") { pk_pipe_cloexec(&inputPipe, 0) }
                let flags = try systemCall("fcntl") { fcntl(inputPipe[1], F_GETFL) }
                _ = try systemCall("fcntl") { fcntl(inputPipe[1], F_SETFL, flags | O_NONBLOCK) }
            }
        } catch {
            pipeFailure = error
        }
        let (program, arguments, direct): (Bytes, [Bytes], Bool)
        switch command {
        case .exec(let path, let argv): (program, arguments, direct) = (path, argv, true)
        case .shell(let text): (program, arguments, direct) = (spawner.shell, [spawner.shell, Array("-c".utf8), text], false)
        case .unrunnable(let name):
            (program, arguments, direct) = (name, [name], true)
            job.launchError = spawner.whyNotRunnable(name)
        }
        job.startWall = MonotonicClock.wallSeconds()
        job.startTime = MonotonicClock.nanoseconds()
        var started = false
        if job.launchError != nil {
            // The Swift API's typed error (nothing to start): the job fails as status 127 would.
        } else if let pipeFailure {
            // Out of descriptors: the job fails visibly rather than running ungrouped or without
            // its --pipe block (`-j` is capped by the descriptor limit, so this is a last resort).
            writer.message("cannot create a pipe for job \(job.spec.sequence): \(pipeFailure.reason)")
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
                started = true
            } catch {
                writer.message("cannot start \(error.program.text): \(SystemError.reason(error.errno))")
                job.launchError = RunError(launching: error.program, errno: error.errno)
            }
        }
        for fd in [outputPipe[1], errorPipe[1], inputPipe[0]] where fd >= 0 { close(fd) }
        if started {
            job.outputFD = outputPipe[0]
            job.errorFD = errorPipe[0]
            job.inputFD = inputPipe[1]
            machine.started(job.id, group: job.pid, at: job.startTime)
            reportIfClosed(job)
        } else {
            for fd in [outputPipe[0], errorPipe[0], inputPipe[1]] where fd >= 0 { close(fd) }
            job.status = .exited(127)
            job.endTime = job.startTime
            machine.failedToStart(job.id, at: job.startTime)
        }
        if machine.attemptNumber(of: job.id) == 1 { progress?.report(.started(1)) }
    }

    /// How this job runs: directly when the template allows, else under the shell.
    func command(for job: Job) -> JobCommand {
        if let logged = job.spec.loggedCommand { return .shell(logged) }
        if host.argumentVectors {
            let name = job.spec.arguments.first ?? []
            guard let path = spawner.resolve(name) else { return .unrunnable(name) }
            return .exec(program: path, arguments: job.spec.arguments)
        }
        guard let template else {
            return .shell(Array(job.spec.arguments.joined(separator: [0x20])))
        }
        if !template.needsShell {
            let argv = template.argv(output.context(job))
            if let name = argv.first, !CommandTemplate.shellWords.contains(name) {
                if let path = spawner.resolve(name) { return .exec(program: path, arguments: argv) }
                if host.typedLaunchErrors { return .unrunnable(name) }
            }
        }
        return .shell(output.shownCommand(job))
    }

    // MARK: - Events

    func readOutput(_ job: Job, stream: Int) {
        let fd = stream == 0 ? job.outputFD : job.errorFD
        guard let got = readAvailable(fd, into: scratch) else { return }
        guard got > 0 else {
            close(fd)
            if stream == 0 { job.outputFD = -1 } else { job.errorFD = -1 }
            reportIfClosed(job)
            return
        }
        if job.discard { return }
        output.received(UnsafeRawBufferPointer(rebasing: scratch[0..<got]), from: job, stream: stream)
    }

    /// Writes what the non-blocking input pipe takes of the job's `--pipe` block.
    func writeInput(_ job: Job) {
        guard let input = job.spec.input else { return }
        var finished = false
        switch input {
        case .bytes(let bytes):
            finished = !bytes.withUnsafeBytes { raw in
                writeSome(job, raw.baseAddress! + job.inputOffset, raw.count - job.inputOffset)
            }
            finished = finished || job.inputOffset >= bytes.count
        case .range(let file, let offset, let length):
            let wanted = min(scratch.count, length - job.inputOffset)
            let position = off_t(offset + job.inputOffset)
            let got = (try? systemCall("pread") { pread(file.fd, scratch.baseAddress, wanted, position) }) ?? 0
            finished = got > 0 ? !writeSome(job, UnsafeRawPointer(scratch.baseAddress!), got) : true
            finished = finished || job.inputOffset >= length
        }
        if finished {
            close(job.inputFD)
            job.inputFD = -1
            reportIfClosed(job)
        }
    }

    /// One write to the job's input pipe; false when the pipe takes no more (the job closed it).
    private func writeSome(_ job: Job, _ bytes: UnsafeRawPointer, _ count: Int) -> Bool {
        do {
            job.inputOffset += try systemCall("write") { write(job.inputFD, bytes, count) }
        } catch where error.errno == EAGAIN {
            // Full: the pipe polls writable again when the job has read.
        } catch {
            return false
        }
        return true
    }

    /// Collects the job's exit status once its pidfd says it has ended; then tells the machine,
    /// and whether the job left processes running in its process group.
    func reap(_ job: Job) {
        guard job.status == nil else { return }
        var waitStatus: Int32 = 0
        let status: TerminationStatus
        do {
            guard try systemCall("waitpid", { waitpid(job.pid, &waitStatus, WNOHANG) }) == job.pid else { return }
            status = TerminationStatus(waitStatus: waitStatus)
        } catch {
            status = .exited(-1)
        }
        job.status = status
        job.endTime = MonotonicClock.nanoseconds()
        if let launch = job.launch {
            job.launch = nil
            if launch.execErrno != 0 {
                writer.message("cannot start \(launch.program.text): \(SystemError.reason(launch.execErrno))")
                job.launchError = RunError(launching: launch.program, errno: launch.execErrno)
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
        // A probe: it fails (ESRCH) once no process is left in the group.
        let groupAlive = kill(-job.pid, 0) == 0
        machine.exited(job.id, status, groupAlive: groupAlive, at: job.endTime)
        reportIfClosed(job)
    }

    /// Something outside the job's process group holds its pipes long after it exited: takes what
    /// is in them and closes them.
    func drain(_ job: Job) {
        for fd in [job.outputFD, job.errorFD] where fd >= 0 {
            while true {
                var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard let ready = try? systemCall("poll", { poll(&descriptor, 1, 0) }), ready > 0,
                    let got = try? systemCall("read", { read(fd, scratch.baseAddress, scratch.count) }), got > 0
                else { break }
                if !job.discard {
                    let stream = fd == job.outputFD ? 0 : 1
                    output.received(UnsafeRawBufferPointer(rebasing: scratch[0..<got]), from: job, stream: stream)
                }
            }
            close(fd)
        }
        job.outputFD = -1
        job.errorFD = -1
        reportIfClosed(job)
    }

    /// Tells the machine once every pipe of the job is closed.
    private func reportIfClosed(_ job: Job) {
        if job.pipesClosed { machine.outputClosed(job.id) }
    }
}
