import ParallelKitSystem

/// Everything `parallelkit run` was asked to do, parsed from its arguments (`RunOptionParser`).
struct RunOptions: Sendable {
    /// Where one input source's values come from.
    enum SourceKind: Sendable, Equatable {
        /// Values written after `:::`.
        case values([Bytes])
        /// A file (or `-` for standard input) named after `::::` or by `-a`.
        case file(Bytes)
    }

    /// One input source, possibly linked (`:::+`, `::::+`) to the source before it.
    struct Source: Sendable, Equatable {
        var kind: SourceKind
        var linkedToPrevious = false
    }

    /// How job output reaches the runner's own output.
    enum OutputMode: Sendable, Equatable {
        /// Whole jobs, one after another (GNU's default `--group`).
        case grouped
        /// Whole lines as they arrive (`--line-buffer`).
        case lineBuffered
        /// Straight through, jobs share the runner's descriptors (`-u`).
        case ungrouped
    }

    /// The `-j` value before it is resolved against the core count.
    enum Jobs: Sendable, Equatable {
        case count(Int)
        case percent(Double)
        case plus(Int)
        case minus(Int)
        case unlimited
    }

    /// `--timeout`.
    enum Timeout: Sendable, Equatable {
        case seconds(Double)
        /// A percentage of the median runtime of the jobs that succeeded.
        case percentOfMedian(Double)
    }

    /// `--results`.
    enum Results: Sendable, Equatable {
        case directory(Bytes)
        /// A path template with replacement strings (`--results out_{}`).
        case template(Bytes)
        case csv(path: Bytes, separator: UInt8)
        case json(Bytes)
    }

    /// `--bar`, `--eta`, `--progress`.
    struct Progress: Sendable, Equatable {
        var bar = false
        var eta = false
        var progress = false
        var any: Bool { bar || eta || progress }
    }

    /// How GNU's "resume" options pick the jobs to run.
    enum Resume: Sendable, Equatable {
        case none
        /// `--resume`: skip every sequence number in the joblog.
        case skipLogged
        /// `--resume-failed`: skip the ones that succeeded, run failed and missing ones.
        case rerunFailed
        /// `--retry-failed`: run the failed commands of the joblog, ignoring the command line.
        case retryFailedFromLog
    }

    var command: [Bytes] = []
    var sources: [Source] = []
    /// Whether `-q` was given: the command's words are exec'd as written, never re-split.
    var quoteCommand = false
    var delimiter: Bytes = [0x0A]
    var columnSeparator: Bytes?
    var header: Bytes?
    /// `-n` / `-N`: arguments per job (both: a word holding `{}` repeats per argument).
    var maxArguments: Int?
    var jobs: Jobs?
    var outputMode: OutputMode = .grouped
    var keepOrder = false
    var tag = false
    var tagString: Bytes?
    var halt = HaltPolicy.never
    var timeout: Timeout?
    var retries = 1
    var retryDelay: Double = 0
    /// `--termseq`: how the runner ends a job's process group.
    var termSequence = Teardown.gnuDefault
    var joblog: Bytes?
    /// `--joblog +FILE`: append to FILE instead of starting it afresh.
    var joblogAppends = false
    var resume: Resume = .none
    var results: Results?
    var dryRun = false
    var verbose = false
    var progress = Progress()
    var skipEmpty = false
    var replaceString: Bytes = Array("{}".utf8)
    var pipe = false
    var pipePart = false
    var blockSize = 1024 * 1024
    var recordEnd: Bytes?
    var recordStart: Bytes?
    var shellQuoteOnly = false
    /// `-h`/`--help` and `-V`/`--version`: print the help or the version, run nothing.
    var showHelp = false
    var showVersion = false
    var trim: Bytes?
    var tmpdir: Bytes?
    /// `--link`: every source linked, shorter ones wrapping around.
    var linkAll = false
    /// `-v`: print each command on standard output before its output (`-t`/`--verbose`: on standard error).
    var verboseToStandardOutput = false
    var argumentSeparator: Bytes = Array(":::".utf8)
    var fileSeparator: Bytes = Array("::::".utf8)
    var totalJobsHint: Int?
}
