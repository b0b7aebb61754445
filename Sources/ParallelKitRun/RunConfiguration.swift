import ParallelKit
import ParallelKitSystem

/// How ``CommandRunner`` runs its jobs: how many at once, how long each may take, how often a
/// failed one is tried again, when the run stops early, how a job is ended, what is recorded, and
/// what becomes of the jobs' output. Every field has GNU parallel's default.
///
/// ```swift
/// var configuration = RunConfiguration(workers: .count(4))
/// configuration.timeout = .seconds(30)      // --timeout 30
/// configuration.retries = 2                 // --retries 3: two more attempts
/// configuration.retryDelay = .seconds(1)    // 1 s, then 2 s
/// configuration.joblog = "/tmp/jobs.log"    // --joblog, readable by `parallelkit run --resume`
/// let runner = CommandRunner(configuration)
/// ```
///
/// Results come in input order from ``CommandRunner/stream(arguments:maxBuffered:)`` and
/// ``CommandRunner/map(arguments:)`` (GNU's `-k`), in completion order from
/// ``CommandRunner/streamUnordered(arguments:maxBuffered:)``: the order is the call's, not the
/// configuration's.
public struct RunConfiguration: Sendable {
    /// Jobs running at once (`-j`).
    public var workers: Workers
    /// How long one attempt may run before its process group gets ``teardown`` (`--timeout`);
    /// `nil`: no limit. A timed-out attempt counts as failed (and is retried).
    public var timeout: Duration?
    /// Further attempts for a job that fails (exits non-zero, is killed, times out): GNU's
    /// `--retries N` is `retries = N - 1`.
    public var retries: Int
    /// The wait before the first further attempt, doubled for each one after it (`--retry-delay`).
    public var retryDelay: Duration
    /// When the run stops early (`--halt`).
    public var halt: HaltPolicy
    /// How a job's process group is ended — after a timeout, by ``HaltPolicy/When/now``, or when
    /// the consuming task is cancelled (`--termseq`; GNU's default: TERM, 200 ms, TERM, 100 ms,
    /// TERM, 50 ms, KILL, 25 ms).
    public var teardown: Teardown
    /// A joblog to write, GNU parallel's tab-separated format (`--joblog`): one line per finished
    /// job, written once its result was delivered. With ``resume`` it is read first and appended to.
    public var joblog: String?
    /// Which jobs a joblog lets a run skip.
    public var resume: Resume
    /// A directory to save every job's output in, GNU's `--results DIR` layout
    /// (`DIR/1/VALUE/stdout`, `stderr`, `seq`), besides what ``output`` does with it.
    public var resultsDirectory: String?
    /// The jobs' environment. `PARALLEL_SEQ`, `PARALLEL_JOBSLOT` and `PARALLEL_PID` are always
    /// set, as GNU sets them; `PATH` and `PARALLEL_SHELL` are looked up in it.
    public var environment: Environment
    /// The jobs' working directory; `nil`: this process's. A program named by a relative path
    /// (`./tool`) is found there too; a relative `PATH` entry is not.
    public var workingDirectory: String?
    /// What becomes of each job's standard output and error.
    public var output: OutputHandling

    /// A configuration with GNU parallel's defaults: one job per usable core, no timeout, one
    /// attempt, no halt, GNU's teardown, output collected up to 16 MiB per stream.
    public init(
        workers: Workers = .all, timeout: Duration? = nil, retries: Int = 0, retryDelay: Duration = .zero,
        halt: HaltPolicy = .never, teardown: Teardown = .gnuDefault, output: OutputHandling = .collect()
    ) {
        self.workers = workers
        self.timeout = timeout
        self.retries = retries
        self.retryDelay = retryDelay
        self.halt = halt
        self.teardown = teardown
        self.joblog = nil
        self.resume = .none
        self.resultsDirectory = nil
        self.environment = .inherit
        self.workingDirectory = nil
        self.output = output
    }

    /// Which jobs of a joblog a run skips; jobs are matched by their sequence number, so the
    /// jobs must be given in the same order as in the run that wrote the log.
    public enum Resume: Sendable, Hashable {
        /// Run every job.
        case none
        /// Skip every job the joblog lists (`--resume`).
        case skipLogged
        /// Skip the jobs the joblog lists as succeeded; run failed and missing ones (`--resume-failed`).
        case rerunFailed
    }

    /// The environment jobs start with.
    public enum Environment: Sendable, Hashable {
        /// This process's environment.
        case inherit
        /// This process's environment with these variables set (or replaced).
        case inheriting(adding: [String: String])
        /// Exactly these variables.
        case custom([String: String])
    }
}

/// What becomes of a job's standard output and error.
///
/// ```swift
/// // Progress lines as they come, nothing kept:
/// let configuration = RunConfiguration(output: .stream { chunk in
///     if chunk.stream == .standardError { print("job \(chunk.sequence):", String(decoding: chunk.bytes, as: UTF8.self)) }
/// })
/// ```
public enum OutputHandling: Sendable {
    /// Kept in ``JobResult/standardOutput`` and ``JobResult/standardError``, at most `limit` bytes
    /// of each (past it bytes are counted, not kept, and ``JobResult/isTruncated`` is set). Output
    /// past 1 MiB per job waits in an unlinked temporary file, not in memory.
    case collect(limit: Int = 16 << 20)
    /// Handed to `handler` as it arrives, on the runner's thread (do not block it); the results
    /// hold none of it.
    case stream(@Sendable (OutputChunk) -> Void)
    /// Written by the jobs straight to this process's standard output and error (GNU's `-u`).
    case passThrough
    /// Neither kept nor passed on (only counted); with ``RunConfiguration/resultsDirectory``,
    /// written to files only.
    case discard
}

/// A piece of a job's output as it arrived (``OutputHandling/stream(_:)``): bytes as one `read`
/// returned them, so a line may come in two chunks.
///
/// ```swift
/// let handler: @Sendable (OutputChunk) -> Void = { chunk in
///     print(chunk.sequence, chunk.stream, chunk.bytes.count)
/// }
/// ```
public struct OutputChunk: Sendable, Hashable {
    /// Which of a job's streams.
    public enum Stream: Sendable, Hashable { case standardOutput, standardError }

    /// The job's sequence number (1 up, input order).
    public var sequence: Int
    /// The attempt it comes from (1 up).
    public var attempt: Int
    public var stream: Stream
    public var bytes: [UInt8]
}
