import ParallelKitSystem

/// How a run is embedded in its process: what the `parallelkit` CLI decides for the whole
/// process (its signal pipe, the clone fast path, SIGPIPE on a broken standard output), or what
/// the Swift API (``CommandRunner``) hands the engine instead (its jobs, where results go, a
/// cancellation pipe). The engine itself never touches process-wide state: signal dispositions,
/// resource limits and exiting are the host's.
package struct RunHost {
    /// Jobs at once (`-j`, resolved by the host against cores and descriptors).
    package var maxJobs: Int
    /// The read end of a non-blocking pipe the loop polls: each byte is a signal number that
    /// stops the run as that signal does (the CLI's signal pipe), 0, which cancels it (every
    /// running job's group gets the teardown sequence), or ``RunHost/wakeByte``, which only wakes
    /// the loop (``admitsJob`` may say yes again). -1: none.
    package var controlDescriptor: Int32 = -1
    /// Called once before the first job starts (not for `--dry-run`); returns the control
    /// descriptor to poll instead of ``controlDescriptor`` (the CLI installs its signal pipe here,
    /// so that a signal during start-up still ends the runner at once).
    package var willStartJobs: (() -> Int32)?
    /// Called when the jobs are over, after ``willStartJobs``.
    package var didEndJobs: (() -> Void)?
    /// How jobs are started: the CLI, single-threaded, clones without waiting for the exec.
    package var strategy: SpawnConfiguration.Strategy = .posixSpawn
    /// Standard output is a closed pipe: the host ends the process (after the engine has sent
    /// SIGTERM to every job's group). `nil`: the engine ends the run as after a failed write.
    package var brokenPipe: (() -> Never)?
    /// Where jobs run when not here (`parallelkit run --mpi`: the other ranks); `nil`: here.
    /// ``maxJobs`` is then the slots of every process it reaches together.
    package var remote: (any RemoteJobs)?

    // What only the Swift API sets (internal to the module).

    /// The runner's own messages on standard error (`parallelkit run: …`); off in the library,
    /// where they become part of the results.
    var messages = true
    /// Jobs given by the caller instead of the options' input sources.
    var providedJobs: ProvidedJobs?
    /// Each job is an argument vector run as it stands (no template, no shell).
    var argumentVectors = false
    /// A program that cannot be found or started is a typed ``RunError``, not a shell's exit 127.
    var typedLaunchErrors = false
    /// Called on the loop's thread for every finished job, in its turn, instead of printing it;
    /// `killed`: the runner ended it (a timeout); `command`: as GNU shows it.
    var deliver: ((Job, _ killed: Bool, _ command: Bytes) -> Void)?
    /// Called on the loop's thread with output as it arrives (stream 0: standard output, 1: error)
    /// instead of keeping it.
    var stream: ((Job, _ stream: Int, UnsafeRawBufferPointer) -> Void)?
    /// Output kept per stream of a job at most (bytes past it are counted, not kept); `nil`: all.
    var outputLimit: Int?
    /// Output is neither kept nor printed (only counted), unless `--results` needs it.
    var discardOutput = false
    /// The jobs' environment as `NAME=value` entries; `nil`: the runner's own.
    var environment: [Bytes]?
    /// The jobs' working directory; `nil`: the runner's.
    var workingDirectory: Bytes?
    /// Asked before each job from the input starts, with the jobs started and not yet delivered
    /// (running, waiting to retry or for their turn): `false` starts none now (a stream's reader
    /// is `maxBuffered` results behind). Retries are not asked. The host writes ``wakeByte`` to the
    /// control pipe once the answer may have changed; the loop meanwhile goes on reaping,
    /// reading and timing out the jobs it runs. `nil`: every job is admitted.
    var admitsJob: ((_ undelivered: Int) -> Bool)?

    /// The control byte that wakes the loop and means nothing else (no signal has this number).
    static let wakeByte: UInt8 = 255

    package init(maxJobs: Int) { self.maxJobs = maxJobs }
}
