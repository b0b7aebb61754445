/// How a child process ended: it exited with a status, or a signal killed it.
///
/// A non-zero exit is a normal result, not an error: callers decide what it means.
///
/// ```swift
/// if case .signaled(SIGKILL) = status { print("killed, maybe by the OOM killer") }
/// ```
public enum TerminationStatus: Sendable, Hashable, CustomStringConvertible {
    /// It exited with this status (0 to 255).
    case exited(Int32)
    /// A signal killed it (9 is `SIGKILL`, e.g. the OOM killer; 6 is `SIGABRT`; 4 is `SIGILL`,
    /// what a Swift `fatalError` raises on x86-64).
    case signaled(Int32)

    /// Decodes a `waitpid` status.
    public init(waitStatus status: Int32) {
        let signal = status & 0x7f
        self = signal == 0 ? .exited((status >> 8) & 0xff) : .signaled(signal)
    }

    /// Whether it exited with status 0.
    public var isSuccess: Bool { self == .exited(0) }

    /// The status a shell reports for it: the exit status, or 128 + the signal.
    public var shellStatus: Int32 {
        switch self {
        case .exited(let code): return code
        case .signaled(let signal): return 128 + signal
        }
    }

    public var description: String {
        switch self {
        case .exited(let code): return "exited with status \(code)"
        case .signaled(let signal): return "killed by signal \(signal)"
        }
    }
}
