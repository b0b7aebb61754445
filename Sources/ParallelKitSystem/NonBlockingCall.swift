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
/// With `peerPIDFD` (the pidfd of the process at the other end), the wait for room also ends
/// when that process has ended — as an `EPIPE` — even if its children keep the socket open and
/// never read.
///
/// - Throws: ``SystemError`` from `send` (`EPIPE`, `ECONNRESET`, …) or `poll`.
package func writeAll(
    _ fd: Int32, _ bytes: UnsafeRawBufferPointer, sendFlags flags: Int32, written: inout Int, peerPIDFD: Int32 = -1
) throws(SystemError) {
    let flags = peerPIDFD >= 0 ? flags | Int32(MSG_DONTWAIT) : flags
    while written < bytes.count {
        let offset = written
        if let sent = try systemCallUnlessWouldBlock("send", { send(fd, bytes.baseAddress! + offset, bytes.count - offset, flags) }) {
            written += sent
        } else {
            var descriptors = [
                pollfd(fd: fd, events: Int16(POLLOUT), revents: 0), pollfd(fd: peerPIDFD, events: Int16(POLLIN), revents: 0),
            ]
            _ = try systemCall("poll") { poll(&descriptors, peerPIDFD >= 0 ? 2 : 1, 100) }
            if peerPIDFD >= 0 && descriptors[1].revents != 0 && descriptors[0].revents & Int16(POLLOUT) == 0 {
                throw SystemError(call: "send", errno: EPIPE)
            }
        }
    }
}
