import ParallelKit
import ParallelKitSystem

/// One call's run, before it starts: the engine's options and the jobs, as Sendable values that
/// the runner's thread turns into a ``RunHost``.
struct RunPlan: Sendable {
    var options = RunOptions()
    var jobs: [[Bytes]]
    var argumentVectors: Bool
    var maxJobs: Int
    var output: OutputHandling
    var environment: [Bytes]?
    var workingDirectory: Bytes?
    var strategy = SpawnConfiguration.Strategy.posixSpawn
    /// The most jobs started and not yet read (a stream's bound); `nil`: unbounded (`map`).
    var maxBuffered: Int?
    /// Results that wait before the reader is woken (``ResultChannel/wakeBatch``): 1 for a
    /// stream, whose reader wants each as it is ready; 64 for `map`, whose reader only collects
    /// them until the end (2,000 jobs: 31 wakes instead of 2,000; at most 64 results wait).
    var readerWakeBatch: Int { maxBuffered == nil ? 64 : 1 }

    init(_ configuration: RunConfiguration, jobs: [[Bytes]], template: String?, ordered: Bool, maxBuffered: Int?) {
        self.jobs = jobs
        self.maxBuffered = maxBuffered
        argumentVectors = template == nil
        maxJobs = configuration.workers.count
        output = configuration.output
        if let template { options.command = [Array(template.utf8)] }
        options.keepOrder = ordered
        options.retries = configuration.retries >= Int.max - 1 ? Int.max : max(configuration.retries, 0) + 1
        options.retryDelay = Self.seconds(configuration.retryDelay)
        options.halt = configuration.halt
        options.timeout = configuration.timeout.map { .seconds(Self.seconds($0)) }
        options.termSequence = configuration.teardown
        options.joblog = configuration.joblog.map { Array($0.utf8) }
        switch configuration.resume {
        case .none: options.resume = .none
        case .skipLogged: options.resume = .skipLogged
        case .rerunFailed: options.resume = .rerunFailed
        }
        options.results = configuration.resultsDirectory.map { .directory(Array($0.utf8)) }
        if case .passThrough = configuration.output { options.outputMode = .ungrouped }
        workingDirectory = configuration.workingDirectory.map { Array($0.utf8) }
        switch configuration.environment {
        case .inherit: environment = nil
        case .inheriting(let added): environment = Self.entries(Self.current(), replacing: added)
        case .custom(let variables): environment = Self.entries([], replacing: variables)
        }
    }

    /// The host the runner's thread runs with: the jobs, where results go (and, for a bounded
    /// stream, when a job may start), no messages, the runner's spawn strategy, the
    /// cancellation pipe.
    func host(control: RunControl, channel: ResultChannel) -> RunHost {
        var host = RunHost(maxJobs: maxJobs)
        host.controlDescriptor = control.read
        host.messages = false
        host.providedJobs = ProvidedJobs(jobs)
        host.argumentVectors = argumentVectors
        host.typedLaunchErrors = true
        host.strategy = strategy
        host.environment = environment
        host.workingDirectory = workingDirectory
        if channel.limit != nil { host.admitsJob = { channel.admits(undelivered: $0) } }
        var collects = false
        switch output {
        case .collect(let limit):
            host.outputLimit = max(limit, 0)
            collects = true
        case .stream(let handler):
            host.stream = { job, stream, bytes in
                handler(OutputChunk(
                    sequence: job.spec.sequence, attempt: job.attempt,
                    stream: stream == 0 ? .standardOutput : .standardError, bytes: Array(bytes)))
            }
        case .passThrough: break
        case .discard: host.discardOutput = true
        }
        host.deliver = { job, killed, command in
            if var error = job.launchError {
                error.sequence = job.spec.sequence
                channel.push(.failure(error))
                return
            }
            channel.push(.result(JobResult(
                arguments: job.spec.arguments.map { String(decoding: $0, as: UTF8.self) },
                command: String(decoding: command, as: UTF8.self), sequence: job.spec.sequence, slot: job.slot,
                status: job.status ?? .exited(-1), timedOut: killed, startTime: job.startWall,
                runtime: .nanoseconds(Int64(job.endTime &- job.startTime)), attempts: job.attempt,
                standardOutput: collects ? job.output.contents() : [],
                standardError: collects ? job.error.contents() : [],
                outputByteCount: job.output.count, errorByteCount: job.error.count,
                isTruncated: collects && (job.output.isTruncated || job.error.isTruncated))))
        }
        return host
    }

    private static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// This process's environment, as `NAME=value` entries.
    private static func current() -> [Bytes] {
        var entries: [Bytes] = []
        var entry = environ
        while let pointer = entry.pointee {
            entries.append(Array(UnsafeBufferPointer(
                start: UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self), count: strlen(pointer))))
            entry += 1
        }
        return entries
    }

    private static func entries(_ base: [Bytes], replacing variables: [String: String]) -> [Bytes] {
        let replaced = Set(variables.keys.map { Array($0.utf8) })
        var entries = base.filter { entry in
            guard let equals = entry.firstIndex(of: UInt8(ascii: "=")) else { return true }
            return !replaced.contains(Array(entry[..<equals]))
        }
        for (name, value) in variables.sorted(by: { $0.key < $1.key }) { entries.append(Array("\(name)=\(value)".utf8)) }
        return entries
    }
}
