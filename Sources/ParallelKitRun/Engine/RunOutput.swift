import CParallelKit
import ParallelKitSystem

/// What the runner prints and records: jobs' output in the chosen mode (grouped, line by line,
/// in input order), tags, the commands as GNU shows them, the runner's own messages, and the
/// joblog and `--results` records. Used by ``RunScheduler`` on its one thread.
///
/// Every write is checked. The first that fails is told on standard error and kept in
/// ``failure``; from then on nothing more is printed or recorded, and the scheduler ends the run
/// (``RunStateMachine/writeFailed()``). A job is logged only once its output and its `--results`
/// are written whole, so `--resume` runs again every job whose output was lost.
final class RunOutput {
    let writer = OutputWriter()
    private let options: RunOptions
    private let template: CommandTemplate?
    private let tagTemplate: CommandTemplate?
    private let names: [Bytes: Int]
    private let joblog: JobLog?
    private let results: ResultsWriter?
    private let host: RunHost
    /// The first write that failed; nothing is printed or recorded after it.
    private(set) var failure: RunWriteFailure?

    init(options: RunOptions, template: CommandTemplate?, names: [Bytes: Int], host: RunHost) throws(RunUsageError) {
        self.options = options
        self.host = host
        writer.messages = host.messages
        self.template = template
        self.names = names
        if let tagString = options.tagString {
            tagTemplate = try CommandTemplate(
                words: [tagString], quoteWords: false, replaceString: options.replaceString,
                header: options.header != nil)
        } else {
            tagTemplate = nil
        }
        if let path = options.joblog, !options.dryRun {
            joblog = try JobLog(path: path, append: options.resume != .none || options.joblogAppends)
        } else {
            joblog = nil
        }
        results = try options.results.map { results throws(RunUsageError) in
            try ResultsWriter(results, options: options, names: names)
        }
    }

    // MARK: - Commands as shown

    func context(_ job: Job) -> CommandTemplate.Context {
        CommandTemplate.Context(
            arguments: job.spec.arguments, sequence: job.spec.sequence, slot: job.slot,
            repeatWords: options.maxArguments != nil, names: names, appendsArguments: !options.pipe)
    }

    /// The command as GNU would show it, made once per attempt.
    func shownCommand(_ job: Job) -> Bytes {
        if let shown = job.shownCommand { return shown }
        let shown: Bytes
        if let logged = job.spec.loggedCommand {
            shown = logged
        } else if host.argumentVectors {
            shown = Array(job.spec.arguments.map(ShellQuote.quote).joined(separator: [0x20]))
        } else if let template {
            shown = template.shellText(context(job))
        } else {
            shown = Array(job.spec.arguments.joined(separator: [0x20]))
        }
        job.shownCommand = shown
        return shown
    }

    func tag(for job: Job) -> Bytes? {
        if let tagTemplate { return tagTemplate.rawText(context(job)) }
        if options.tag { return Array(job.spec.arguments.joined(separator: [0x20])) }
        return nil
    }

    /// `--dry-run`: the command that would run, tagged, on standard output.
    func printDryRun(_ job: Job) {
        var line = tag(for: job).map { $0 + [0x09] } ?? []
        line += shownCommand(job)
        line.append(0x0A)
        writer.write(line, stream: 0)
    }

    /// `-t` (standard error) and `-v` (standard output, or before the job's grouped output):
    /// the command, as the attempt starts.
    func printStarting(_ job: Job) {
        if options.verbose { writer.write(shownCommand(job) + [0x0A], stream: 1) }
        if options.verboseToStandardOutput {
            if options.outputMode == .grouped {
                job.output.append(shownCommand(job) + [0x0A])
            } else {
                writer.write(shownCommand(job) + [0x0A], stream: 0)
            }
        }
        writer.flush()
        checkWriter()
    }

    // MARK: - Jobs' output

    /// Bytes read from the job's standard output (stream 0) or error (1): printed now when the
    /// job prints live, else kept until its turn.
    func received(_ bytes: UnsafeRawBufferPointer, from job: Job, stream: Int) {
        if let handler = host.stream {
            handler(job, stream, bytes)
            (stream == 0 ? job.output : job.error).countOnly(bytes.count)
        } else if host.discardOutput, results == nil {
            (stream == 0 ? job.output : job.error).countOnly(bytes.count)
        } else if options.outputMode == .lineBuffered, job.live {
            if stream == 0 { job.output.countOnly(bytes.count) }
            emitLines(job, stream: stream, bytes: bytes)
        } else {
            let buffer = stream == 0 ? job.output : job.error
            buffer.append(bytes)
            if let spillFailure = buffer.failure { fail(spillFailure) }
        }
    }

    /// Line-buffered printing: whole lines now, the incomplete last line kept for later.
    private func emitLines(_ job: Job, stream: Int, bytes: UnsafeRawBufferPointer) {
        guard let lastNewline = pk_memrchr(bytes.baseAddress!, 0x0A, bytes.count) else {
            job.pendingLine[stream].append(contentsOf: bytes)
            return
        }
        let cut = bytes.baseAddress!.distance(to: UnsafeRawPointer(lastNewline)) + 1
        let tag = tag(for: job)
        var lineStart = true
        if !job.pendingLine[stream].isEmpty {
            job.pendingLine[stream].withUnsafeBytes {
                writer.write($0, stream: stream, tag: tag, atLineStart: &lineStart)
            }
            job.pendingLine[stream].removeAll()
        }
        writer.write(UnsafeRawBufferPointer(rebasing: bytes[0..<cut]), stream: stream, tag: tag, atLineStart: &lineStart)
        job.pendingLine[stream].append(contentsOf: bytes[cut...])
        writer.flush(stream)
        checkWriter()
    }

    /// `-k --line-buffer`: the job's turn has come while it runs: what it holds now, its lines
    /// as they come from now on.
    func printLive(_ job: Job) {
        guard failure == nil else { return }
        for (stream, buffer) in [job.output, job.error].enumerated() {
            let contents = buffer.contents()
            buffer.release()
            if stream == 0 { buffer.countOnly(contents.count) }  // the joblog's Receive column
            contents.withUnsafeBytes { emitLines(job, stream: stream, bytes: $0) }
        }
        job.live = true
        writer.flush()
        checkWriter()
    }

    /// The finished job's turn: its output, `note`, and its `--results` and joblog records, in
    /// that order, each only when what came before it was written whole.
    func print(_ job: Job, killed: Bool, note: RunStateMachine.HaltNote?) {
        defer { job.releaseOutput() }
        guard failure == nil else { return }
        let tag = self.tag(for: job)
        // With --results GNU prints nothing of the jobs' output (only `-.csv`/`-.json` rows).
        if let deliver = host.deliver {
            if let incomplete = job.output.failure ?? job.error.failure {
                fail(incomplete)
                return
            }
            deliver(job, killed, shownCommand(job))
        } else if results == nil {
            if options.outputMode == .lineBuffered {
                if !job.live {
                    writer.write(job.output, stream: 0, tag: tag)
                    writer.write(job.error, stream: 1, tag: tag)
                }
                for stream in 0..<2 where !job.pendingLine[stream].isEmpty {
                    writer.write(job.pendingLine[stream], stream: stream, tag: tag)
                }
            } else {
                writer.write(job.output, stream: 0, tag: tag)
                writer.write(job.error, stream: 1, tag: tag)
            }
        }
        if let note { writer.message(haltMessage(note, job)) }
        writer.flush()
        if let incomplete = job.output.failure ?? job.error.failure ?? writer.failure {
            fail(incomplete)
            return
        }
        guard joblog != nil || results != nil else { return }
        let record = job.record(command: shownCommand(job), killed: killed)
        do throws(RunWriteFailure) {
            try results?.write(record, job: job, context: context(job))
            try joblog?.write(record)
        } catch {
            fail(error)
        }
    }

    /// Records the first failed write and says so on standard error.
    func fail(_ failure: RunWriteFailure) {
        guard self.failure == nil else { return }
        self.failure = failure
        writer.message(failure.message)
    }

    private func checkWriter() {
        if let failure = writer.failure { fail(failure) }
    }

    /// A finished job whose turn never came (`--halt now`): only its note.
    func skip(_ job: Job, note: RunStateMachine.HaltNote?) {
        if let note { writer.message(haltMessage(note, job)) }
        job.releaseOutput()
    }

    func warnTimedOut(_ job: Job) {
        writer.message("warning: this job was killed because it timed out:\n\(shownCommand(job).text)")
    }

    private func haltMessage(_ note: RunStateMachine.HaltNote, _ job: Job) -> String {
        var lines: [String] = []
        if let outcome = note.outcome { lines.append("This job \(outcome):\n" + shownCommand(job).text) }
        if let running = note.stillRunning { lines.append("Starting no more jobs. Waiting for \(running) jobs to finish.") }
        return lines.joined(separator: "\n")
    }
}
