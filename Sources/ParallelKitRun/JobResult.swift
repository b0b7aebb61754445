import ParallelKitSystem

/// One finished job: what ran, how it ended, when, and its output.
///
/// A job that exits non-zero or is killed is a result, not an error (``status`` says how it
/// ended). Results come from ``CommandRunner``'s `map`, `stream` and `streamUnordered`.
///
/// ```swift
/// for try await result in CommandRunner().stream(arguments: [["uname", "-r"]]) {
///     print(result.sequence, result.status, result.text)
/// }
/// ```
public struct JobResult: Sendable, Hashable {
    /// The job's arguments: its argument vector, or the values its template was given.
    public var arguments: [String]
    /// The command as GNU parallel shows it (in the joblog): the template with the values put
    /// in and quoted, or the argument vector quoted for a shell.
    public var command: String
    /// The job's place in the input, 1 up (`{#}`, `PARALLEL_SEQ`).
    public var sequence: Int
    /// The job slot its last attempt ran in, 1 up (`{%}`, `PARALLEL_JOBSLOT`).
    public var slot: Int
    /// How the last attempt ended: an exit status or a signal.
    public var status: TerminationStatus
    /// The runner ended the last attempt because it ran past the timeout.
    public var timedOut: Bool
    /// When the last attempt started, in seconds since 1970 (the joblog's `Starttime`).
    public var startTime: Double
    /// How long the last attempt ran.
    public var runtime: Duration
    /// Attempts made, 1 up (more than 1 after retries).
    public var attempts: Int
    /// The last attempt's standard output, as far as it was kept (``OutputHandling/collect(limit:)``).
    public var standardOutput: [UInt8]
    /// The last attempt's standard error, as far as it was kept.
    public var standardError: [UInt8]
    /// Bytes the last attempt wrote to standard output and error, kept or not.
    public var outputByteCount: Int
    public var errorByteCount: Int

    /// Whether the job exited with status 0 (and was not timed out).
    public var isSuccess: Bool { status.isSuccess && !timedOut }

    /// Whether output was cut at the ``OutputHandling/collect(limit:)`` limit: fewer bytes kept
    /// than the job wrote (only when collecting).
    public var isTruncated: Bool

    /// The standard output as text (invalid UTF-8 repaired).
    public var text: String { String(decoding: standardOutput, as: UTF8.self) }
}
