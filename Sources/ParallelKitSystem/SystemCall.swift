/// Runs one system call: retries it while it fails with `EINTR`, throws ``SystemError`` on any
/// other failure, and stops the program on codes that can only mean a bug in this package.
///
/// `body` makes the call and returns its result; a negative result means failure, with the
/// reason in `errno` (the convention of `read`, `write`, `open`, `poll`, `waitpid`, …).
///
/// ```swift
/// let got = try systemCall("read") { read(fd, buffer, count) }
/// ```
///
/// Callers that expect `EAGAIN` (non-blocking descriptors) catch it:
/// `catch where error.errno == EAGAIN`. `EBADF` (a descriptor this package no longer owns) and
/// `EFAULT` (a bad pointer) trap with the call's name: going on could write into a descriptor
/// or memory that now belongs to someone else.
///
/// - Note: This is the only place in the package that reads `errno` after a call or retries
///   `EINTR`; ``systemCallReturningError(_:_:)`` serves the calls that return an error code.
@inlinable
@inline(__always)
package func systemCall<Result: BinaryInteger>(
    _ name: StaticString, _ body: () -> Result
) throws(SystemError) -> Result {
    while true {
        let result = body()
        if result >= 0 { return result }
        let code = errno
        if code == EINTR { continue }
        throw failure(name, code)
    }
}

/// Like ``systemCall(_:_:)`` for calls that return `0` or an error number instead of setting
/// `errno` (`posix_spawn`, `pthread_create`, …).
@inlinable
@inline(__always)
package func systemCallReturningError(_ name: StaticString, _ body: () -> Int32) throws(SystemError) {
    while true {
        let code = body()
        if code == 0 { return }
        if code == EINTR { continue }
        throw failure(name, code)
    }
}

/// The error for `code`, after stopping the program on codes that mean a bug.
@usableFromInline
package func failure(_ name: StaticString, _ code: Int32) -> SystemError {
    if code == EBADF || code == EFAULT {
        fatalError("\(name) failed with \(SystemError.reason(code)) (errno \(code)): a bug in ParallelKit")
    }
    return SystemError(call: "\(name)", errno: code)
}
