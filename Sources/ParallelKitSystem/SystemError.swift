/// A system call that failed: which call, and the `errno` it set.
///
/// Thrown by ``systemCall(_:_:)``. The description reads like `perror`'s: `open: No such file or
/// directory (errno 2)`.
public struct SystemError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The call's name, as the C library spells it (`read`, `waitpid`).
    public var call: String
    /// The `errno` value it failed with.
    public var errno: Int32

    public init(call: String, errno: Int32) {
        self.call = call
        self.errno = errno
    }

    /// `strerror`'s text for ``errno``.
    public var reason: String { Self.reason(errno) }

    public var description: String { "\(call): \(reason) (errno \(errno))" }

    /// `strerror`'s text for `code`.
    public static func reason(_ code: Int32) -> String {
        strerror(code).map { String(cString: $0) } ?? "errno \(code)"
    }
}
