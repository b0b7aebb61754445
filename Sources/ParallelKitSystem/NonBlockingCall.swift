/// Like ``systemCall(_:_:)`` for a call on a non-blocking descriptor (or with `MSG_DONTWAIT`):
/// `nil` when it would block (`EAGAIN`), without building an error — the answer a polling loop
/// gets most of the time.
///
/// ```swift
/// guard let got = try systemCallUnlessWouldBlock("recv", { recv(fd, buffer, count, MSG_DONTWAIT) }) else { … }
/// ```
@inlinable
@inline(__always)
package func systemCallUnlessWouldBlock<Result: BinaryInteger>(
    _ name: StaticString, _ body: () -> Result
) throws(SystemError) -> Result? {
    while true {
        let result = body()
        if result >= 0 { return result }
        let code = errno
        if code == EINTR { continue }
        if code == EAGAIN || code == EWOULDBLOCK { return nil }
        throw failure(name, code)
    }
}

/// Writes all of `bytes` to the socket `fd` with `send(2)` and `flags` (`MSG_NOSIGNAL`: a peer
/// that is gone is an `EPIPE`, not a `SIGPIPE` that ends the program), retrying partial writes
/// and waiting while the socket is full; `written` counts the bytes sent, also when it throws.
///
/// - Throws: ``SystemError`` from `send` (`EPIPE`, `ECONNRESET`, …) or `poll`.
package func writeAll(
    _ fd: Int32, _ bytes: UnsafeRawBufferPointer, sendFlags flags: Int32, written: inout Int
) throws(SystemError) {
    while written < bytes.count {
        let offset = written
        if let sent = try systemCallUnlessWouldBlock("send", { send(fd, bytes.baseAddress! + offset, bytes.count - offset, flags) }) {
            written += sent
        } else {
            var descriptor = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            _ = try systemCall("poll") { poll(&descriptor, 1, 100) }
        }
    }
}
