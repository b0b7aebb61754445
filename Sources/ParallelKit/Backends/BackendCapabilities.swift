/// What a ``ParallelBackend`` can do, in joblib's manner: code that needs a capability checks
/// the flag instead of the backend's type.
///
/// ```swift
/// if backend.capabilities.contains(.isolatesCrashes) { try await riskyMap(on: backend) }
/// ```
public struct BackendCapabilities: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// Runs closures (``ClosureBackend``), not only registered ``WorkerTask`` types.
    public static let runsClosures = BackendCapabilities(rawValue: 1 << 0)
    /// Tasks see this process's memory: captured state and globals are shared, not copied.
    public static let sharesMemory = BackendCapabilities(rawValue: 1 << 1)
    /// A task that crashes (a trap, a signal, running out of memory) fails its call, not the program.
    public static let isolatesCrashes = BackendCapabilities(rawValue: 1 << 2)
    /// A task running past a time limit is stopped and reported (``BackendError/Code/timedOut``).
    public static let supportsTimeouts = BackendCapabilities(rawValue: 1 << 3)
    /// Cancelling the calling task stops items that have not started (``BackendError/Code/cancelled``).
    public static let supportsCancellation = BackendCapabilities(rawValue: 1 << 4)
    /// Work whose worker died can be run again on a new worker.
    public static let supportsRetries = BackendCapabilities(rawValue: 1 << 5)

    private static let names: [(BackendCapabilities, String)] = [
        (.runsClosures, "runsClosures"), (.sharesMemory, "sharesMemory"), (.isolatesCrashes, "isolatesCrashes"),
        (.supportsTimeouts, "supportsTimeouts"), (.supportsCancellation, "supportsCancellation"),
        (.supportsRetries, "supportsRetries"),
    ]

    public var description: String {
        "[" + Self.names.filter { contains($0.0) }.map(\.1).joined(separator: ", ") + "]"
    }
}
