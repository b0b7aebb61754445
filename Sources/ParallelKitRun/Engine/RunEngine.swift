import ParallelKitSystem

/// The engine's entry for `parallelkit run` (the CLI parses GNU's arguments into ``RunOptions``
/// and decides the process-wide policy in a ``RunHost``) and for ``CommandRunner``.
package enum RunEngine {
    /// Plans and runs what `options` ask for, as `host` embeds it; returns the exit status GNU
    /// parallel would give.
    ///
    /// - Throws: ``RunUsageError`` for options or inputs that cannot run (a bad template, a
    ///   joblog that cannot be written, a missing input file).
    package static func run(_ options: RunOptions, host: RunHost) throws(RunUsageError) -> Int32 {
        if options.shellQuoteOnly { return try shellQuote(options) }
        if options.pipe, options.command.isEmpty { throw RunUsageError("--pipe needs a command to send the blocks to") }
        let template = try commandTemplate(options)
        var resume: JobLog.Entries?
        if options.resume != .none, let path = options.joblog {
            resume = JobLog.read(path)
        }
        let feed = try JobFeed(options: options, resume: resume, jobSlots: host.maxJobs, provided: host.providedJobs)
        let scheduler = try RunScheduler(options: options, feed: feed, template: template, host: host)
        return try scheduler.run()
    }

    /// `--shell-quote`: print each input (or each job's command) quoted for a shell, run nothing.
    private static func shellQuote(_ options: RunOptions) throws(RunUsageError) -> Int32 {
        let template = try commandTemplate(options)
        let feed = try JobFeed(options: options, resume: nil, jobSlots: 1)
        let writer = OutputWriter()
        while let spec = try feed.next() {
            var line: Bytes
            if let template {
                let context = CommandTemplate.Context(
                    arguments: spec.arguments, sequence: spec.sequence, slot: 1,
                    repeatWords: options.maxArguments != nil, names: feed.names)
                line = ShellQuote.quote(template.shellText(context))
            } else {
                line = Array(spec.arguments.map(ShellQuote.quote).joined(separator: [0x20]))
            }
            line.append(0x0A)
            writer.write(line, stream: 0)
            if writer.failure != nil { break }
        }
        writer.flush()
        guard let failure = writer.failure else { return 0 }
        writer.message(failure.message)
        return RunWriteFailure.exitStatus
    }

    /// The command's template, or nil when the inputs are the commands.
    static func commandTemplate(_ options: RunOptions) throws(RunUsageError) -> CommandTemplate? {
        guard !options.command.isEmpty else { return nil }
        return try CommandTemplate(
            words: options.command, quoteWords: options.quoteCommand, replaceString: options.replaceString,
            header: options.header != nil)
    }
}
