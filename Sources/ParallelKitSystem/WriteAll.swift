/// Writes all of `bytes` to `fd`, retrying partial writes; on a non-blocking descriptor that is
/// full (`EAGAIN`) it waits until `fd` is writable.
///
/// - Throws: ``SystemError`` from `write` (`EPIPE`, `ENOSPC`, `EIO`, …). Then an unknown prefix
///   of `bytes` was written.
package func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(SystemError) {
    var offset = 0
    while offset < bytes.count {
        do {
            offset += try systemCall("write") { write(fd, bytes.baseAddress! + offset, bytes.count - offset) }
        } catch where error.errno == EAGAIN {
            var descriptor = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            _ = try systemCall("poll") { poll(&descriptor, 1, 100) }
        }
    }
}

/// Writes all of `bytes` to `fd`; see ``writeAll(_:_:)-(_,UnsafeRawBufferPointer)``.
package func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws(SystemError) {
    try bytes.withUnsafeBytes { buffer in Result { () throws(SystemError) in try writeAll(fd, buffer) } }.get()
}
