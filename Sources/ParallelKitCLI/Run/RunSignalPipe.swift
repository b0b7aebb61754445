import CParallelKit
import ParallelKitSystem

/// The CLI's signal handling, installed for the length of a run: SIGPIPE ignored (a job that
/// closes its `--pipe` input must not end the runner), and SIGINT, SIGTERM and SIGHUP written as
/// bytes to a pipe that the run's loop polls (``RunHost/controlDescriptor``), so a stopping
/// signal ends the jobs' process groups through `--termseq`. Process-wide: never in the library.
struct RunSignalPipe {
    /// The read end (non-blocking), or -1 when no pipe could be made.
    let read: Int32
    private let write: Int32

    init() {
        signal(SIGPIPE, SIG_IGN)
        var fds: [Int32] = [-1, -1]
        guard (try? systemCall("pipe2", { pk_pipe_cloexec(&fds, 1) })) != nil else {
            (read, write) = (-1, -1)
            return
        }
        (read, write) = (fds[0], fds[1])
        pk_install_signal_pipe(fds[1])
    }

    /// Puts the signals back at their default actions and closes the pipe.
    func remove() {
        pk_restore_default_signals()
        if read >= 0 {
            close(read)
            close(write)
        }
    }
}
