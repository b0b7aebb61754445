import ParallelKitSystem

/// Everything `parallelkit run` was asked to do, parsed from its arguments (`RunOptionParser`).
package struct RunOptions: Sendable {
    /// Where one input source's values come from.
    package enum SourceKind: Sendable, Equatable {
        /// Values written after `:::`.
        case values([Bytes])
        /// A file (or `-` for standard input) named after `::::` or by `-a`.
        case file(Bytes)
    }

    /// One input source, possibly linked (`:::+`, `::::+`) to the source before it.
    package struct Source: Sendable, Equatable {
        package var kind: SourceKind
        package var linkedToPrevious = false

        package init(kind: SourceKind, linkedToPrevious: Bool = false) {
            self.kind = kind
            self.linkedToPrevious = linkedToPrevious
        }
    }

    /// How job output reaches the runner's own output.
    package enum OutputMode: Sendable, Equatable {
        /// Whole jobs, one after another (GNU's default `--group`).
        case grouped
        /// Whole lines as they arrive (`--line-buffer`).
        case lineBuffered
        /// Straight through, jobs share the runner's descriptors (`-u`).
        case ungrouped
    }

    /// The `-j` value before it is resolved against the core count.
    package enum Jobs: Sendable, Equatable {
        case count(Int)
        case percent(Double)
        case plus(Int)
        case minus(Int)
        case unlimited
    }

    /// `--timeout`.
    package enum Timeout: Sendable, Equatable {
        case seconds(Double)
        /// A percentage of the median runtime of the jobs that succeeded.
        case percentOfMedian(Double)
    }

    /// `--results`.
    package enum Results: Sendable, Equatable {
        case directory(Bytes)
        /// A path template with replacement strings (`--results out_{}`).
        case template(Bytes)
        case csv(path: Bytes, separator: UInt8)
        case json(Bytes)
    }

    /// `--bar`, `--eta`, `--progress`.
    package struct Progress: Sendable, Equatable {
        package var bar = false
        package var eta = false
        package var progress = false
        package var any: Bool { bar || eta || progress }
    }

    /// How GNU's "resume" options pick the jobs to run.
    package enum Resume: Sendable, Equatable {
        case none
        /// `--resume`: skip every sequence number in the joblog.
        case skipLogged
        /// `--resume-failed`: skip the ones that succeeded, run failed and missing ones.
        case rerunFailed
        /// `--retry-failed`: run the failed commands of the joblog, ignoring the command line.
        case retryFailedFromLog
    }

    package var command: [Bytes] = []
    package var sources: [Source] = []
    /// Whether `-q` was given: the command's words are exec'd as written, never re-split.
    package var quoteCommand = false
    package var delimiter: Bytes = [0x0A]
    package var columnSeparator: Bytes?
    package var header: Bytes?
    /// `-n` / `-N`: arguments per job (both: a word holding `{}` repeats per argument).
    package var maxArguments: Int?
    package var jobs: Jobs?
    package var outputMode: OutputMode = .grouped
    package var keepOrder = false
    package var tag = false
    package var tagString: Bytes?
    package var halt = HaltPolicy.never
    package var timeout: Timeout?
    package var retries = 1
    package var retryDelay: Double = 0
    /// `--termseq`: how the runner ends a job's process group.
    package var termSequence = Teardown.gnuDefault
    package var joblog: Bytes?
    /// `--joblog +FILE`: append to FILE instead of starting it afresh.
    package var joblogAppends = false
    package var resume: Resume = .none
    package var results: Results?
    package var dryRun = false
    package var verbose = false
    package var progress = Progress()
    package var skipEmpty = false
    package var replaceString: Bytes = Array("{}".utf8)
    package var pipe = false
    package var pipePart = false
    package var blockSize = 1024 * 1024
    package var recordEnd: Bytes?
    package var recordStart: Bytes?
    package var shellQuoteOnly = false
    package var trim: Bytes?
    package var tmpdir: Bytes?
    /// `--link`: every source linked, shorter ones wrapping around.
    package var linkAll = false
    /// `-v`: print each command on standard output before its output (`-t`/`--verbose`: on standard error).
    package var verboseToStandardOutput = false
    package var argumentSeparator: Bytes = Array(":::".utf8)
    package var fileSeparator: Bytes = Array("::::".utf8)
    package var totalJobsHint: Int?
    /// `-h`/`--help` and `-V`/`--version`: print the help or the version, run nothing.
    package var showHelp = false
    package var showVersion = false
    /// `--mpi`: the jobs run on the other ranks of the MPI job this process was launched in.
    package var mpi = false

    package init() {}
}
