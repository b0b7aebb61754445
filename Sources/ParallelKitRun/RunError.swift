import ParallelKitSystem

/// Why a command run could not do what it was asked: a program that cannot be started, a
/// template or joblog that cannot be used. A job that runs and exits non-zero (or is killed) is
/// not an error: its ``JobResult/status`` says so.
///
/// ```swift
/// do {
///     for try await result in CommandRunner().stream(arguments: [["no-such-program"]]) {
///         print(result.status)
///     }
/// } catch {
///     if error.code == .programNotFound { print("missing:", error.program ?? "") }
/// }
/// ```
public struct RunError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is; more codes may come.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// No executable of that name in `PATH`, or no file at that path.
        public static let programNotFound = Code("programNotFound")
        /// The path names something that is not an executable file (no execute permission, a
        /// directory).
        public static let notExecutable = Code("notExecutable")
        /// The system refused to start the process (out of processes or memory …): ``errno``.
        public static let spawnFailed = Code("spawnFailed")
        /// The configuration or template cannot be used (a bad replacement string, a joblog or
        /// results directory that cannot be written): ``message`` says which.
        public static let invalidConfiguration = Code("invalidConfiguration")
        /// The run was cancelled before it finished (``CommandRunner/map(arguments:)``).
        public static let cancelled = Code("cancelled")

        public var description: String { name }
    }

    public var code: Code
    /// The program the failure is about, as the job named it (``Code/programNotFound``,
    /// ``Code/notExecutable``, ``Code/spawnFailed``).
    public var program: String?
    /// The job's sequence number (1 up), when the failure is one job's.
    public var sequence: Int?
    /// The system's error number, when a call failed.
    public var errno: Int32?
    /// One line saying what went wrong.
    public var message: String

    public var description: String { message }

    init(_ code: Code, program: String? = nil, errno: Int32? = nil, message: String? = nil) {
        self.code = code
        self.program = program
        self.errno = errno
        switch code {
        case .programNotFound: self.message = message ?? "program not found: \(program ?? "")"
        case .notExecutable: self.message = message ?? "not an executable file: \(program ?? "")"
        default: self.message = message ?? "\(code)" + (program.map { ": \($0)" } ?? "")
        }
    }

    /// A failed start of `program` with `errno` (from the spawn, or the child's exec).
    init(launching program: [UInt8], errno: Int32) {
        let name = String(decoding: program, as: UTF8.self)
        switch errno {
        case ENOENT, ENOTDIR: self.init(.programNotFound, program: name, errno: errno)
        case EACCES, ENOEXEC, EISDIR, EPERM: self.init(.notExecutable, program: name, errno: errno)
        default:
            self.init(
                .spawnFailed, program: name, errno: errno,
                message: "cannot start \(name): \(SystemError.reason(errno))")
        }
    }
}
