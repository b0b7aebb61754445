/// Why a call on a backend failed: one error type for every backend, with a ``Code`` that can
/// grow without breaking callers, and the task, worker and exit status it concerns.
///
/// ```swift
/// do {
///     _ = try await pool.map(Parse.self, files)
/// } catch where error.code == .workerCrashed {
///     print("worker \(error.pid!) \(error.status!) on file \(error.taskIndex!)")
/// } catch where error.code == .taskFailed {
///     print("file \(error.taskIndex!) is bad: \(error.taskError!.message)")
/// }
/// ```
///
/// Compare with a code (`error.code == .timedOut`), or with a value for the codes that carry
/// nothing else (`error == .closed`, `catch BackendError.cancelled`).
public struct BackendError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong. New codes may be added: match the ones you handle, not all of them.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// A task threw; ``BackendError/taskError`` says what.
        public static let taskFailed = Code("taskFailed")
        /// The worker process running the tasks died; the pool replaced it.
        public static let workerCrashed = Code("workerCrashed")
        /// The tasks ran longer than their timeout; their worker was killed and replaced.
        public static let timedOut = Code("timedOut")
        /// An input or output could not be encoded or decoded, on either side.
        public static let undecodable = Code("undecodable")
        /// The pool's initializer threw in a worker.
        public static let initializerFailed = Code("initializerFailed")
        /// A worker did not pass the handshake: another protocol, another build, or a missing task.
        public static let handshakeRefused = Code("handshakeRefused")
        /// A worker process could not be started; ``BackendError/systemError`` says why.
        public static let spawnFailed = Code("spawnFailed")
        /// A batch's inputs or results make a message over the limit (`maxMessageBytes:`):
        /// ``BackendError/messageBytes`` and ``BackendError/maxMessageBytes`` say by how much.
        /// Never retried: it would only fail again.
        public static let messageTooLarge = Code("messageTooLarge")
        /// An executable's build ID could not be read (``WorkerTasks/buildID(ofExecutable:)``).
        public static let buildIDUnreadable = Code("buildIDUnreadable")
        /// A worker ran its program's `main` instead of serving: the program does not call
        /// `WorkerTasks.serveIfWorker(...)` first thing (it would otherwise start copies of itself
        /// without end). ``BackendError/detail`` says what to add.
        public static let workerNotServing = Code("workerNotServing")
        /// A worker does not register the task of a batch; ``BackendError/detail`` names it.
        public static let taskNotRegistered = Code("taskNotRegistered")
        /// ``WorkerExecutable/product(_:)`` found no such executable beside this program or test
        /// bundle; ``BackendError/detail`` says what to add to `Package.swift`.
        public static let executableNotFound = Code("executableNotFound")
        /// The backend was closed or terminated before this work ran.
        public static let closed = Code("closed")
        /// The calling task was cancelled before this work ran.
        public static let cancelled = Code("cancelled")
        /// The backend cannot do what was asked (run a closure in another process, stop a
        /// running closure at a timeout); ``BackendError/detail`` says what to do instead.
        public static let unsupported = Code("unsupported")
        /// Options that contradict each other (`require: .sharedMemory` with processes);
        /// ``BackendError/detail`` names them.
        public static let conflictingOptions = Code("conflictingOptions")
        /// No backend of that name is linked into this program; ``BackendError/detail`` says
        /// which product to add and which call registers it.
        public static let backendNotLinked = Code("backendNotLinked")

        public var description: String { name }
    }

    public var code: Code
    /// The indices, in the call's input, of the tasks concerned (one for ``Code/taskFailed``).
    public var tasks: Range<Int>?
    /// The worker process concerned.
    public var pid: Int32?
    /// How the worker process ended, for ``Code/workerCrashed``.
    public var status: TerminationStatus?
    /// The error a task threw (or the decoding error), as it arrived from the worker.
    public var taskError: RemoteTaskError?
    /// The limit that was exceeded, for ``Code/timedOut``.
    public var timeout: Duration?
    /// The failed system call, for ``Code/spawnFailed``.
    public var systemError: SystemError?
    /// The executable, for ``Code/spawnFailed``; what was refused, for ``Code/handshakeRefused``
    /// and ``Code/undecodable``; `"result"` or `"inputs"` for ``Code/messageTooLarge``.
    public var detail: String?
    /// The size of the message that was too large, in bytes, for ``Code/messageTooLarge``.
    public var messageBytes: Int?
    /// The limit it exceeded, in bytes, for ``Code/messageTooLarge``.
    public var maxMessageBytes: Int?

    public init(
        _ code: Code, tasks: Range<Int>? = nil, pid: Int32? = nil, status: TerminationStatus? = nil,
        taskError: RemoteTaskError? = nil, timeout: Duration? = nil, systemError: SystemError? = nil,
        detail: String? = nil
    ) {
        self.code = code
        self.tasks = tasks
        self.pid = pid
        self.status = status
        self.taskError = taskError
        self.timeout = timeout
        self.systemError = systemError
        self.detail = detail
    }

    /// The index of the first task concerned.
    public var taskIndex: Int? { tasks?.lowerBound }

    public var description: String {
        let tasks = self.tasks.map(Self.describe) ?? "?"
        switch code {
        case .workerCrashed:
            return "worker \(pid ?? 0) \(status.map(String.init(describing:)) ?? "ended") while running task \(tasks)"
        case .timedOut:
            return "task \(tasks) ran longer than \(timeout ?? .zero); worker \(pid ?? 0) was killed"
        case .taskFailed: return "task \(tasks) threw \(taskError.map(String.init(describing:)) ?? "an error")"
        case .undecodable: return "task \(tasks): undecodable message: \(detail ?? "")"
        case .initializerFailed:
            return "the pool's initializer threw \(taskError.map(String.init(describing:)) ?? "an error")"
        case .handshakeRefused: return "worker refused: \(detail ?? "")"
        case .spawnFailed:
            return "could not start \(detail ?? "the worker"): errno \(systemError?.errno ?? 0)"
        case .messageTooLarge:
            return "the \(detail ?? "message") of task \(tasks) is \(messageBytes ?? 0) bytes, over the limit of "
                + "\(maxMessageBytes ?? 0) bytes (maxMessageBytes:)" + (pid.map { " in worker \($0)" } ?? "")
        case .buildIDUnreadable: return "no build ID: \(detail ?? "")"
        case .workerNotServing, .taskNotRegistered, .executableNotFound, .unsupported, .conflictingOptions,
            .backendNotLinked:
            return detail ?? "\(code)"
        case .closed: return "the process pool was closed"
        case .cancelled: return "cancelled"
        default: return "\(code) \(detail ?? "")"
        }
    }

    private static func describe(_ tasks: Range<Int>) -> String {
        tasks.count == 1 ? "\(tasks.lowerBound)" : "\(tasks.lowerBound)..<\(tasks.upperBound)"
    }
}

extension BackendError {
    /// The worker running `tasks` died.
    public static func workerCrashed(pid: Int32, exit: TerminationStatus, tasks: Range<Int>) -> BackendError {
        BackendError(.workerCrashed, tasks: tasks, pid: pid, status: exit)
    }

    /// `tasks` ran longer than `timeout`; worker `pid` was killed.
    public static func timedOut(pid: Int32, tasks: Range<Int>, timeout: Duration) -> BackendError {
        BackendError(.timedOut, tasks: tasks, pid: pid, timeout: timeout)
    }

    /// The task at `task` threw `error`.
    public static func taskFailed(_ error: RemoteTaskError, task: Int) -> BackendError {
        BackendError(.taskFailed, tasks: task..<(task + 1), pid: error.pid, taskError: error)
    }

    /// A message for `tasks` could not be encoded or decoded.
    public static func undecodable(tasks: Range<Int>, detail: String) -> BackendError {
        BackendError(.undecodable, tasks: tasks, detail: detail)
    }

    /// The initializer threw `error`.
    public static func initializerFailed(_ error: RemoteTaskError) -> BackendError {
        BackendError(.initializerFailed, pid: error.pid, taskError: error)
    }

    /// A worker was refused at the handshake, for `reason`.
    public static func handshakeRefused(_ reason: String) -> BackendError {
        BackendError(.handshakeRefused, detail: reason)
    }

    /// `executable` could not be started.
    public static func spawnFailed(executable: String, errno: Int32) -> BackendError {
        BackendError(.spawnFailed, systemError: SystemError(call: "posix_spawn", errno: errno), detail: executable)
    }

    /// The `what` (`"result"` or `"inputs"`) of `tasks` makes a message of `bytes`, over `limit`.
    public static func messageTooLarge(
        bytes: Int, limit: Int, tasks: Range<Int>?, pid: Int32?, what: String = "result"
    ) -> BackendError {
        var error = BackendError(.messageTooLarge, tasks: tasks, pid: pid, detail: what)
        error.messageBytes = bytes
        error.maxMessageBytes = limit
        return error
    }

    /// The build ID of `executable` could not be read, for `reason`.
    public static func buildIDUnreadable(executable: String, reason: String) -> BackendError {
        BackendError(.buildIDUnreadable, detail: "\(executable): \(reason)")
    }

    /// Worker `pid` (running `executable`) ran `main` instead of serving — it ended as `exit`
    /// without a hello. `tasks` are this program's registered task names, for the advice.
    public static func workerNotServing(
        pid: Int32, executable: String, exit: TerminationStatus, tasks: [String]
    ) -> BackendError {
        let listed = tasks.isEmpty ? "" : tasks.sorted().map { "\($0).self" }.joined(separator: ", ")
        let detail =
            "worker \(pid) (\(executable)) \(exit) without serving: its main does not call "
            + "WorkerTasks.serveIfWorker before it starts a ProcessPool or WorkerProcess (or ends). "
            + "Add `WorkerTasks.serveIfWorker(\(listed))` as the first line of its main"
        return BackendError(.workerNotServing, pid: pid, status: exit, detail: detail)
    }

    /// Worker `pid` neither registers `task` (`signature`: its name, input and output types)
    /// nor finds it by its type.
    public static func taskNotRegistered(task: String, signature: String, pid: Int32) -> BackendError {
        let detail =
            "worker \(pid) does not serve task \(task) (\(signature)) and has no such type: list it in the "
            + "worker's `WorkerTasks.serveIfWorker(..., \(task).self)` (a private or fileprivate task type "
            + "must be listed), or start workers from an executable that links the task's module"
        return BackendError(.taskNotRegistered, pid: pid, detail: detail)
    }

    /// No executable `product` is beside `running` (this program, or the test bundle `swift test`
    /// runs): what to add to `Package.swift` so that it is built there.
    public static func executableNotFound(product: String, beside running: String) -> BackendError {
        let declare =
            "declare it, `.executableTarget(name: \"\(product)\", dependencies: [ParallelKit])`, whose main "
            + "calls `WorkerTasks.serveIfWorker(...)` first"
        let detail: String
        if running.hasSuffix(".xctest") {
            detail =
                "no executable \(product) beside the test bundle \(running). In Package.swift, \(declare), and add "
                + "\"\(product)\" to the `dependencies:` of the `.testTarget` that starts it: "
                + "`swift test` then builds it there"
        } else {
            detail =
                "no executable \(product) beside \(running). In Package.swift, \(declare), and build it with the "
                + "program: `swift build` builds every executable product, `swift build --product \(product)` this one"
        }
        return BackendError(.executableNotFound, detail: detail)
    }

    /// The backend cannot do `what`; `instead` says what to do.
    public static func unsupported(_ what: String, instead: String) -> BackendError {
        BackendError(.unsupported, detail: "\(what): \(instead)")
    }

    /// `options` contradict each other, for `reason`.
    public static func conflictingOptions(_ options: String, _ reason: String) -> BackendError {
        BackendError(.conflictingOptions, detail: "\(options) contradict each other: \(reason)")
    }

    /// The backend was closed before this work ran.
    public static let closed = BackendError(Code.closed)

    /// The calling task was cancelled before this work ran.
    public static let cancelled = BackendError(Code.cancelled)
}
