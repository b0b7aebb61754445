import CParallelKit
import ParallelKitSystem
import Synchronization

/// The worker entry point: Swift's counterpart of Python's `if __name__ == "__main__":`.
///
/// A ``ProcessPool`` starts workers by running the program again (or another program with the
/// same tasks) with a marker in its environment. Call ``serveIfWorker(_:)-(WorkerTask....)`` first thing in
/// `main`: in the parent it registers the tasks it lists and returns at once; in a worker it
/// serves tasks until the parent closes the connection, then exits — the rest of `main` never
/// runs there.
///
/// Nothing needs listing: before a task's first batch, a worker that does not list it finds its
/// type by name (`discover(task:type:)`), as Swift Testing finds `@Test` functions — every
/// task type of the program is in the worker, which runs the same executable. Only `private`
/// and `fileprivate` task types must be listed; a task the worker cannot find is reported in
/// the parent as ``BackendError/Code/taskNotRegistered`` before anything is sent.
///
/// ```swift
/// @main struct Tool {
///     static func main() async throws {
///         WorkerTasks.serveIfWorker()   // workers stop here
///         let pool = try await ProcessPool(workers: .all)
///         …
///     }
/// }
/// ```
public enum WorkerTasks {
    /// Environment variables a worker is started with.
    static let socketVariable = "PARALLELKIT_WORKER_FD"
    static let parentVariable = "PARALLELKIT_PARENT_PID"

    private static let registry = Mutex<[String: RegisteredTask]>([:])

    /// A build identifier for tests to pretend to be another build.
    @_spi(Testing) public static let buildIDOverride = Mutex<String?>(nil)

    /// Registers `tasks`; in a worker process, serves them — and any task type the parent
    /// names — and exits instead of returning.
    ///
    /// List a task to have its types checked at the handshake rather than at its first batch,
    /// or when it is `private` or `fileprivate` (such a type cannot be found by name).
    public static func serveIfWorker(_ tasks: any WorkerTask.Type...) {
        serveIfWorker(tasks)
    }

    /// Registers `tasks`; in a worker process, serves them and exits instead of returning.
    public static func serveIfWorker(_ tasks: [any WorkerTask.Type]) {
        register(tasks)
        guard let marker = getenv(socketVariable), let fd = Int32(String(cString: marker)) else {
            // Started by `mpirun` or `srun`: an MPI rank other than 0 serves here (ParallelKitMPI).
            serveIfLaunched()
            return
        }
        becomeWorker(socket: fd)
    }

    /// Adds `tasks` to this process's registry (the parent needs their signatures too).
    /// ``serveIfWorker(_:)-(any WorkerTask.Type...)`` calls it; a backend in another module that serves tasks
    /// its own way (`@_spi(Backend)`) calls it instead.
    @_spi(Backend) public static func register(_ tasks: [any WorkerTask.Type]) {
        func entry<Task: WorkerTask>(_ task: Task.Type) -> (String, RegisteredTask) { (Task.name, RegisteredTask(task)) }
        let entries = tasks.map { entry($0) }
        registry.withLock { registry in
            for (name, task) in entries {
                if let existing = registry[name] {
                    precondition(
                        existing.signature == task.signature,
                        "WorkerTasks: two tasks are named \(name): \(existing.signature) and \(task.signature)")
                }
                registry[name] = task
            }
        }
    }

    static func registered(_ name: String) -> RegisteredTask? { registry.withLock { $0[name] } }

    /// Each registered task's name and signature (its name, input and output types): what a
    /// worker announces, and what two builds must agree on.
    @_spi(Backend) public static var signatures: [String: String] { registry.withLock { $0.mapValues(\.signature) } }

    /// This executable's GNU build-id in hex ("" when it has none).
    @_spi(Backend) public static let executableBuildID: String = {
        var bytes = [UInt8](repeating: 0, count: 64)
        let length = pk_executable_build_id(&bytes, bytes.count)
        return hex(bytes.prefix(length))
    }()

    /// The GNU build-id of the executable at `path`, in hex: what its workers report at the
    /// handshake, to accept them with `accepting: .build(id)`.
    ///
    /// Read from the file's ELF notes (`NT_GNU_BUILD_ID`); nothing is run.
    ///
    /// ```swift
    /// let worker = "/usr/local/libexec/resize-worker"
    /// let build = try WorkerTasks.buildID(ofExecutable: worker)
    /// let pool = try await ProcessPool(executable: worker, accepting: .build(build))
    /// ```
    ///
    /// - Throws: ``BackendError/Code/buildIDUnreadable`` when the file cannot be read, is not an
    ///   ELF file, or has no build-id note.
    public static func buildID(ofExecutable path: String) throws(BackendError) -> String {
        do {
            return hex(try ELFBuildID.read(path: path)[...])
        } catch {
            throw .buildIDUnreadable(executable: path, reason: "\(error)")
        }
    }

    private static func hex(_ bytes: ArraySlice<UInt8>) -> String {
        let digits = Array("0123456789abcdef")
        return bytes.map { byte in String([digits[Int(byte >> 4)], digits[Int(byte & 15)]]) }.joined()
    }

    static var reportedBuildID: String { buildIDOverride.withLock { $0 } ?? executableBuildID }

    private static func becomeWorker(socket fd: Int32) -> Never {
        // Die with the parent, and don't start if it is already gone.
        _ = pk_set_parent_death_signal(SIGKILL)
        if let parent = getenv(parentVariable), Int32(String(cString: parent)) != getppid() { _exit(3) }
        // Children of this worker are not workers, and do not hold its socket: a task's
        // `system("… &")` or Swift's crash reporter would otherwise keep it open after the
        // worker has gone (the parent watches the worker's pidfd too, for children that fork
        // without exec).
        try? setCloseOnExec(fd)
        unsetenv(socketVariable)
        unsetenv(parentVariable)
        unsetenv(tasksVariable)
        signal(SIGPIPE, SIG_DFL)
        let limit = getenv(WireLimits.workerVariable).flatMap { Int(String(cString: $0)) }
        unsetenv(WireLimits.workerVariable)
        Task.detached {
            await serve(FrameChannel(fd: fd, maxMessageBytes: limit ?? WireLimits.defaultMaxMessageBytes))
            exit(0)
        }
        while true { pause() }
    }

    /// Answers the parent until it hangs up.
    static func serve(_ channel: FrameChannel) async {
        let hello = WorkerHello(
            protocolVersion: WorkerHello.currentProtocolVersion, buildID: reportedBuildID, pid: getpid(),
            tasks: signatures)
        do throws(FrameChannel.Failure) {
            try channel.send(.hello(hello))
            while true {
                switch try channel.receive() {
                case .initialize(let name, let payload):
                    let reply = await runBatch(name, payload, id: 0)
                    if case .result = reply { try channel.send(.ready) } else { try channel.send(reply) }
                case .run(let id, let name, let payload):
                    let reply = await runBatch(name, payload, id: id)
                    do throws(FrameChannel.Failure) {
                        try channel.send(reply)
                    } catch .oversized(let bytes, let limit) {
                        // Refused before anything was written: say so, and serve on.
                        let failure = BatchFailure.tooLarge(bytes: bytes, limit: limit, holding: "result", pid: getpid())
                        try channel.send(.failure(id: id, failure: failure))
                    }
                case .resolve(let name, let type):
                    try channel.send(.resolved(task: name, signature: discover(task: name, type: type) ?? ""))
                case .hello, .ready, .result, .failure, .resolved:
                    _exit(4)  // only a parent that is not ours sends these
                }
            }
        } catch {
            // .closed: the parent is done with us. Anything else: nothing sensible is left to do.
        }
    }

    private static func runBatch(_ name: String, _ payload: [UInt8], id: UInt64) async -> WireMessage {
        switch await runBatch(task: name, payload: payload) {
        case .success(let outputs): return .result(id: id, payload: outputs)
        case .failure(let failure): return .failure(id: id, failure: failure)
        }
    }

    /// The worker entry point without a transport: decodes `payload` (a ``WireCoder``-encoded
    /// array of the task's inputs), runs the registered task `name` on each, and returns the
    /// encoded outputs — or which input failed and how. A backend in another module (MPI ranks,
    /// say) calls it with the batches it received its own way. A payload that starts with
    /// `SharedBatch.tag` is a batch of a shared map (``Sharing``): its elements are in the
    /// caller's segments, and its outputs, when shared, are written there (the result is empty).
    /// The registered task `name`'s batch runner, which ``runBatch(task:payload:)`` calls: a
    /// backend that runs many batches of one task looks it up once, not once a batch. `nil` when
    /// no task of that name is registered (``runBatch(task:payload:)`` then says so).
    @_spi(Backend) public static func batchRunner(task name: String) -> (@Sendable ([UInt8]) async -> Result<[UInt8], BatchFailure>)? {
        registered(name)?.runBatch
    }

    @_spi(Backend) public static func runBatch(task name: String, payload: [UInt8]) async -> Result<[UInt8], BatchFailure> {
        guard let task = registered(name) else {
            let error = RemoteTaskError(
                typeName: "ParallelKit.UnknownTask",
                message: "no task named \(name) is registered in this worker: add it to its "
                    + "`WorkerTasks.serveIfWorker(..., \(name).self)`",
                pid: getpid())
            return .failure(BatchFailure(index: 0, kind: .thrown, error: error))
        }
        return await task.runBatch(payload)
    }
}
