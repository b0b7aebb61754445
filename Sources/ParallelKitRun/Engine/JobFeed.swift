/// One job to run, before it runs.
struct JobSpec {
    var sequence: Int
    /// The job's arguments: the values of its input records, flattened.
    var arguments: [Bytes]
    /// With `--pipe`: the data for the job's standard input.
    var input: PipeBlock?
    /// With `--retry-failed`: the command from the joblog, run as it stands.
    var loggedCommand: Bytes?
}

/// Hands out jobs in sequence order: input records grouped by `-n`/`-N`, or `--pipe` blocks, or
/// the failed jobs of a joblog (`--retry-failed`); skipping what `--resume` says is done.
final class JobFeed {
    private enum Source {
        case records(InputCombinations)
        case blocks(PipeSource)
        case logged([(Int, Bytes)], Int)
        /// The Swift API's jobs: each one's arguments (values for a template, or an argv).
        case provided(ProvidedJobs)
    }

    private var source: Source
    private let perJob: Int?
    private let skipEmpty: Bool
    private let skip: (Int) -> Bool
    private var nextSequence = 1
    private var exhausted = false
    /// Jobs in total, once known (sequence numbers given out, skipped ones included).
    private(set) var total: Int?
    /// Jobs skipped because the joblog says they are done.
    private(set) var skipped = 0

    init(
        options: RunOptions, resume: JobLog.Entries?, jobSlots: Int, provided: ProvidedJobs? = nil
    ) throws(RunUsageError) {
        perJob = options.maxArguments
        skipEmpty = options.skipEmpty
        switch options.resume {
        case .none:
            skip = { _ in false }
        case .skipLogged:
            let logged = resume?.logged ?? []
            skip = { logged.contains($0) }
        case .rerunFailed:
            let succeeded = resume?.succeeded ?? []
            skip = { succeeded.contains($0) }
        case .retryFailedFromLog:
            skip = { _ in false }
        }
        if let provided {
            source = .provided(provided)
            total = provided.jobs.count
        } else if options.resume == .retryFailedFromLog {
            let failed = (resume?.failed ?? [:]).sorted { $0.key < $1.key }
            source = .logged(failed, 0)
            total = failed.count
        } else if options.pipe {
            source = .blocks(try PipeSource(options: options, jobSlots: jobSlots))
        } else {
            let combinations = try InputCombinations(options: options)
            source = .records(combinations)
            if let records = combinations.total { total = Self.jobs(forRecords: records, perJob: perJob) }
        }
    }

    /// Column names from `--header`.
    var names: [Bytes: Int] {
        if case .records(let combinations) = source { return combinations.names }
        return [:]
    }

    private static func jobs(forRecords records: Int, perJob: Int?) -> Int {
        guard let perJob, perJob > 1 else { return records }
        return (records + perJob - 1) / perJob
    }

    /// What ``next(waiting:)`` found.
    enum Next {
        case job(JobSpec)
        /// No more jobs.
        case end
        /// The next job's input has not arrived; poll this descriptor, then ask again.
        case inputPending(Int32)
    }

    /// The next job to run, or `nil` when there are no more; waits for input as long as it takes.
    func next() throws(RunUsageError) -> JobSpec? {
        guard case .job(let spec) = try next(waiting: true) else { return nil }
        return spec
    }

    /// The next job; without `waiting`, ``Next/inputPending(_:)`` instead of waiting for a quiet
    /// standard input — so that the runner can go on serving running jobs (their output,
    /// `--timeout`) meanwhile. Records already taken for the next job are kept for the next call.
    func next(waiting: Bool) throws(RunUsageError) -> Next {
        while !exhausted {
            guard let produced = try produce(waiting: waiting) else {
                exhausted = true
                total = nextSequence - 1
                return .end
            }
            guard case .job(let spec) = produced else { return produced }
            if skip(spec.sequence) {
                skipped += 1
                continue
            }
            return .job(spec)
        }
        return .end
    }

    /// Records taken for a job whose other records have not arrived yet (`-n` above 1).
    private var partial: (arguments: [Bytes], taken: Int) = ([], 0)

    private func produce(waiting: Bool) throws(RunUsageError) -> Next? {
        switch source {
        case .logged(let entries, let index):
            guard index < entries.count else { return nil }
            source = .logged(entries, index + 1)
            nextSequence += 1
            return .job(JobSpec(
                sequence: entries[index].0, arguments: [], input: nil,
                loggedCommand: entries[index].1))
        case .provided(let provided):
            guard let arguments = provided.next() else { return nil }
            defer { nextSequence += 1 }
            return .job(JobSpec(sequence: nextSequence, arguments: arguments, input: nil, loggedCommand: nil))
        case .blocks(let pipe):
            if !waiting, let fd = pipe.descriptorToWaitFor() { return .inputPending(fd) }
            guard let block = try pipe.next() else { return nil }
            defer { nextSequence += 1 }
            return .job(JobSpec(sequence: nextSequence, arguments: [], input: block, loggedCommand: nil))
        case .records(let combinations):
            let count = max(perJob ?? 1, 1)
            while partial.taken < count {
                if !waiting, let fd = combinations.descriptorToWaitFor() { return .inputPending(fd) }
                guard let record = combinations.next() else { break }
                if skipEmpty, record.allSatisfy({ $0.allSatisfy { $0 == 0x20 || $0 == 0x09 } }) { continue }
                if perJob != 0 { partial.arguments.append(contentsOf: record) }
                partial.taken += 1
            }
            if let records = combinations.total, total == nil {
                total = Self.jobs(forRecords: records, perJob: perJob)
            }
            let (arguments, taken) = partial
            partial = ([], 0)
            guard taken > 0 else { return nil }
            defer { nextSequence += 1 }
            return .job(JobSpec(
                sequence: nextSequence, arguments: arguments, input: nil,
                loggedCommand: nil))
        }
    }
}

/// The jobs a Swift caller gave (``CommandRunner``), handed out in order on the loop's thread.
final class ProvidedJobs {
    let jobs: [[Bytes]]
    private var index = 0

    init(_ jobs: [[Bytes]]) { self.jobs = jobs }

    func next() -> [Bytes]? {
        guard index < jobs.count else { return nil }
        defer { index += 1 }
        return jobs[index]
    }
}
