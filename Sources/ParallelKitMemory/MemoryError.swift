import ParallelKit

/// What went wrong in a ``Memory``: its code, a message that names the directory, file or type,
/// and the system call's error or the backend's when there was one.
///
/// ```swift
/// do {
///     _ = try await square(4)
/// } catch let error as MemoryError where error.code == .storeFailed {
///     print(error)   // "storing 1 entry in /var/cache/app/entries/…: write: No space left on device (errno 28)"
/// }
/// ```
public struct MemoryError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Hashable {
        /// The directory could not be made, opened or read.
        case directoryUnusable
        /// Writing entries failed (a full disk, an I/O error); no partial entry was left that reads as a hit.
        case storeFailed
        /// An input has no contents to key by (a `ProcessLock`, a `ProcessQueue`), or could not be encoded.
        case unkeyable
        /// An output could not be encoded for the disk.
        case unencodable
        /// The map that computes the misses failed (``backendError`` says how); what it finished
        /// before is stored.
        case backend
    }

    public var code: Code
    public var message: String
    /// The failed system call, for ``Code/directoryUnusable`` and ``Code/storeFailed``.
    public var systemError: SystemError?
    /// For ``Code/backend``.
    public var backendError: BackendError?

    public init(_ code: Code, _ message: String, systemError: SystemError? = nil, backendError: BackendError? = nil) {
        self.code = code
        self.message = message
        self.systemError = systemError
        self.backendError = backendError
    }

    public var description: String {
        if let systemError { return "\(message): \(systemError)" }
        if let backendError { return "\(message): \(backendError)" }
        return message
    }
}
