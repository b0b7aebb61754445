import ParallelKitSystem

/// One worker process seen from the parent: its pid and pidfd (``ChildHandle``), and the
/// parent's end of their socket pair.
///
/// Each worker leads a process group of its own, and whenever it ends — stopped, killed,
/// crashed — the group is killed before the worker is reaped: whatever its tasks started (a
/// `system("… &")`, Swift's crash reporter `swift-backtrace`) ends with it, and never holds the
/// socket, the program's standard output or a pipeline open after the pool.
final class WorkerConnection: PooledWorker, @unchecked Sendable {
    // @unchecked: a connection is used by one thread at a time — the pool's driver lends it out
    // under its lock and takes it back the same way; only `child` is read by others (`sendKill`).
    let child: ChildHandle
    var pid: pid_t { child.pid }
    let channel: FrameChannel
    /// The tasks the worker said it serves, name → signature.
    private(set) var tasks: [String: String] = [:]
    private var reaped: TerminationStatus?
    private var nextID: UInt64 = 1
    /// How long a worker may take to answer `resolve`: its handshake's time.
    private var resolveTimeout: Duration = .seconds(30)

    private init(child: ChildHandle, fd: Int32, maxMessageBytes: Int) {
        self.child = child
        self.channel = FrameChannel(fd: fd, maxMessageBytes: maxMessageBytes, peerPIDFD: child.pidfd)
    }

    deinit {
        _ = stop(grace: .milliseconds(200))
        close(channel.fd)
        child.closeDescriptor()
    }

    /// What the parent needs to start and check a worker.
    struct Launch: Sendable {
        var executable: String
        var arguments: [String] = []
        /// The builds the worker may be (checked by ``WorkerHandshake``).
        var accepting: AcceptedBuild = .sameBuild
        /// The limit on one message either way; the worker is told it.
        var maxMessageBytes = WireLimits.defaultMaxMessageBytes
        /// The initializer's task name and encoded one-element input batch.
        var initializer: WorkerInitializer?
        var handshakeTimeout: Duration = .seconds(30)
    }

    /// Starts a worker, checks its handshake and runs the initializer.
    ///
    /// - Parameter spawner: the thread to start the process on, when it is not the calling
    ///   thread: a worker is told to die when the thread that started it ends.
    static func start(_ launch: Launch, spawner: ThreadPool? = nil) throws(BackendError) -> WorkerConnection {
        let connection: WorkerConnection
        if let spawner {
            do {
                connection = try spawner.submit { () throws(BackendError) in try spawn(launch) }.wait()
            } catch {
                throw (error as? FutureError<BackendError>)?.processPoolError ?? .closed
            }
        } else {
            connection = try spawn(launch)
        }
        let first: WireMessage
        do throws(FrameChannel.Failure) {
            first = try connection.channel.receive(timeout: launch.handshakeTimeout)
        } catch {
            throw connection.failure(error, during: "the handshake", launch: launch)
        }
        guard case .hello(let hello) = first else {
            connection.stop(grace: .milliseconds(200))
            throw .handshakeRefused("the worker did not start with a hello")
        }
        if let refusal = WorkerHandshake.refusal(
            of: hello, accepting: launch.accepting, ownBuildID: WorkerTasks.executableBuildID,
            runsThisExecutable: launch.executable == "/proc/self/exe", tasks: WorkerTasks.signatures)
        {
            connection.stop(grace: .milliseconds(200))
            throw .handshakeRefused(refusal)
        }
        // Whether it serves a batch's task is checked per batch too (`serves`): a pool may run
        // tasks registered after start-up.
        connection.tasks = hello.tasks
        connection.resolveTimeout = launch.handshakeTimeout
        if let initializer = launch.initializer {
            let answer: WireMessage
            do throws(FrameChannel.Failure) {
                if connection.tasks[initializer.task] == nil {
                    try connection.channel.send(.resolve(task: initializer.task, type: initializer.discoverableType))
                    _ = try connection.channel.receive(timeout: launch.handshakeTimeout)
                }
                try connection.channel.send(.initialize(task: initializer.task, payload: initializer.payload))
                answer = try connection.channel.receive(timeout: launch.handshakeTimeout)
            } catch {
                throw connection.failure(error, during: "the initializer", launch: launch)
            }
            switch answer {
            case .ready: break
            case .failure(_, let failure):
                connection.stop(grace: .milliseconds(200))
                throw .initializerFailed(failure.error)
            default:
                connection.stop(grace: .milliseconds(200))
                throw .handshakeRefused("unexpected answer to initialize")
            }
        }
        return connection
    }

    /// Whether the worker serves `job`'s task with the same input and output types. A task it
    /// did not list in its hello is looked for there by its type, once (one round trip).
    func serves(_ job: BatchJob) throws(RunFailure) -> Bool {
        if tasks[job.task] == nil, let type = job.taskType {
            try resolve(job.task, type: type)
        }
        return tasks[job.task] == job.signature
    }

    /// Asks the worker to find task `name` by `type`, and notes the signature it answers.
    private func resolve(_ name: String, type: any WorkerTask.Type) throws(RunFailure) {
        let answer: WireMessage
        do throws(FrameChannel.Failure) {
            try channel.send(.resolve(task: name, type: WorkerTasks.discoverableName(of: type)))
            answer = try channel.receive(timeout: resolveTimeout)
        } catch {
            throw .worker(error)
        }
        guard case .resolved(name, let signature) = answer else {
            throw .worker(.undecodable("an answer other than resolved to resolve"))
        }
        if !signature.isEmpty { tasks[name] = signature }
    }

    /// The signature under which the worker registered task `name`, or `nil` when it does not.
    func signature(of name: String) -> String? { tasks[name] }

    /// Why one batch failed.
    typealias RunFailure = BatchRunFailure

    /// Sends one batch and waits for its answer.
    func run(task: String, payload: [UInt8], timeout: Duration?) throws(RunFailure) -> [UInt8] {
        let id = try send(task: task, payload: payload)
        return try answer(to: id, timeout: timeout)
    }

    /// Sends one batch; returns the request's ID for ``answer(to:timeout:)``.
    func send(task: String, payload: [UInt8]) throws(RunFailure) -> UInt64 {
        let id = nextID
        nextID += 1
        do throws(FrameChannel.Failure) {
            try channel.send(.run(id: id, task: task, payload: payload))
        } catch .oversized(let bytes, let limit) {
            // Nothing was sent: only the batch fails, the worker goes on.
            throw .batch(.tooLarge(bytes: bytes, limit: limit, holding: "inputs", pid: pid))
        } catch {
            throw .worker(error)
        }
        return id
    }

    /// Waits for the answer to request `id`.
    func answer(to id: UInt64, timeout: Duration?) throws(RunFailure) -> [UInt8] {
        let message: WireMessage
        do throws(FrameChannel.Failure) {
            message = try channel.receive(timeout: timeout)
        } catch {
            throw .worker(error)
        }
        return try Self.outputs(of: message, id: id)
    }

    /// The answer to request `id` if it arrives within `spinningMicroseconds`, else `nil`.
    func answerIfReady(to id: UInt64, spinningMicroseconds: Double) throws(RunFailure) -> [UInt8]? {
        let message: WireMessage?
        do throws(FrameChannel.Failure) {
            message = try channel.receiveIfReady(spinningMicroseconds: spinningMicroseconds)
        } catch {
            throw .worker(error)
        }
        return try message.map { (message) throws(RunFailure) in try Self.outputs(of: message, id: id) }
    }

    private static func outputs(of message: WireMessage, id: UInt64) throws(RunFailure) -> [UInt8] {
        switch message {
        case .result(id, let outputs): return outputs
        case .failure(id, let failure): throw .batch(failure)
        default: throw .worker(.undecodable("an answer for another request"))
        }
    }

    /// Ends the worker: hang up, wait up to `grace` for it to exit, then `SIGKILL`; then its
    /// process group. Returns how it ended.
    @discardableResult
    func stop(grace: Duration) -> TerminationStatus {
        if let reaped { return reaped }
        _ = shutdown(channel.fd, Int32(SHUT_RDWR))
        // Waited for without reaping, so that its pid — and its group — stay reserved for the
        // signals (see ``reap(blocking:)``).
        _ = Teardown.afterHangUp(grace: grace).run(on: .process(pid)) { child.hasEnded(blocking: false) }
        return reap(blocking: true) ?? .signaled(SIGKILL)
    }

    /// Kills the worker at once, then its process group, and reaps it.
    @discardableResult
    func killNow() -> TerminationStatus {
        if let reaped { return reaped }
        child.signal(SIGKILL)
        return reap(blocking: true) ?? .signaled(SIGKILL)
    }

    /// `SIGKILL` without reaping, from any thread (``ProcessPool/terminate()``): through the
    /// pidfd, so a pid the kernel has given to another process since is never signalled. The
    /// holder reaps it (and kills its group).
    func sendKill() { child.signal(SIGKILL) }

    func isRunning() -> Bool { reap(blocking: false) == nil }

    @discardableResult
    func reap() -> TerminationStatus { reap(blocking: true) ?? .signaled(SIGKILL) }

    /// How the worker ended, once it has; then its process group is killed — while the worker is
    /// a zombie its pid, and so the group's ID, cannot be reused — and the worker reaped, so it
    /// leaves neither a zombie nor a process of its own behind.
    func reap(blocking: Bool) -> TerminationStatus? {
        if let reaped { return reaped }
        guard child.hasEnded(blocking: blocking) else { return nil }
        child.killGroup()
        reaped = child.reap(blocking: true)
        return reaped
    }

    /// A channel failure during start-up, with the worker stopped.
    private func failure(_ error: FrameChannel.Failure, during stage: String, launch: Launch) -> BackendError {
        let exit = stop(grace: .milliseconds(200))
        // A worker that ran its program's `main` ends without a hello: stopped by
        // `WorkerTasks.refuseUnlessServing` (its status), or at the end of `main` (0).
        if stage == "the handshake", exit == .exited(WorkerTasks.notServingStatus) || exit == .exited(0) {
            return .workerNotServing(
                pid: pid, executable: launch.executable, exit: exit, tasks: Array(WorkerTasks.signatures.keys))
        }
        return .handshakeRefused("worker \(pid) \(exit) during \(stage) (\(error))")
    }

    /// Why a worker `pid` that registered `job`'s task as `registered` (`nil`: not at all) does
    /// not serve it.
    static func refusal(of job: BatchJob, pid: Int32, registered: String?) -> BackendError {
        guard let registered else { return .taskNotRegistered(task: job.task, signature: job.signature, pid: pid) }
        return .handshakeRefused("worker \(pid) registers \(registered), this program \(job.signature)")
    }

    /// The descriptor number a worker finds its socket under.
    static let workerDescriptor: Int32 = 3

    private static func spawn(_ launch: Launch) throws(BackendError) -> WorkerConnection {
        WorkerTasks.refuseUnlessServing(starting: launch.executable)
        var pair: [Int32] = [-1, -1]
        do {
            _ = try systemCall("socketpair") {
                socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair)
            }
        } catch {
            throw .spawnFailed(executable: launch.executable, errno: error.errno)
        }
        let (parentEnd, childEnd) = (pair[0], pair[1])
        defer { close(childEnd) }
        var configuration = SpawnConfiguration(executable: launch.executable, arguments: [launch.executable] + launch.arguments)
        configuration.environment = .entries(workerEnvironment(maxMessageBytes: launch.maxMessageBytes))
        configuration.standardInput = .devNull
        configuration.passedDescriptors = [.init(parent: childEnd, child: workerDescriptor)]
        // Nothing else of ours: a descriptor opened without close-on-exec (another library's
        // pipe, a child's exit-watch socket) would otherwise stay open in the worker for its
        // whole life, and whoever waits for that descriptor's other end to close would hang.
        configuration.closeOtherDescriptors = true
        // A group of its own, ended with it (``reap(blocking:)``): what its tasks start does not
        // outlive it. Signals sent to the parent's group (a terminal's Ctrl-C) reach the parent
        // only, which decides; if it dies, its workers die with it (`PR_SET_PDEATHSIG`).
        configuration.processGroup = .new
        configuration.wantsPIDFD = true
        // Ignored signals the parent inherited (a program started with `&` or under `nohup`
        // ignores SIGINT, SIGHUP) stay ignored in workers, as in the runner's jobs. SIGPIPE and
        // SIGCHLD are the ones a runtime or library may ignore on its own behalf.
        configuration.signalsToDefault = SignalSet([SIGPIPE, SIGCHLD])
        do {
            return WorkerConnection(
                child: try ProcessSpawner.spawn(configuration).child, fd: parentEnd, maxMessageBytes: launch.maxMessageBytes)
        } catch {
            close(parentEnd)
            throw .spawnFailed(executable: launch.executable, errno: error.errno)
        }
    }

    /// This process's environment without a parent's worker markers, plus this worker's.
    private static func workerEnvironment(maxMessageBytes: Int) -> [[UInt8]] {
        let markers = [
            WorkerTasks.socketVariable, WorkerTasks.parentVariable, WireLimits.workerVariable, WorkerTasks.tasksVariable,
        ].map {
            Array("\($0)=".utf8)
        }
        var environment: [[UInt8]] = []
        var entry = environ
        while let pointer = entry.pointee {
            let bytes = Array(UnsafeRawBufferPointer(start: pointer, count: strlen(pointer)))
            if !markers.contains(where: { bytes.starts(with: $0) }) { environment.append(bytes) }
            entry += 1
        }
        environment.append(Array("\(WorkerTasks.socketVariable)=\(workerDescriptor)".utf8))
        environment.append(Array("\(WorkerTasks.parentVariable)=\(getpid())".utf8))
        environment.append(Array("\(WireLimits.workerVariable)=\(maxMessageBytes)".utf8))
        environment.append(Array("\(WorkerTasks.tasksVariable)=\(WorkerTasks.registeredNames)".utf8))
        return environment
    }
}
