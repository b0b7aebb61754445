import ParallelKitSystem

/// What a started job's child reads before its exec, kept until the child is reaped: the clone
/// strategy's record (`ProcessLaunch` in ParallelKitSystem, started by ``JobSpawner/spawn``).
typealias JobLaunch = ProcessLaunch

extension ProcessLaunch {
    /// The program as the runner names it in messages.
    var program: Bytes { executable }
}
