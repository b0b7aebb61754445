import CParallelKit
import ParallelKitSystem

/// The other side of ``RemoteJobs``: runs the ``RemoteJob``s a process is handed, each in a
/// process group of its own with its output kept whole, and answers each with a
/// ``RemoteJobResult`` once it has exited and its pipes are closed (or, when something outside
/// its group holds them, 5 s after its exit, as the runner here waits). Nothing here decides
/// anything: timeouts, retries and `--halt` stay with the scheduler that sent the job, which
/// signals a group through ``signal(_:_:)``.
///
/// - Note: Not thread-safe: one thread calls everything (a `parallelkit run --mpi` rank's loop).
package final class RemoteJobExecutor {
    private final class Running {
        let job: RemoteJob
        var pid: pid_t = 0
        var pidfd: Int32 = -1
        var launch: JobLaunch?
        var outputFD: Int32 = -1
        var errorFD: Int32 = -1
        var inputFD: Int32 = -1
        var inputOffset = 0
        var output: Bytes = []
        var error: Bytes = []
        var startWall = 0.0
        var startTime: UInt64 = 0
        var exitTime: UInt64?
        var status: TerminationStatus?
        var groupAlive = false
        var message: String?

        init(_ job: RemoteJob) { self.job = job }
        var pipesClosed: Bool { outputFD < 0 && errorFD < 0 && inputFD < 0 }
    }

    private let spawner: JobSpawner
    private var running: [Running] = []
    /// Process groups of answered jobs that had processes left, by handle: they may still be signalled.
    private var leftovers: [Int32: pid_t] = [:]
    private let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
    private var descriptors: [pollfd] = []
    private var owners: [(index: Int, stream: Int)] = []
    /// How long after its exit a job's pipes may stay open before they are drained and closed.
    static let drainGraceNanoseconds: UInt64 = 5_000_000_000

    /// `environment`: entries added to every job's (`PARALLELKIT_RANK`, …).
    package init(environment: [String: String]) {
        spawner = JobSpawner(extraEnvironment: environment)
    }

    deinit { scratch.deallocate() }

    /// Jobs started and not yet answered.
    package var count: Int { running.count }

    /// Starts `job`; a job that cannot start is answered by the next ``collect(waitingMilliseconds:)``
    /// with status 127 and the reason.
    package func start(_ job: RemoteJob) {
        let entry = Running(job)
        running.append(entry)
        entry.startWall = MonotonicClock.wallSeconds()
        entry.startTime = MonotonicClock.nanoseconds()
        var outputPipe: [Int32] = [-1, -1]
        var errorPipe: [Int32] = [-1, -1]
        var inputPipe: [Int32] = [-1, -1]
        do throws(SystemError) {
            _ = try systemCall("pipe2") { pk_pipe_cloexec(&outputPipe, 0) }
            _ = try systemCall("pipe2") { pk_pipe_cloexec(&errorPipe, 0) }
            if job.input != nil {
                _ = try systemCall("pipe2") { pk_pipe_cloexec(&inputPipe, 0) }
                let flags = try systemCall("fcntl") { fcntl(inputPipe[1], F_GETFL) }
                _ = try systemCall("fcntl") { fcntl(inputPipe[1], F_SETFL, flags | O_NONBLOCK) }
            }
            var program = spawner.shell
            var arguments = [spawner.shell, Array("-c".utf8), job.shellText]
            var direct = false
            if let name = job.words.first, !CommandTemplate.shellWords.contains(name),
                let path = spawner.resolve(name)
            {
                (program, arguments, direct) = (path, job.words, true)
            }
            do throws(JobSpawner.Failure) {
                let child = try spawner.spawn(
                    program: program, arguments: arguments, environment: job.environment,
                    input: inputPipe[0] >= 0 ? inputPipe[0] : nil, output: outputPipe[1], error: errorPipe[1],
                    shellFallback: direct)
                (entry.pid, entry.pidfd, entry.launch) = (child.pid, child.pidfd, child.launch)
                (entry.outputFD, entry.errorFD, entry.inputFD) = (outputPipe[0], errorPipe[0], inputPipe[1])
                for fd in [outputPipe[1], errorPipe[1], inputPipe[0]] where fd >= 0 { close(fd) }
                return
            } catch {
                entry.message = "cannot start \(error.program.text): \(SystemError.reason(error.errno))"
            }
        } catch {
            entry.message = "cannot create a pipe for job \(job.handle): \(error.reason)"
        }
        for fd in outputPipe + errorPipe + inputPipe where fd >= 0 { close(fd) }
        entry.status = .exited(127)
        entry.exitTime = entry.startTime
    }

    /// Signals the process group of the job (running or answered with processes left) `handle`
    /// names; `false` when there is no such group (any more).
    package func signal(_ handle: Int32, _ signal: Int32) -> Bool {
        let pid = running.first { $0.job.handle == handle }?.pid ?? leftovers[handle] ?? 0
        guard pid > 0, kill(-pid, signal) == 0 else {
            leftovers[handle] = nil
            return false
        }
        return true
    }

    /// Sends `signal` to the group of every job, running or answered with processes left (the
    /// process that runs them is being stopped).
    package func signalAll(_ signal: Int32) {
        for pid in running.map(\.pid) + leftovers.values where pid > 0 { _ = kill(-pid, signal) }
    }

    /// Waits up to `timeoutMilliseconds` (0: not at all; -1: until something happens, but never
    /// when no job runs) for the jobs' pipes and exits, takes what came, and returns the jobs that
    /// are over.
    package func collect(waitingMilliseconds timeoutMilliseconds: Int32) -> [RemoteJobResult] {
        descriptors.removeAll(keepingCapacity: true)
        owners.removeAll(keepingCapacity: true)
        var timeout = timeoutMilliseconds
        for (index, entry) in running.enumerated() {
            if entry.status != nil {
                // Over (answer now), or waiting out the grace for pipes something else holds.
                let waited = MonotonicClock.nanoseconds() &- (entry.exitTime ?? 0)
                let grace = Self.drainGraceNanoseconds
                let left = waited >= grace ? 0 : Int32((grace - waited) / 1_000_000 + 1)
                if entry.pipesClosed || left == 0 {
                    timeout = 0
                } else if timeout < 0 || left < timeout {
                    timeout = left
                }
            } else if entry.pidfd < 0 {
                timeout = timeout < 0 ? 5 : min(timeout, 5)  // no pidfd from the kernel: reaped by polling
            }
            for (stream, fd) in [entry.outputFD, entry.errorFD, entry.inputFD].enumerated() where fd >= 0 {
                descriptors.append(pollfd(fd: fd, events: Int16(stream == 2 ? POLLOUT : POLLIN), revents: 0))
                owners.append((index, stream))
            }
            if entry.status == nil, entry.pidfd >= 0 {
                descriptors.append(pollfd(fd: entry.pidfd, events: Int16(POLLIN), revents: 0))
                owners.append((index, 3))
            }
        }
        if !descriptors.isEmpty {
            let count = nfds_t(descriptors.count)
            let ready = (try? systemCall("poll") { poll(&descriptors, count, timeout) }) ?? 0
            if ready > 0 {
                for position in descriptors.indices where descriptors[position].revents != 0 {
                    let (index, stream) = owners[position]
                    switch stream {
                    case 0, 1: readOutput(running[index], stream: stream)
                    case 2: writeInput(running[index])
                    default: reap(running[index])
                    }
                }
            }
        }
        let now = MonotonicClock.nanoseconds()
        var results: [RemoteJobResult] = []
        running.removeAll { entry in
            if entry.status == nil, entry.pidfd < 0 { reap(entry) }
            guard entry.status != nil, let exitTime = entry.exitTime else { return false }
            if !entry.pipesClosed {
                guard now &- exitTime >= Self.drainGraceNanoseconds else { return false }
                drain(entry)
            }
            results.append(answer(entry))
            return true
        }
        return results
    }

    private func answer(_ entry: Running) -> RemoteJobResult {
        let status = entry.status ?? .exited(-1)
        if entry.groupAlive { leftovers[entry.job.handle] = entry.pid }
        return RemoteJobResult(
            handle: entry.job.handle, exitCode: status.exitCode, signal: status.signalNumber,
            groupAlive: entry.groupAlive, startWall: entry.startWall,
            runtimeNanoseconds: (entry.exitTime ?? entry.startTime) &- entry.startTime, output: entry.output,
            error: entry.error, message: entry.message)
    }

    private func readOutput(_ entry: Running, stream: Int) {
        let fd = stream == 0 ? entry.outputFD : entry.errorFD
        guard let got = readAvailable(fd, into: scratch) else { return }
        guard got > 0 else {
            close(fd)
            if stream == 0 { entry.outputFD = -1 } else { entry.errorFD = -1 }
            return
        }
        let bytes = UnsafeRawBufferPointer(rebasing: scratch[0..<got])
        if stream == 0 { entry.output.append(contentsOf: bytes) } else { entry.error.append(contentsOf: bytes) }
    }

    private func writeInput(_ entry: Running) {
        guard let input = entry.job.input else { return }
        var finished = entry.inputOffset >= input.count
        if !finished {
            let (fd, offset) = (entry.inputFD, entry.inputOffset)
            let wrote = input.withUnsafeBytes { raw -> Result<Int, SystemError> in
                Result { () throws(SystemError) in
                    try systemCall("write") { write(fd, raw.baseAddress! + offset, raw.count - offset) }
                }
            }
            switch wrote {
            case .success(let count):
                entry.inputOffset += count
                finished = entry.inputOffset >= input.count
            case .failure(let error):
                finished = error.errno != EAGAIN  // else full: writable again once the job has read
            }
        }
        if finished {
            close(entry.inputFD)
            entry.inputFD = -1
        }
    }

    private func reap(_ entry: Running) {
        guard entry.status == nil, entry.pid > 0 else { return }
        var waitStatus: Int32 = 0
        let pid = entry.pid
        guard let reaped = try? systemCall("waitpid", { waitpid(pid, &waitStatus, WNOHANG) }), reaped == pid
        else { return }
        entry.status = TerminationStatus(waitStatus: waitStatus)
        entry.exitTime = MonotonicClock.nanoseconds()
        if let launch = entry.launch, launch.execErrno != 0 {
            entry.message = "cannot start \(launch.program.text): \(SystemError.reason(launch.execErrno))"
        }
        entry.launch = nil
        for fd in [entry.pidfd, entry.inputFD] where fd >= 0 { close(fd) }
        entry.pidfd = -1
        entry.inputFD = -1
        entry.groupAlive = kill(-pid, 0) == 0  // a probe: ESRCH once the group is empty
    }

    /// Takes what the pipes hold now and closes them.
    private func drain(_ entry: Running) {
        for stream in 0..<2 {
            while (stream == 0 ? entry.outputFD : entry.errorFD) >= 0 {
                let fd = stream == 0 ? entry.outputFD : entry.errorFD
                var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard let ready = try? systemCall("poll", { poll(&descriptor, 1, 0) }), ready > 0 else {
                    close(descriptor.fd)
                    if stream == 0 { entry.outputFD = -1 } else { entry.errorFD = -1 }
                    break
                }
                readOutput(entry, stream: stream)
            }
        }
    }
}
