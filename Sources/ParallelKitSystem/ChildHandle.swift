import CParallelKit

/// A child process as its parent sees it: its pid, its pidfd where the kernel has them, and
/// whether it leads a process group of its own (``SpawnConfiguration/ProcessGroup/new``).
///
/// The pidfd is what makes a death visible at once — it polls readable when the child exits,
/// whatever its own children still hold open — and what makes a signal safe from any thread:
/// `pidfd_send_signal` cannot reach another process that was later given the same pid.
///
/// ```swift
/// let child = try ProcessSpawner.spawn(configuration).child  // configuration.processGroup = .new
/// child.signal(SIGTERM)
/// if child.hasEnded(blocking: false) {
///     child.killGroup()                 // its children too; the pid is still reserved
///     let status = child.reap(blocking: true)
/// }
/// ```
///
/// - Note: The caller owns `pidfd` and closes it (``closeDescriptor()``) once nobody signals the
///   child any more. ``killGroup()`` is safe only before the child is reaped: until then the
///   kernel keeps its pid, and so its group ID, from being reused.
package struct ChildHandle: Sendable, Hashable {
    package let pid: pid_t
    /// -1 when the kernel gave none (before Linux 5.3): then ``signal(_:)`` uses `kill`.
    package let pidfd: Int32
    package let ownGroup: Bool

    /// Sends `signal` to the child (not its group). One that is gone, or already reaped, is not
    /// an error.
    package func signal(_ signal: Int32) {
        if pidfd >= 0 {
            do {
                _ = try systemCall("pidfd_send_signal") { pk_pidfd_send_signal(pidfd, signal) }
                return
            } catch where error.errno == ENOSYS {
                // An old kernel with pidfd_open but not this call: fall back to the pid.
            } catch {
                return  // ESRCH: it has ended and been reaped
            }
        }
        _ = systemKill(pid, signal)
    }

    /// `SIGKILL` to every process of the child's group — what its tasks started and left
    /// behind (`system("… &")`, a crash reporter) — when it has a group of its own.
    ///
    /// - Precondition (not checked): the child has not been reaped yet.
    package func killGroup() {
        if ownGroup { _ = systemKill(-pid, SIGKILL) }
    }

    /// Whether the child has ended, without reaping it; `blocking` waits until it has. A pid that
    /// is not (or no longer) our child counts as ended.
    package func hasEnded(blocking: Bool) -> Bool {
        do {
            return try systemCall("waitid") { pk_child_has_ended(pid, blocking ? 1 : 0) } == 1
        } catch {
            return true  // ECHILD
        }
    }

    /// Reaps the child once it has ended (waiting for it when `blocking`): how it ended, or
    /// `nil` while it runs. A child reaped elsewhere (`ECHILD`) reads as killed.
    package func reap(blocking: Bool) -> TerminationStatus? {
        var status: Int32 = 0
        do {
            if try systemCall("waitpid", { waitpid(pid, &status, blocking ? 0 : WNOHANG) }) == 0 { return nil }
            return TerminationStatus(waitStatus: status)
        } catch {
            return .signaled(SIGKILL)
        }
    }

    /// Closes the pidfd, if there is one.
    package func closeDescriptor() {
        if pidfd >= 0 { close(pidfd) }
    }
}

/// Sets close-on-exec on `fd`, so that programs this process starts do not inherit it (a
/// descriptor placed with `dup2`, as a worker's socket is, starts without it).
package func setCloseOnExec(_ fd: Int32) throws(SystemError) {
    let flags = try systemCall("fcntl") { fcntl(fd, F_GETFD) }
    _ = try systemCall("fcntl") { fcntl(fd, F_SETFD, flags | FD_CLOEXEC) }
}
