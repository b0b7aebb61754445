import CParallelKit
import ParallelKitSystem

/// The pipe through which a ``JobResults`` iterator cancels its run: the runner's loop polls the
/// read end (``RunHost/controlDescriptor``) and a 0 byte ends every running job's process group
/// through the teardown sequence. Both ends live as long as this object, which the iterator and
/// the runner's thread share, so a write never meets a closed pipe (no SIGPIPE in the host).
final class RunControl: Sendable {
    let read: Int32
    private let writeEnd: Int32

    /// - Throws: ``RunError`` (``RunError/Code/spawnFailed``) when no pipe can be made.
    init() throws(RunError) {
        var fds: [Int32] = [-1, -1]
        do {
            _ = try systemCall("pipe2") { pk_pipe_cloexec(&fds, 1) }
        } catch {
            throw RunError(.spawnFailed, errno: error.errno, message: "cannot create a pipe: \(error.reason)")
        }
        (read, writeEnd) = (fds[0], fds[1])
    }

    deinit {
        close(read)
        close(writeEnd)
    }

    /// Asks the run to stop (non-blocking; a full pipe already holds a request: only a cancel
    /// and at most one wake are ever unread).
    func cancel() { send(0) }

    /// Wakes the runner's loop, which then asks again whether a job may start (the reader has
    /// made room in a bounded stream).
    func wake() { send(RunHost.wakeByte) }

    private func send(_ value: UInt8) {
        var byte = value
        _ = try? systemCall("write") { write(writeEnd, &byte, 1) }
    }
}
