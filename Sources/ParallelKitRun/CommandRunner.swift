import ParallelKit
import ParallelKitSystem

/// Runs external programs in parallel — GNU parallel's runner, from Swift: a job per argument
/// vector (or per value of a template), `workers` at a time, each in a process group of its
/// own, with timeouts, retries, a halt policy, a joblog that `parallelkit run --resume` reads,
/// and output collected per job.
///
/// ```swift
/// let runner = CommandRunner(RunConfiguration(workers: .count(2), timeout: .seconds(60)))
/// for try await result in runner.stream(arguments: [["python3", "script1.py"], ["python3", "script2.py"]]) {
///     print(result.sequence, result.status, result.text)
/// }
/// ```
///
/// The names follow ParallelKit's: ``map(arguments:)`` returns every result in input order,
/// ``stream(arguments:maxBuffered:)`` yields them in input order as they are ready (GNU's `-k`), and
/// ``streamUnordered(arguments:maxBuffered:)`` as jobs finish. The `template:values:` forms take a command
/// with GNU's replacement strings (`{}`, `{.}`, `{/}`, `{//}`, `{/.}`, `{#}`, `{%}`, `{1}` …) and
/// run it once per value, as `parallelkit run TEMPLATE ::: VALUES` does: without shell syntax the
/// program is started directly; with it (`|`, `>`, `$`, quotes …) the command runs under
/// `/bin/sh -c` with every value quoted, so a value is always data, never code.
///
/// - Note: Jobs run on a thread of the runner's own (one per run, blocked in `poll`), never on
///   Swift's cooperative pool. The runner changes no process-wide state: no signal handler, no
///   signal disposition, no resource limit. Its jobs start from the CLI's clone, which does not
///   wait for the exec (`pk_clone_spawn`: the child makes raw system calls only, so no other
///   thread of this process can disturb it; `JobSpawnerTests` holds it to 1,000 jobs from
///   `ThreadPool` threads beside a `parallelMap` and a live `ProcessPool`).
public struct CommandRunner: Sendable {
    public var configuration: RunConfiguration
    /// How jobs start: the clone that does not wait for the exec, as `parallelkit run` starts
    /// them (0.89 against 0.99 ms a job with `posix_spawn`, 2,000 x `true`, 2 cores). Tests
    /// (`JobSpawnerTests`) and the bench's `run-library` `posix-spawn` row set `posix_spawn`.
    package var spawnStrategy = SpawnConfiguration.Strategy.cloneWithoutWaiting

    /// A runner with `configuration` (GNU parallel's defaults when none is given).
    public init(_ configuration: RunConfiguration = RunConfiguration()) {
        self.configuration = configuration
    }

    // MARK: - Argument vectors

    /// Runs every argument vector (`[program, arguments…]`, the program searched in `PATH` when it
    /// has no `/`) and returns the results in input order.
    ///
    /// ```swift
    /// let results = try await CommandRunner().map(arguments: [["echo", "a"], ["echo", "b"]])
    /// print(results.map(\.text))   // ["a\n", "b\n"]
    /// ```
    ///
    /// - Throws: ``RunError``: a program not found or not executable (the run is then ended),
    ///   an unusable configuration, or ``RunError/Code/cancelled`` when the task was cancelled
    ///   (after every job's process group has ended).
    public func map(arguments jobs: some Sequence<[String]>) async throws(RunError) -> [JobResult] {
        try await collect(JobResults(plan: plan(jobs: Self.bytes(jobs), template: nil, ordered: true, maxBuffered: nil)))
    }

    /// The results of every argument vector, in input order, as they are ready.
    ///
    /// - Parameters:
    ///   - jobs: the argument vectors, as in ``map(arguments:)``.
    ///   - maxBuffered: the most jobs started and not yet read (running, or done and
    ///     waiting for the reader or for their turn); default 2 × ``RunConfiguration/workers``.
    ///     Past it no job starts until the reader takes a result, so memory stays bounded by
    ///     `maxBuffered` results whatever the number of jobs. Below the worker count it also caps
    ///     how many jobs run at once.
    ///
    /// ```swift
    /// // 10,000 jobs of 1 KiB each; at most 8 results held at any time.
    /// let jobs = Array(repeating: ["head", "-c", "1024", "/dev/zero"], count: 10_000)
    /// for try await result in CommandRunner(RunConfiguration(workers: .count(2))).stream(arguments: jobs, maxBuffered: 8) {
    ///     precondition(result.standardOutput.count == 1024)
    /// }
    /// ```
    public func stream(arguments jobs: some Sequence<[String]>, maxBuffered: Int? = nil) -> JobResults {
        JobResults(plan: plan(jobs: Self.bytes(jobs), template: nil, ordered: true, maxBuffered: bound(maxBuffered)))
    }

    /// The results of every argument vector, as the jobs finish; `maxBuffered` as in
    /// ``stream(arguments:maxBuffered:)``.
    public func streamUnordered(arguments jobs: some Sequence<[String]>, maxBuffered: Int? = nil) -> JobResults {
        JobResults(plan: plan(jobs: Self.bytes(jobs), template: nil, ordered: false, maxBuffered: bound(maxBuffered)))
    }

    // MARK: - Templates

    /// Runs `template` once per value (`{}` is the value) and returns the results in input order.
    ///
    /// ```swift
    /// let results = try await CommandRunner().map(template: "gzip -k {}", values: ["a.txt", "b.txt"])
    /// ```
    ///
    /// - Throws: as ``map(arguments:)``; also ``RunError/Code/invalidConfiguration`` for a
    ///   template GNU parallel would refuse.
    public func map(template: String, values: some Sequence<String>) async throws(RunError) -> [JobResult] {
        try await map(template: template, values: values.lazy.map { [$0] })
    }

    /// Runs `template` once per list of values (`{1}`, `{2}` … are its values, `{}` all of
    /// them) and returns the results in input order.
    public func map(template: String, values: some Sequence<[String]>) async throws(RunError) -> [JobResult] {
        try await collect(JobResults(plan: plan(jobs: Self.bytes(values), template: template, ordered: true, maxBuffered: nil)))
    }

    /// The results of `template` for every value, in input order, as they are ready; `maxBuffered`
    /// as in ``stream(arguments:maxBuffered:)``.
    public func stream(template: String, values: some Sequence<String>, maxBuffered: Int? = nil) -> JobResults {
        stream(template: template, values: values.lazy.map { [$0] }, maxBuffered: maxBuffered)
    }

    /// The results of `template` for every list of values, in input order, as they are ready.
    public func stream(template: String, values: some Sequence<[String]>, maxBuffered: Int? = nil) -> JobResults {
        JobResults(plan: plan(jobs: Self.bytes(values), template: template, ordered: true, maxBuffered: bound(maxBuffered)))
    }

    /// The results of `template` for every value, as the jobs finish.
    public func streamUnordered(template: String, values: some Sequence<String>, maxBuffered: Int? = nil) -> JobResults {
        streamUnordered(template: template, values: values.lazy.map { [$0] }, maxBuffered: maxBuffered)
    }

    /// The results of `template` for every list of values, as the jobs finish.
    public func streamUnordered(template: String, values: some Sequence<[String]>, maxBuffered: Int? = nil) -> JobResults {
        JobResults(plan: plan(jobs: Self.bytes(values), template: template, ordered: false, maxBuffered: bound(maxBuffered)))
    }

    // MARK: - Helpers

    private func plan(jobs: [[Bytes]], template: String?, ordered: Bool, maxBuffered: Int?) -> RunPlan {
        var plan = RunPlan(configuration, jobs: jobs, template: template, ordered: ordered, maxBuffered: maxBuffered)
        plan.strategy = spawnStrategy
        return plan
    }

    /// A stream's bound: the caller's (1 or more; a programmer error otherwise), else 2 × workers.
    private func bound(_ maxBuffered: Int?) -> Int {
        if let maxBuffered { precondition(maxBuffered >= 1, "maxBuffered: \(maxBuffered): the bound must be 1 or more") }
        return maxBuffered ?? 2 * configuration.workers.count
    }

    private func collect(_ results: JobResults) async throws(RunError) -> [JobResult] {
        var all: [JobResult] = []
        var iterator = results.makeAsyncIterator()
        while let result = try await iterator.next() { all.append(result) }
        if Task.isCancelled { throw RunError(.cancelled, message: "the run was cancelled") }
        return all
    }

    private static func bytes(_ jobs: some Sequence<[String]>) -> [[Bytes]] {
        jobs.map { $0.map { Array($0.utf8) } }
    }
}
