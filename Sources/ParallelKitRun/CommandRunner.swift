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
/// ``stream(arguments:)`` yields them in input order as they are ready (GNU's `-k`), and
/// ``streamUnordered(arguments:)`` as jobs finish. The `template:values:` forms take a command
/// with GNU's replacement strings (`{}`, `{.}`, `{/}`, `{//}`, `{/.}`, `{#}`, `{%}`, `{1}` …) and
/// run it once per value, as `parallelkit run TEMPLATE ::: VALUES` does: without shell syntax the
/// program is started directly; with it (`|`, `>`, `$`, quotes …) the command runs under
/// `/bin/sh -c` with every value quoted, so a value is always data, never code.
///
/// - Note: Jobs run on a thread of the runner's own (one per run, blocked in `poll`), never on
///   Swift's cooperative pool. The runner changes no process-wide state: no signal handler, no
///   signal disposition, no resource limit. Its jobs start with `posix_spawn`.
public struct CommandRunner: Sendable {
    public var configuration: RunConfiguration
    /// How jobs start: `posix_spawn`, safe whatever this process's other threads do. The clone
    /// that does not wait for the exec (the CLI's) is set here only by tests
    /// (`JobSpawnerTests`, the threaded-host stress test).
    var spawnStrategy = SpawnConfiguration.Strategy.posixSpawn

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
        try await collect(stream(arguments: jobs))
    }

    /// The results of every argument vector, in input order, as they are ready.
    public func stream(arguments jobs: some Sequence<[String]>) -> JobResults {
        JobResults(plan: plan(jobs: Self.bytes(jobs), template: nil, ordered: true))
    }

    /// The results of every argument vector, as the jobs finish.
    public func streamUnordered(arguments jobs: some Sequence<[String]>) -> JobResults {
        JobResults(plan: plan(jobs: Self.bytes(jobs), template: nil, ordered: false))
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
        try await collect(stream(template: template, values: values))
    }

    /// Runs `template` once per list of values (`{1}`, `{2}` … are its values, `{}` all of
    /// them) and returns the results in input order.
    public func map(template: String, values: some Sequence<[String]>) async throws(RunError) -> [JobResult] {
        try await collect(stream(template: template, values: values))
    }

    /// The results of `template` for every value, in input order, as they are ready.
    public func stream(template: String, values: some Sequence<String>) -> JobResults {
        stream(template: template, values: values.lazy.map { [$0] })
    }

    /// The results of `template` for every list of values, in input order, as they are ready.
    public func stream(template: String, values: some Sequence<[String]>) -> JobResults {
        JobResults(plan: plan(jobs: Self.bytes(values), template: template, ordered: true))
    }

    /// The results of `template` for every value, as the jobs finish.
    public func streamUnordered(template: String, values: some Sequence<String>) -> JobResults {
        streamUnordered(template: template, values: values.lazy.map { [$0] })
    }

    /// The results of `template` for every list of values, as the jobs finish.
    public func streamUnordered(template: String, values: some Sequence<[String]>) -> JobResults {
        JobResults(plan: plan(jobs: Self.bytes(values), template: template, ordered: false))
    }

    // MARK: - Helpers

    private func plan(jobs: [[Bytes]], template: String?, ordered: Bool) -> RunPlan {
        var plan = RunPlan(configuration, jobs: jobs, template: template, ordered: ordered)
        plan.strategy = spawnStrategy
        return plan
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
