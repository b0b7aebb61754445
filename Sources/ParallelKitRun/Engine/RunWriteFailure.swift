import ParallelKitSystem

/// A write of the runner's own that failed: to standard output or error, the joblog, a
/// `--results` file or row, or a spill file in `--tmpdir`.
///
/// Such a failure ends the run (``RunStateMachine/writeFailed()``): nothing more is printed or
/// recorded, the running jobs are ended as `--halt now` ends them, and the runner exits with
/// ``exitStatus``, after one line on standard error that names the file and the error:
/// `parallelkit run: --joblog /x/log: write failed: No space left on device`.
package struct RunWriteFailure: Error, Equatable {
    /// What was being written, as the message names it: `--joblog PATH`, `--results PATH`,
    /// `--tmpdir DIR`, `standard output`, `standard error`.
    package var target: String
    package var error: SystemError

    /// The run's exit status after a failed write: GNU parallel's for a full `--tmpdir`
    /// ("Output is incomplete"), also used where GNU has none (it ignores a failed joblog or
    /// standard output write and exits 0).
    package init(target: String, error: SystemError) {
        self.target = target
        self.error = error
    }

    package static let exitStatus: Int32 = 255

    /// `TARGET: write failed: REASON` (the call that failed: `write`, `open`, `pread` …).
    package var message: String { "\(target): \(error.call) failed: \(error.reason)" }
}
